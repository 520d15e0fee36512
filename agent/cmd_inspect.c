// SPDX-License-Identifier: GPL-2.0-only
/*
 * The commands that read the pinned state without talking to the daemon:
 * xdpfw list, xdpfw stats.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "drift.h"
#include "kmaps.h"
#include "kstate.h"
#include "pidfile.h"
#include "rulenotes.h"
#include "rules.h"
#include "stats_delta.h"
#include "stats.h"
#include "tamper.h"

static int open_state(const struct xdpfw_config *cfg, struct kmaps *km)
{
	char how[4200];
	int err = kstate_open(km, cfg, how, sizeof(how));

	if (!err) {
		if (strncmp(how, "pins", 4))
			fprintf(stderr, "xdpfw: warning: the pins under %s are gone; "
					"reading %s\n", cfg->pin_dir, how);
		return EXIT_OK;
	}
	if (err == -ENOENT)
		fprintf(stderr, "xdpfw: no xdpfw state is pinned under %s or attached "
				"on the configured interfaces (has `xdpfw run` been "
				"started with this config?)\n",
			cfg->pin_dir);
	else
		fprintf(stderr, "xdpfw: cannot open the maps under %s: %s\n",
			cfg->pin_dir, strerror(-err));
	return EXIT_RUNTIME;
}

static const struct cli_opt list_opts[] = {
	CLI_OPT_CONFIG,
	CLI_OPT_JSON("{\"rules\": [{\"rule\": ..., \"slot\": N,\n"
		     "\"source\": \"PATH:LINE\", \"expires\": ...}, ...]}"),
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd list_cmd = {
	"list", "[-c CONFIG] [--json]",
	"Print the entries the kernel's lookup maps enforce now, one per\n"
	"line, in rules-file syntax (`xdpfw list > f && xdpfw check f`\n"
	"round-trips).  An entry whose keys are not all in the lookup maps\n"
	"is not listed (`xdpfw verify` names what is missing).  Exceptions\n"
	"print with \"!\", temporary entries with expires=, protected\n"
	"addresses with a comment naming their protect keyword.",
	list_opts, NULL,
};

/* One entry in rules-file syntax: expires= for a temporary one, and a
 * comment naming the keyword of a protected address. */
static void list_line(const struct rule_notes *rn, const struct xdpfw_rule *r,
		      const char *text)
{
	char src[4096 + 16], t[RULES_TIME_LEN + 1];
	int64_t expires;

	rule_notes_get(rn, r, src, sizeof(src), &expires);
	fputs(text, stdout);
	if (expires) {
		rules_format_time(expires, t);
		printf(" expires=%s", t);
	}
	if (!strncmp(src, "protect:", 8))
		printf("  # protect: %s", src + 8);
	putchar('\n');
}

/* The rules of the slot table whose every key the lookup maps hold. */
static int list_enforced(struct kmaps *km, const struct rule_notes *rn,
			 int json)
{
	char buf[RULE_FMT_MAX];
	struct drift dr;
	size_t shown = 0;
	int err = drift_compute(&dr, km);

	if (err) {
		fprintf(stderr, "xdpfw: cannot read the lookup maps: %s\n",
			strerror(-err));
		return EXIT_RUNTIME;
	}
	if (json)
		fputs("{\"rules\": [", stdout);
	for (size_t i = 0; i < dr.n; i++) {
		if (dr.broken[dr.slots[i]])
			continue;
		rule_format(&dr.rules[i], buf, sizeof(buf));
		if (json) {
			printf("%s{\"rule\": \"%s\", \"slot\": %u",
			       shown ? ", " : "", buf, dr.slots[i]);
			rule_notes_json(stdout, rn, &dr.rules[i]);
			putchar('}');
		} else {
			list_line(rn, &dr.rules[i], buf);
		}
		shown++;
	}
	if (json)
		printf("], \"count\": %zu}\n", shown);
	if (shown < dr.n)
		fprintf(stderr, "xdpfw: %zu entries of the slot table are not wholly "
				"in the lookup maps and are not listed (see `xdpfw "
				"verify`)\n", dr.n - shown);
	drift_free(&dr);
	return EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
	const char *config = NULL;
	struct xdpfw_config cfg;
	struct kmaps km;
	int json = 0;
	int rc = cli_parse_common(argc, argv, &list_cmd, &config, &json, 0, 0);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(config, &cfg, 0);
	if (rc)
		goto out_cfg;
	rc = open_state(&cfg, &km);
	if (rc)
		goto out_cfg;
	{
		struct rule_notes rn;

		rule_notes_load(&rn, &cfg);
		rc = list_enforced(&km, &rn, json);
		rule_notes_free(&rn);
	}
	kmaps_close(&km);
out_cfg:
	config_free(&cfg);
	return rc;
}

/* The daemon's tamper and repair counters, when a daemon of this pin_dir
 * runs (or ran and left them). */
static int load_tamper(const struct xdpfw_config *cfg, struct tamper_counts *c)
{
	char pid_path[4096], path[4096];

	if (pidfile_path(pid_path, sizeof(pid_path), cfg->pin_dir) ||
	    tamper_state_path(path, sizeof(path), pid_path))
		return -EINVAL;
	return tamper_load(path, c);
}

/* stats --json: the counters' object with the tamper counters added. */
static void print_json_tamper(const struct xdpfw_config *cfg,
			      const struct stats_snapshot *snap, size_t top)
{
	struct tamper_counts tc;
	size_t len = 0;
	char *buf = NULL;
	FILE *m = open_memstream(&buf, &len);

	if (!m || load_tamper(cfg, &tc)) {
		if (m)
			fclose(m);
		free(buf);
		stats_print_json(stdout, snap, top);
		return;
	}
	stats_print_json(m, snap, top);
	fclose(m);
	/* Drop the closing "}\n" and append. */
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '}')
		len--;
	fwrite(buf, 1, len, stdout);
	printf(", ");
	tamper_print_json(stdout, &tc);
	printf("}\n");
	free(buf);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t per_s(uint64_t n, double seconds)
{
	return (uint64_t)((double)n / seconds);
}

/* Like top(1): totals and the rules with most drops per second. */
static int watch_loop(struct kmaps *km, double interval, size_t top)
{
	struct stats_snapshot prev, cur;
	double t_prev = mono_s();
	int err = stats_collect(km, &prev);

	if (err)
		goto fail;
	for (;;) {
		struct stats_delta d;
		char rule[RULE_FMT_MAX], a[32], b[32];
		double t;

		usleep((useconds_t)(interval * 1e6));
		err = stats_collect(km, &cur);
		if (err)
			break;
		t = mono_s();
		err = stats_delta_compute(&prev, &cur, t - t_prev, &d);
		if (err) {
			stats_free(&cur);
			break;
		}
		stats_human_count(per_s(d.totals[XDPFW_T_DROPPED].packets,
					d.seconds), a, sizeof(a));
		stats_human_count(per_s(d.totals[XDPFW_T_PASSED].packets,
					d.seconds), b, sizeof(b));
		printf("\033[H\033[2Jxdpfw: %zu rules in force; dropping %s pps, "
		       "passing %s pps (every %.1f s; Ctrl-C quits)\n\n",
		       cur.n, a, b, interval);
		printf("%-45s %12s %12s\n", "RULE", "PPS", "PACKETS");
		for (size_t i = 0; i < d.n && i < top; i++) {
			uint64_t total = 0;

			for (size_t j = 0; j < cur.n; j++)
				if (cur.rows[j].slot == d.rows[i].slot)
					total = cur.rows[j].c.packets;
			rule_format(&d.rows[i].rule, rule, sizeof(rule));
			stats_human_count((uint64_t)d.rows[i].pps, a, sizeof(a));
			stats_human_count(total, b, sizeof(b));
			printf("%-45s %12s %12s\n", rule, a, b);
		}
		fflush(stdout);
		stats_delta_free(&d);
		stats_free(&prev);
		prev = cur;
		t_prev = t;
	}
	stats_free(&prev);
fail:
	fprintf(stderr, "xdpfw: cannot read counters: %s\n", strerror(-err));
	return EXIT_RUNTIME;
}

static const struct cli_opt stats_options[] = {
	CLI_OPT_CONFIG,
	CLI_OPT_JSON("one JSON object"),
	{ "prometheus", 0, 'p', no_argument, NULL,
	  "Prometheus text exposition format" },
	{ "top", 'n', 'n', required_argument, "N",
	  "only the N rules with most packets" },
	{ "watch", 'w', 'w', optional_argument, "SEC",
	  "refresh every SEC seconds (default 2) with rates" },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd stats_cmd = {
	"stats", "[-c CONFIG] [--json | --prometheus] [--top N]\n"
		 "                   [--watch [SEC]]",
	"Per-rule packet and byte counters and totals, read from the pinned\n"
	"maps (works while the daemon runs or after it exited).",
	stats_options, NULL,
};

enum stats_fmt { FMT_TABLE, FMT_JSON, FMT_PROM };

struct stats_opts {
	const char *config;
	enum stats_fmt fmt;
	size_t top;
	double watch;
};

/* EXIT_OK, -1 after --help, or EXIT_USAGE. */
static int stats_args(int argc, char **argv, struct stats_opts *o)
{
	char *end;
	int c;

	while ((c = cli_getopt(argc, argv, &stats_cmd)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'j':
		case 'p':
			if (o->fmt != FMT_TABLE) {
				fprintf(stderr, "xdpfw: --json and --prometheus exclude each other\n");
				return EXIT_USAGE;
			}
			o->fmt = c == 'j' ? FMT_JSON : FMT_PROM;
			break;
		case 'n':
			errno = 0;
			o->top = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-') {
				fprintf(stderr, "xdpfw: --top takes a number, got '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'w':
			o->watch = 2;
			if (optarg || (optind < argc && argv[optind][0] != '-' &&
				       strtod(argv[optind], NULL) > 0)) {
				const char *v = optarg ? optarg : argv[optind++];

				o->watch = strtod(v, &end);
				/* Written so that NaN fails too. */
				if (end == v || *end ||
				    !(o->watch >= 0.1 && o->watch <= 3600)) {
					fprintf(stderr, "xdpfw: --watch takes seconds "
							"(0.1..3600), got '%s'\n", v);
					return EXIT_USAGE;
				}
			}
			break;
		case 'h':
			cli_usage(stdout, &stats_cmd);
			return -1;
		default:
			cli_usage(stderr, &stats_cmd);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_usage(stderr, &stats_cmd);
		return EXIT_USAGE;
	}
	if (o->watch && o->fmt != FMT_TABLE) {
		fprintf(stderr, "xdpfw: --watch shows the table; it excludes --json "
				"and --prometheus\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static void print_stats(const struct xdpfw_config *cfg,
			struct stats_snapshot *snap, const struct stats_opts *o)
{
	struct tamper_counts tc;

	stats_sort(snap);
	if (o->fmt == FMT_JSON) {
		print_json_tamper(cfg, snap, o->top);
	} else if (o->fmt == FMT_PROM) {
		stats_print_prometheus(stdout, snap);
		if (!load_tamper(cfg, &tc))
			tamper_print_prometheus(stdout, &tc);
	} else {
		stats_print_table(stdout, snap, o->top);
	}
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = { 0 };
	struct stats_snapshot snap;
	struct xdpfw_config cfg;
	struct kmaps km;
	int rc, err;

	rc = stats_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(o.config, &cfg, 0);
	if (rc)
		goto out_cfg;
	rc = open_state(&cfg, &km);
	if (rc)
		goto out_cfg;
	if (o.watch) {
		rc = watch_loop(&km, o.watch, o.top ? o.top : 20);
		goto out;
	}
	err = stats_collect(&km, &snap);
	if (err) {
		fprintf(stderr, "xdpfw: cannot read counters: %s\n", strerror(-err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	{
		struct rule_notes rn = { 0 };

		if (o.fmt == FMT_JSON) {
			rule_notes_load(&rn, &cfg);
			snap.notes = &rn;
		}
		print_stats(&cfg, &snap, &o);
		rule_notes_free(&rn);
	}
	stats_free(&snap);
out:
	kmaps_close(&km);
out_cfg:
	config_free(&cfg);
	return rc;
}
