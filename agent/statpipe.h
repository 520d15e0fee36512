/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's stats pipeline, one stage per function:
 *   collect (stats_collect, kernel) -> delta (pure) -> sinks:
 *     journal line with totals, rates and the top N rules (pure formatting),
 *     Prometheus textfile, written atomically (temp file + rename).
 * Deltas are per rule identity: a slot that now holds another rule starts
 * from zero, so a new rule never inherits a removed rule's counts.
 */
#ifndef XDPFW_STATPIPE_H
#define XDPFW_STATPIPE_H

#include <stddef.h>
#include <stdio.h>

#include "stats.h"
#include "tamper.h"

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

/* Daemon facts exported beside the counters. */
struct daemon_metrics {
	unsigned long reloads_ok, reloads_rejected;
	double last_reload_ms;
	double last_reload_unix; /* seconds since the epoch, 0 = never */
	int last_reload_ok;
	struct tamper_counts tamper;
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

/* The full exposition: counters of stats_print_prometheus() plus the
 * daemon's metrics. */
void stats_print_prometheus_daemon(FILE *f, const struct stats_snapshot *s,
				   const struct daemon_metrics *m);

/* Only the daemon's metrics (reloads, tamper counts). */
void stats_print_daemon_metrics(FILE *f, const struct daemon_metrics *m);

/* Write the exposition to path atomically.  0 or -errno. */
int stats_write_textfile(const char *path, const struct stats_snapshot *s,
			 const struct daemon_metrics *m);

#endif
