// SPDX-License-Identifier: GPL-2.0-only
/* xdpfw check [-c CONFIG] [RULES_FILE]: validate, print, touch nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rules.h"
#include "safefile.h"
#include "sync.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: xdpfw check [-c CONFIG] [RULES_FILE]\n\n"
		   "Validate the config and the rules file (default: the config's\n"
		   "rules = path).  Prints every problem as PATH:LINE:COL: message and\n"
		   "a one-line summary.  Touches nothing.\n\n"
		   "  -c, --config PATH  config file (default /etc/xdpfw/xdpfw.conf)\n"
		   "  -h, --help         this help\n\n"
		   "Exit status: 0 valid, 1 invalid config or rules, 2 usage error.\n");
}

static void print_diag(void *ctx, int is_error, const char *line)
{
	(void)ctx;
	(void)is_error;
	printf("%s\n", line);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct xdpfw_config cfg;
	const char *config = NULL, *path;
	struct safefile_result fres;
	struct ruleset rs;
	char why[512];
	int c, rc, err;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	rc = cli_load_config(config, &cfg, 0);
	path = optind < argc ? argv[optind] : cfg.rules_path;

	ruleset_init(&rs);
	err = rules_parse_file(&rs, path, &fres);
	if (err) {
		printf("%s: %s\n", path,
		       err == -ENOMEM ? strerror(ENOMEM) : fres.why);
		rc = EXIT_INVALID;
		goto out;
	}
	sync_report_diags(&rs, 0, print_diag, NULL);
	err = sync_validate(&rs, &cfg, cfg.max_rules, why, sizeof(why));
	if (err == -EINVAL && !rs.n) {
		printf("%s: %s; the daemon would keep the rules in force\n", path,
		       why);
		rc = EXIT_INVALID;
	} else if (rs.n_errors) {
		printf("%s: %zu error%s, %zu warning%s, %zu valid entr%s; %s\n", path,
		       rs.n_errors, rs.n_errors == 1 ? "" : "s", rs.n_warnings,
		       rs.n_warnings == 1 ? "" : "s", rs.n, rs.n == 1 ? "y" : "ies",
		       cfg.on_invalid == ON_INVALID_REJECT ?
			       "the daemon would reject the file (on_invalid = reject)" :
			       "the daemon would skip the bad lines (on_invalid = skip)");
		rc = EXIT_INVALID;
	} else if (err == -ENOSPC) {
		printf("%s: %s\n", path, why);
		rc = EXIT_INVALID;
	} else {
		printf("%s: OK, %zu entr%s, %zu warning%s\n", path, rs.n,
		       rs.n == 1 ? "y" : "ies", rs.n_warnings,
		       rs.n_warnings == 1 ? "" : "s");
	}
out:
	ruleset_free(&rs);
	config_free(&cfg);
	return rc;
}
