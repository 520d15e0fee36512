/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One collection of the counters for a scrape, a piece per event-loop
 * iteration, into a bounded view (metrics_expo.h).  Through the mapped
 * counters (rstats_mmap.h) when the pinned map allows it: one pass over
 * memory that keeps only the rules that counted; else through the batch
 * reads of stats_collect_step().
 */
#ifndef XDPFW_METRICS_COLLECT_H
#define XDPFW_METRICS_COLLECT_H

#include "kmaps.h"
#include "metrics_expo.h"
#include "rstats_mmap.h"
#include "stats.h"

struct metrics_collect {
	struct rstats_mmap rs;      /* mapped counters, or rs.c NULL */
	struct stats_collector col; /* the batch path */
	uint32_t next;              /* the mapped path: next slot */
	size_t in_force;
	struct stat_row *rows;      /* counted rules found so far */
	size_t n_rows, cap_rows;
	struct kmaps *held;         /* the mapped path: its slot table held */
};

/* Map the counters.  0, or -errno when they are read by batch instead
 * (a map pinned by an older build is not mmapable). */
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
