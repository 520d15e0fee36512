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
#include "kmaps.h"
#include "rules.h"
#include "statpipe.h"
#include "stats.h"

static int open_state(const struct xdpfw_config *cfg, struct kmaps *km)
{
	int err = kmaps_open_pinned(km, cfg->pin_dir, 0);

	if (!err)
		return EXIT_OK;
	if (err == -ENOENT)
		fprintf(stderr, "xdpfw: no xdpfw state is pinned under %s "
				"(has `xdpfw run` been started with this config?)\n",
			cfg->pin_dir);
	else
		fprintf(stderr, "xdpfw: cannot open the maps under %s: %s\n",
			cfg->pin_dir, strerror(-err));
	return EXIT_RUNTIME;
}

static void list_usage(FILE *f)
{
	fprintf(f, "Usage: xdpfw list [-c CONFIG]\n\n"
		   "Print the entries enforced in the kernel now, one per line, in\n"
		   "rules-file syntax (`xdpfw list > f && xdpfw check f` round-trips).\n\n"
		   "  -c, --config PATH  config file (default /etc/xdpfw/xdpfw.conf)\n"
		   "  -h, --help         this help\n");
}

int cmd_list(int argc, char **argv)
{
	const char *config = NULL;
	struct xdpfw_config cfg;
	struct kmaps km;
	char buf[RULE_FMT_MAX];
	int rc = cli_parse_config_only(argc, argv, &config, list_usage);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = cli_load_config(config, &cfg, 0);
	if (rc)
		goto out_cfg;
	rc = open_state(&cfg, &km);
	if (rc)
		goto out_cfg;
	for (uint32_t s = 0; s < km.capacity; s++) {
		if (!km.table[s].family)
			continue;
		rule_format(&km.table[s], buf, sizeof(buf));
		puts(buf);
	}
	kmaps_close(&km);
out_cfg:
	config_free(&cfg);
	return rc;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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
		human_count((uint64_t)((double)d.totals[XDPFW_T_DROPPED].packets /
				       d.seconds), a, sizeof(a));
		human_count((uint64_t)((double)d.totals[XDPFW_T_PASSED].packets /
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
			human_count((uint64_t)d.rows[i].pps, a, sizeof(a));
			human_count(total, b, sizeof(b));
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

static void stats_usage(FILE *f)
{
	fprintf(f, "Usage: xdpfw stats [-c CONFIG] [--json | --prometheus] [--top N]\n\n"
		   "Per-rule packet and byte counters and totals, read from the pinned\n"
		   "maps (works while the daemon runs or after it exited).\n\n"
		   "  -c, --config PATH  config file (default /etc/xdpfw/xdpfw.conf)\n"
		   "      --json         one JSON object\n"
		   "      --prometheus   Prometheus text exposition format\n"
		   "  -n, --top N        only the N rules with most packets\n"
		   "  -w, --watch [SEC]  refresh every SEC seconds (default 2) with rates\n"
		   "  -h, --help         this help\n");
}

int cmd_stats(int argc, char **argv)
{
	enum { FMT_TABLE, FMT_JSON, FMT_PROM } fmt = FMT_TABLE;
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "top", required_argument, NULL, 'n' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct stats_snapshot snap;
	const char *config = NULL;
	struct xdpfw_config cfg;
	struct kmaps km;
	size_t top = 0;
	double watch = 0;
	int c, rc, err;
	char *end;

	while ((c = getopt_long(argc, argv, "c:n:w::h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'j':
		case 'p':
			if (fmt != FMT_TABLE) {
				fprintf(stderr, "xdpfw: --json and --prometheus exclude each other\n");
				return EXIT_USAGE;
			}
			fmt = c == 'j' ? FMT_JSON : FMT_PROM;
			break;
		case 'n':
			errno = 0;
			top = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-') {
				fprintf(stderr, "xdpfw: --top takes a number, got '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'w':
			watch = 2;
			if (optarg || (optind < argc && argv[optind][0] != '-' &&
				       strtod(argv[optind], NULL) > 0)) {
				const char *v = optarg ? optarg : argv[optind++];

				watch = strtod(v, &end);
				/* Written so that NaN fails too. */
				if (end == v || *end ||
				    !(watch >= 0.1 && watch <= 3600)) {
					fprintf(stderr, "xdpfw: --watch takes seconds "
							"(0.1..3600), got '%s'\n", v);
					return EXIT_USAGE;
				}
			}
			break;
		case 'h':
			stats_usage(stdout);
			return EXIT_OK;
		default:
			stats_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		stats_usage(stderr);
		return EXIT_USAGE;
	}
	if (watch && fmt != FMT_TABLE) {
		fprintf(stderr, "xdpfw: --watch shows the table; it excludes --json "
				"and --prometheus\n");
		return EXIT_USAGE;
	}
	rc = cli_load_config(config, &cfg, 0);
	if (rc)
		goto out_cfg;
	rc = open_state(&cfg, &km);
	if (rc)
		goto out_cfg;
	if (watch) {
		rc = watch_loop(&km, watch, top ? top : 20);
		goto out;
	}
	err = stats_collect(&km, &snap);
	if (err) {
		fprintf(stderr, "xdpfw: cannot read counters: %s\n", strerror(-err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	stats_sort(&snap);
	if (fmt == FMT_JSON)
		stats_print_json(stdout, &snap, top);
	else if (fmt == FMT_PROM)
		stats_print_prometheus(stdout, &snap);
	else
		stats_print_table(stdout, &snap, top);
	stats_free(&snap);
out:
	kmaps_close(&km);
out_cfg:
	config_free(&cfg);
	return rc;
}
