// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpfw check [-c CONFIG] [RULES_FILE | -]: validate the config exactly as
 * `run` does (interfaces required) and the rules (the configured file, the
 * one named, or standard input), print every diagnostic to stderr and a
 * one-line summary to stdout, touch nothing.  Exit 0 only when `run` would
 * accept both.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build_config.h"
#include "cli.h"
#include "ruleload.h"
#include "rules.h"
#include "safefile.h"
#include "sync.h"

/* The bound of a rules file (rules.c), applied to standard input too. */
#define CHECK_STDIN_MAX (1UL << 30)

static const struct cli_cmd check_cmd = {
	"check", "[-c CONFIG] [RULES_FILE | -]",
	"Validate the config exactly as `xdpfw run` would (interfaces\n"
	"required) and the rules: the config's rules = file and the *.txt\n"
	"files of its rules_dir, as the daemon reads them; or the one file\n"
	"named, or standard input for -.  Prints every problem to stderr as\n"
	"PATH:LINE:COL: message and a one-line summary to stdout.  Touches\n"
	"nothing.",
	cli_opts_config,
	"Exit status: 0 when `run` would accept the config and the rules,\n"
	"1 invalid config or rules, 2 usage error.",
};

static void print_diag(void *ctx, int is_error, const char *line)
{
	(void)ctx;
	(void)is_error;
	fprintf(stderr, "%s\n", line);
}

/* Standard input into *buf (NUL-terminated, free() it), at most max bytes.
 * Returns 0, -EFBIG beyond max, or -errno. */
static int read_stdin(size_t max, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1), *nb;
	ssize_t r;

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				free(b);
				return -EFBIG;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		r = read(STDIN_FILENO, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(b);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Parse the rules from path ("-": standard input) into rs.  Returns 0, or
 * EXIT_INVALID after printing why nothing could be parsed. */
static int load_rules(struct ruleset *rs, const char *path)
{
	struct safefile_result fres;
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (strcmp(path, "-")) {
		err = rules_parse_file(rs, path, &fres);
		if (!err)
			return 0;
		fprintf(stderr, "%s: %s\n", path,
			err == -ENOMEM ? strerror(ENOMEM) : fres.why);
		return EXIT_INVALID;
	}
	err = read_stdin(CHECK_STDIN_MAX, &buf, &len);
	if (!err) {
		err = rules_parse_buffer(rs, "-", buf, len);
		free(buf);
	}
	if (!err)
		return 0;
	if (err == -EFBIG)
		fprintf(stderr, "-: standard input is larger than %lu bytes\n",
			CHECK_STDIN_MAX);
	else
		fprintf(stderr, "-: cannot read standard input: %s\n",
			strerror(-err));
	return EXIT_INVALID;
}

/* The configured rule files (the rules file and rules_dir's *.txt) into
 * rs, as the daemon reads them; label names them for the summary. */
static int load_configured(struct ruleset *rs, const struct xdpfw_config *cfg,
			   char *label, size_t len)
{
	char why[4096 + 320];

	if (!ruleset_load(rs, cfg, label, len, why, sizeof(why)))
		return 0;
	fprintf(stderr, "%s\n", why);
	return EXIT_INVALID;
}

/* The summary of the rules (stdout's one line, after the config's verdict
 * when the config is invalid).  Returns EXIT_OK or EXIT_INVALID. */
static int summarize(const struct ruleset *rs, const struct xdpfw_config *cfg,
		     const char *path)
{
	char why[512];
	int err = sync_validate(rs, cfg, cfg->max_rules, why, sizeof(why));

	if (err == -EINVAL && !ruleset_n_from_files(rs)) {
		printf("%s: %s; the daemon would keep the rules in force\n",
		       path, why);
		return EXIT_INVALID;
	}
	if (rs->n_errors) {
		printf("%s: %zu error%s, %zu warning%s, %zu valid entr%s; %s\n",
		       path, rs->n_errors, rs->n_errors == 1 ? "" : "s",
		       rs->n_warnings, rs->n_warnings == 1 ? "" : "s",
		       ruleset_n_from_files(rs),
		       ruleset_n_from_files(rs) == 1 ? "y" : "ies",
		       cfg->on_invalid == ON_INVALID_REJECT ?
			       "the daemon would reject the file (on_invalid = reject)" :
			       "the daemon would skip the bad lines (on_invalid = skip)");
		return EXIT_INVALID;
	}
	if (err == -ENOSPC) {
		printf("%s: %s\n", path, why);
		return EXIT_INVALID;
	}
	printf("%s: OK, %zu entr%s, %zu warning%s", path,
	       ruleset_n_from_files(rs),
	       ruleset_n_from_files(rs) == 1 ? "y" : "ies", rs->n_warnings,
	       rs->n_warnings == 1 ? "" : "s");
	if (rs->n_protected)
		printf(", %zu protected address%s", rs->n_protected,
		       rs->n_protected == 1 ? "" : "es");
	/* Not an error: an expired entry is simply no longer enforced. */
	if (rs->n_expired)
		printf(", %zu expired", rs->n_expired);
	putchar('\n');
	return EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
	const char *config = NULL, *path = NULL;
	struct xdpfw_config cfg;
	struct ruleset rs;
	char label[4096 + 64];
	int rc, rules_rc;

	rc = cli_parse_common(argc, argv, &check_cmd, &config, NULL, 0, 1);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	path = optind < argc ? argv[optind] : NULL;
	/* As `run` loads it: a missing config and a config without
	 * interfaces are errors.  The rules are checked all the same, so that
	 * one run reports every problem. */
	rc = cli_load_config(config, &cfg, 1);
	if (rc)
		printf("%s: invalid config, `xdpfw run` would refuse it; ",
		       config ? config : XDPFW_DEFAULT_CONFIG_PATH);

	ruleset_init(&rs);
	rs.now = (int64_t)time(NULL);
	if (path) {
		rules_rc = load_rules(&rs, path);
		if (!rules_rc && ruleset_finish(&rs, &cfg, NULL))
			rules_rc = EXIT_RUNTIME;
	} else {
		rules_rc = load_configured(&rs, &cfg, label, sizeof(label));
		path = label;
	}
	if (rules_rc) {
		printf("%s: not readable, see above\n", path);
	} else {
		sync_report_diags(&rs, 0, print_diag, NULL);
		rules_rc = summarize(&rs, &cfg, path);
	}
	ruleset_free(&rs);
	config_free(&cfg);
	return rc ? rc : rules_rc;
}
