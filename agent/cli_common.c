// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"
#include "cli.h"
#include "log.h"

static void print_diag(void *ctx, const char *path, unsigned line,
		       const char *msg)
{
	(void)ctx;
	if (line)
		fprintf(stderr, "%s:%u: %s\n", path, line, msg);
	else
		fprintf(stderr, "%s: %s\n", path, msg);
}

int cli_load_config(const char *path, struct xdpfw_config *cfg, int for_run)
{
	const char *p = path ? path : XDPFW_DEFAULT_CONFIG_PATH;
	int err;

	config_init(cfg);
	err = config_load_file(cfg, p, print_diag, NULL);
	if (err == -ENOENT && !path && !for_run) {
		log_debug("no config at %s; using defaults", p);
		return EXIT_OK;
	}
	if (err == -EINVAL)
		return EXIT_INVALID;
	if (err) {
		fprintf(stderr, "xdpfw: cannot read config %s: %s\n", p,
			strerror(-err));
		return err == -ENOENT ? EXIT_INVALID : EXIT_RUNTIME;
	}
	if (for_run && config_validate_for_run(cfg, print_diag, NULL))
		return EXIT_INVALID;
	log_set_level(cfg->log_level);
	return EXIT_OK;
}

int cli_parse_common(int argc, char **argv, const struct cli_cmd *c,
		     const char **config, int *json, int min, int max)
{
	int k;

	while ((k = cli_getopt(argc, argv, c)) != -1) {
		if (k == 'c') {
			*config = optarg;
		} else if (k == 'j' && json) {
			*json = 1;
		} else if (k == 'h') {
			cli_usage(stdout, c);
			return -1;
		} else {
			cli_usage(stderr, c);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < min || argc - optind > max) {
		cli_usage(stderr, c);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
