/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One collection of the counters for a scrape, a piece per event-loop
 * iteration, into a bounded view (metrics_expo.h): stats_counted's steps,
 * which keep only the rules that counted and never map the counters or
 * the slot table whole (through mmap windows when the pinned map allows
 * it, else batch reads).
 */
#ifndef XDPFW_METRICS_COLLECT_H
#define XDPFW_METRICS_COLLECT_H

#include "kmaps.h"
#include "metrics_expo.h"
#include "stats.h"

struct metrics_collect {
	struct stats_counted col;
};

/* 0, or -EINVAL when the counters are read by batch (a map pinned by an
 * older build is not mmapable). */
int metrics_collect_open(struct metrics_collect *mc, struct kmaps *km);
void metrics_collect_close(struct metrics_collect *mc); /* idempotent */

int metrics_collect_begin(struct metrics_collect *mc, struct kmaps *km);
/* 0: call again; 1: done; -errno. */
int metrics_collect_step(struct metrics_collect *mc, struct kmaps *km);
/* Totals, and the view with the top rules.  Ends the collection. */
int metrics_collect_end(struct metrics_collect *mc, struct kmaps *km,
			size_t top, struct metrics_view *v);
void metrics_collect_abort(struct metrics_collect *mc); /* idempotent */

#endif
