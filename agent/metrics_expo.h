/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exposition served at GET /metrics ([stats] listen): the textfile's
 * metrics, bounded, plus facts only the running daemon knows.  Pure: the
 * caller collects the counters (stats_collect_step) and the attachments.
 *
 * Bounded: a rule that never counted has no series (absent = 0 for
 * Prometheus), and of the rules that counted only the metrics_top with
 * most packets are served, so 1M rules of which 10 hit make 20 per-rule
 * series, not 2M.  xdpfw_metrics_rules_omitted says how many were left out.
 */
#ifndef XDPFW_METRICS_EXPO_H
#define XDPFW_METRICS_EXPO_H

#include <stdio.h>

#include "daemon_metrics.h"
#include "stats.h"

struct metrics_iface {
	const char *ifname;
	const char *mode; /* native | generic | libxdp-native | ... */
};

struct metrics_view {
	struct stats_snapshot top; /* counted rules, most packets first */
	size_t in_force;           /* rules in the slot table */
	size_t counted;            /* of them, with a non-zero count */
};

/* From the rows of the rules that counted (rows: n of them, in slot order,
 * taken over by v, freed by metrics_view_free): the top most packets
 * first (top 0: none).  totals are copied into v->top.totals.  0. */
int metrics_view_take(struct stat_row *rows, size_t n, size_t in_force,
		      const struct xdpfw_counter *totals, size_t top,
		      struct metrics_view *v);
void metrics_view_free(struct metrics_view *v); /* NULL-safe */

void metrics_print(FILE *f, const struct metrics_view *v,
		   const struct daemon_metrics *m,
		   const struct metrics_iface *ifs, size_t n_ifs);

#endif
