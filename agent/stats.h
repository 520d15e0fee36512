/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Counter snapshots and their presentations: the `xdpfw stats` table, JSON
 * (README.md, docs/METRICS.md) and the Prometheus text exposition format.  Collecting reads the
 * kernel; everything else is pure.
 */
#ifndef XDPFW_STATS_H
#define XDPFW_STATS_H

#include <stdio.h>
#include <stddef.h>

#include "kmaps.h"

struct stat_row {
	uint32_t slot;
	struct xdpfw_rule rule;
	struct xdpfw_counter c;
};

struct rule_notes;

struct stats_snapshot {
	struct stat_row *rows; /* rules in force, slot order */
	size_t n;
	struct xdpfw_counter totals[XDPFW_TOTAL_MAX];
	/* Set by the caller for JSON's "source" and "expires" (NULL: no
	 * such fields). */
	const struct rule_notes *notes;
};

extern const char *const xdpfw_total_name[XDPFW_TOTAL_MAX];

int stats_collect(struct kmaps *km, struct stats_snapshot *out);

/* The same in pieces, so a daemon's loop stays responsive: begin, step
 * until it returns 1 (each reads at most max slots; free slots cost
 * nothing), end (totals, and the join with the slot table as it is then).
 * A slot whose rule changed between its step and the end is counted under
 * the new rule for that one collection. */
struct stats_collector {
	struct xdpfw_counter *per_slot;
	uint32_t next;
};

int stats_collect_begin(struct stats_collector *c, struct kmaps *km);
int stats_collect_step(struct stats_collector *c, struct kmaps *km,
		       uint32_t max);
int stats_collect_end(struct stats_collector *c, struct kmaps *km,
		      struct stats_snapshot *out);
void stats_collect_abort(struct stats_collector *c); /* NULL-safe */
void stats_free(struct stats_snapshot *s); /* NULL-safe */

/*
 * The daemon's collection, in the same pieces, without the per-slot array
 * (16 MB at 1M) or a row per idle rule (48 MB): each step reads the
 * counters of at most max slots and joins them with the slot table there
 * and then, keeping the rows that counted something and those of the
 * slots keep has rows for (the base of the next delta: rules gone idle
 * still show there); in_force counts the rest.  Begin (keep may be NULL
 * and must outlive the collection), step until 1, end (the snapshot's
 * rows are only those kept; *in_force: the rules in force seen).
 */
struct stats_counted {
	struct xdpfw_counter *buf; /* a step's counters */
	uint32_t buf_n, next;
	struct stat_row *rows;
	size_t n_rows, cap_rows, in_force;
	const struct stats_snapshot *keep;
	size_t keep_i;
};

void stats_counted_begin(struct stats_counted *c,
			 const struct stats_snapshot *keep);
int stats_counted_step(struct stats_counted *c, struct kmaps *km,
		       uint32_t max);
int stats_counted_end(struct stats_counted *c, struct kmaps *km,
		      struct stats_snapshot *out, size_t *in_force);
void stats_counted_abort(struct stats_counted *c); /* NULL-safe */

/* Drop the rows that never counted anything (slot order is kept), e.g. to
 * keep a snapshot as the base of the next delta: a missing row counts as
 * zero there. */
void stats_keep_counted(struct stats_snapshot *s);

/* Most packets first; equal counts keep slot order. */
void stats_sort(struct stats_snapshot *s);

/* top = 0: every rule. */
void stats_print_table(FILE *f, const struct stats_snapshot *s, size_t top);
void stats_print_json(FILE *f, const struct stats_snapshot *s, size_t top);
void stats_print_prometheus(FILE *f, const struct stats_snapshot *s);
/* The same when s holds only some of the in_force rules (the served
 * exposition leaves out rules that never counted). */
void stats_print_prometheus_part(FILE *f, const struct stats_snapshot *s,
				 size_t in_force);

/* stats_print_prometheus() of every rule in force, the rules read from a
 * slot table of capacity entries a run at a time (run(ctx, s, &n):
 * entries [s, s + n), n >= 1, or NULL with errno set), each counted by
 * s's row of its slot, or zero without one (s: rows in slot order, e.g.
 * from stats_counted).  0 or -errno (a run that could not be read). */
typedef const struct xdpfw_rule *(*stats_run_fn)(void *ctx, uint32_t s,
						 uint32_t *n);
int stats_print_prometheus_runs(FILE *f, const struct stats_snapshot *s,
				stats_run_fn run, void *ctx, uint32_t capacity);

/* 1234567 -> "1.23M"; below 10000 the number itself.  For tables. */
void stats_human_count(uint64_t v, char *buf, size_t len);

/* Prometheus label value escaping (\\, \", \n). */
void stats_prom_escape(char *out, size_t len, const char *in);

#endif
