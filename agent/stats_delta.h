/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's stats pipeline is collect (stats.h, kernel) -> delta (here,
 * pure) -> sinks: the journal line with totals, rates and the top N rules
 * (stats_delta_format, here) and the Prometheus textfile
 * (daemon_metrics.h).  Deltas are per rule identity: a slot that now holds another rule starts
 * from zero, so a new rule never inherits a removed rule's counts.
 */
#ifndef XDPFW_STATS_DELTA_H
#define XDPFW_STATS_DELTA_H

#include <stddef.h>

#include "stats.h"

struct delta_row {
	uint32_t slot;
	struct xdpfw_rule rule;
	uint64_t packets, bytes; /* new since the previous collection */
	double pps;
};

struct stats_delta {
	struct delta_row *rows; /* rules with new drops, most packets first */
	size_t n;
	double seconds;
	struct xdpfw_counter totals[XDPFW_TOTAL_MAX]; /* new since previous */
};

/* prev may be NULL (first collection: everything counts as new). */
int stats_delta_compute(const struct stats_snapshot *prev,
			const struct stats_snapshot *cur, double seconds,
			struct stats_delta *out);
void stats_delta_free(struct stats_delta *d); /* NULL-safe */

/* One journal line; returns 0 and leaves buf empty when nothing was
 * dropped (no log spam on an idle box). */
int stats_delta_format(const struct stats_delta *d, size_t top, char *buf,
		       size_t len);

#endif
