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

/* -c CONFIG, --help and, when json is not NULL, --json; min..max
 * operands, from argv[optind]. */
static int parse_config_opts(int argc, char **argv, const char **config,
			     int *json, void (*usage)(FILE *f), int min,
			     int max)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'c') {
			*config = optarg;
		} else if (c == 'j' && json) {
			*json = 1;
		} else if (c == 'h') {
			usage(stdout);
			return -1;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < min || argc - optind > max) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cli_parse_config_only(int argc, char **argv, const char **config,
			  void (*usage)(FILE *f))
{
	return parse_config_opts(argc, argv, config, NULL, usage, 0, 0);
}

int cli_parse_config_json_operands(int argc, char **argv, const char **config,
				   int *json, void (*usage)(FILE *f), int min,
				   int max)
{
	return parse_config_opts(argc, argv, config, json, usage, min, max);
}

int cli_parse_config_json(int argc, char **argv, const char **config,
			  int *json, void (*usage)(FILE *f))
{
	return parse_config_opts(argc, argv, config, json, usage, 0, 0);
}
