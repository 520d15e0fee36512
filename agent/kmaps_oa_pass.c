// SPDX-License-Identifier: GPL-2.0-only
/*
 * A write of one exact-key table's upserts and deletes in one pass
 * (kmaps_oa_write_pair): their order, window by window of their homes, a
 * table's upserts before its deletes; each made through kmaps_oa.c's
 * windows, or listed for the kernel writer (kwrite.h) in that order.  The
 * keys not made in the table are left for the overflow trie.
 */
#include "kmaps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmaps_int.h"
#include "kmaps_oa_int.h"
#include "kwrite.h"
#include "log.h"

_Static_assert(OA_N == XDPFW_KW_TABLES, "the kernel writer's tables");

struct kwrite *kmaps_kwrite(struct kmaps *km)
{
	struct kwrite_maps maps = { .rules = km->fd[XMAP_RULES],
				    .rstats = km->fd[XMAP_RSTATS],
				    .v4tbl = km->fd[XMAP_V4_TBL] };
	int err;

	if (km->kw || km->kw_off || !km->writable)
		return km->kw;
	km->kw_off = 1;
	for (int t = 0; t < OA_N; t++) {
		maps.oa[t] = km->fd[XMAP_OA + t];
		maps.mask[t] = km->oa_mask[t];
		if (maps.oa[t] < 0)
			return NULL;
	}
	if (maps.rules < 0 || maps.rstats < 0 || maps.v4tbl < 0)
		return NULL;
	km->kw = kwrite_open(&maps, &err);
	if (!km->kw) {
		log_info("the exact-key tables, slots, counters and /24 "
			 "table are written through mmap and bpf(): the "
			 "kernel writer did not load (%s)", strerror(-err));
		return NULL;
	}
	log_debug("the exact-key tables, slots, counters and /24 table are "
		  "written by the kernel writer (kwrite.bpf.c)");
	km->kw_off = 0;
	return km->kw;
}

/* One upsert or delete, *done its outcome: made here through the
 * windows, or listed for the kernel writer (km->oa_kw; *done set when it
 * runs, kwrite.h). */
static void oa_do(struct kmaps *km, int t, const struct kop *op, int del,
		  uint8_t *done)
{
	struct oa_packed p;
	int err;

	if (!km->oa_kw) {
		*done = (uint8_t)(del ? kmaps_oa_delete(km, t, op) :
					kmaps_oa_upsert(km, t, op));
		return;
	}
	*done = 0;
	if (km->oa_err || !kmaps_oa_takes(t, &op->key))
		return; /* (after a failed run, no more runs: the error stands) */
	kmaps_oa_pack(t, &op->key, &p);
	err = kwrite_add(km->oa_kw, t, del, p.hash & km->oa_mask[t],
			 del ? 0 : op->slot + 1, p.b, kmaps_oa_klen(t), done);
	if (err && !km->oa_err) {
		log_error_errno(err, "the kernel writer of %s failed",
				xmap_name[XMAP_OA + t]);
		km->oa_err = err;
	}
}

/* The order in which to write ops: window by window of their homes, so
 * that each window is mapped once; NULL when out of memory.  *home: each
 * op's home entry. */
static uint32_t *write_order(struct kmaps *km, int t, const struct kop *ops,
			     size_t n, uint32_t **bucket, uint32_t **home)
{
	size_t nw = kmaps_oa_table_len(km, t) / KMAPS_OA_WINDOW + 1;
	size_t *start = calloc(nw + 1, sizeof(*start));
	uint32_t *win = malloc((n ? n : 1) * sizeof(*win));
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));

	*home = malloc((n ? n : 1) * sizeof(**home));
	if (!start || !win || !order || !*home) {
		free(order);
		order = NULL;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct oa_packed p;

		kmaps_oa_pack(t, &ops[i].key, &p);
		(*home)[i] = p.hash & km->oa_mask[t];
		win[i] = (uint32_t)((size_t)(*home)[i] *
				    kmaps_oa_esize((enum oa)t) /
				    KMAPS_OA_WINDOW);
		start[win[i] + 1]++;
	}
	for (size_t w = 0; w < nw; w++)
		start[w + 1] += start[w];
	for (size_t i = 0; i < n; i++)
		order[start[win[i]]++] = (uint32_t)i;
out:
	free(start);
	if (bucket && order)
		*bucket = win;
	else
		free(win);
	return order;
}

/* One side of kmaps_oa_write_pair: ops, their order by bucket, each
 * one's bucket and whether it was done in the table. */
struct pair_ops {
	struct kop *ops;
	size_t n;
	uint32_t *order, *bucket, *home;
	uint8_t *done;
};

/* Upserts looked ahead: the home entry of the one this many later is
 * loaded while this one is written (its window is the one mapped). */
#define OA_AHEAD 8

static void prefetch_home(const struct kmaps *km, int t, uint32_t home)
{
	size_t b = (size_t)home * kmaps_oa_esize((enum oa)t);

	if (km->oa_win[t] && b >= km->oa_win_off[t] &&
	    b + kmaps_oa_esize((enum oa)t) <= km->oa_win_off[t] + km->oa_win_len[t])
		__builtin_prefetch(km->oa_win[t] + (b - km->oa_win_off[t]), 1);
}

static uint32_t home_of(struct kmaps *km, int t, const struct kop *op);
static int near_edge(int t, uint32_t home);

/* The delete at d->order[k], in pass 0 (its bucket's turn: unless near
 * an edge), 1 (after the next bucket's upserts: near the bucket's end
 * only) or 2 (after every upsert: near the table's start). */
static void pair_delete(struct kmaps *km, int t, struct pair_ops *d, size_t k,
			int pass)
{
	uint32_t i = d->order[k], home = home_of(km, t, &d->ops[i]);
	int edge = near_edge(t, home), wrap = home < XDPFW_OA_PROBES;

	if (pass != (wrap ? 2 : edge ? 1 : 0))
		return;
	oa_do(km, t, &d->ops[i], 1, &d->done[i]);
}

/* A delete whose home lies within a probe window of its bucket's end
 * (or of the table's start, for the probes that wrap) could free an entry
 * that a later bucket's upsert probes: it waits for those upserts (within
 * one apply a freed entry is not reused: docs/TABLES.md). */
static int near_edge(int t, uint32_t home)
{
	uint32_t per = (uint32_t)(KMAPS_OA_WINDOW / kmaps_oa_esize((enum oa)t));

	return home < XDPFW_OA_PROBES || home % per + XDPFW_OA_PROBES > per;
}

static uint32_t home_of(struct kmaps *km, int t, const struct kop *op)
{
	struct oa_packed p;

	kmaps_oa_pack(t, &op->key, &p);
	return p.hash & km->oa_mask[t];
}

/* One pass over the buckets (windows) of table t: a bucket's upserts, then
 * the deletes left from the bucket before, then its own deletes; those
 * near an edge (near_edge) after the next bucket's upserts, or at the end
 * (the table's start).  done[] per op: 1 done in the table. */
static void pair_pass(struct kmaps *km, int t, struct pair_ops *u,
		      struct pair_ops *d)
{
	size_t j = 0, k = 0, pend = 0, pend_end = 0;

	while (j < u->n || k < d->n) {
		uint32_t w = j < u->n ? u->bucket[u->order[j]] : UINT32_MAX;

		if (k < d->n && d->bucket[d->order[k]] < w)
			w = d->bucket[d->order[k]];
		for (; j < u->n && u->bucket[u->order[j]] == w; j++) {
			if (j + OA_AHEAD < u->n)
				prefetch_home(km, t,
					      u->home[u->order[j + OA_AHEAD]]);
			oa_do(km, t, &u->ops[u->order[j]], 0,
			      &u->done[u->order[j]]);
		}
		for (; pend < pend_end; pend++)
			pair_delete(km, t, d, pend, 1);
		pend = k;
		for (; k < d->n && d->bucket[d->order[k]] == w; k++)
			pair_delete(km, t, d, k, 0);
		pend_end = k;
	}
	for (; pend < pend_end; pend++)
		pair_delete(km, t, d, pend, 1);
	for (k = 0; k < d->n; k++)
		pair_delete(km, t, d, k, 2);
}

static int pair_alloc(struct kmaps *km, int t, struct pair_ops *x)
{
	x->order = write_order(km, t, x->ops, x->n, &x->bucket, &x->home);
	x->done = calloc(x->n ? x->n : 1, 1);
	return x->order && x->done ? 0 : -ENOMEM;
}

static void pair_free(struct pair_ops *x)
{
	free(x->order);
	free(x->bucket);
	free(x->home);
	free(x->done);
}

/* The ops of x not done in the table, moved to its front; their count. */
static size_t pair_rest(struct pair_ops *x, size_t *count)
{
	size_t rest = 0;

	for (size_t i = 0; i < x->n; i++) {
		*count += x->done[i];
		if (!x->done[i])
			x->ops[rest++] = x->ops[i];
	}
	return rest;
}

int kmaps_oa_write_pair(struct kmaps *km, enum kmap m, struct kop *ups,
			size_t nu, struct kop *dels, size_t nd, size_t *rest_u,
			size_t *rest_d, size_t *count)
{
	int t = kmaps_oa_of(m), err;
	struct pair_ops u = { .ops = ups, .n = nu }, d = { .ops = dels, .n = nd };

	*rest_u = *rest_d = 0;
	err = pair_alloc(km, t, &u);
	if (!err)
		err = pair_alloc(km, t, &d);
	if (err)
		goto out;
	km->oa_err = 0;
	/* Keys are made by the kernel writer (no window mapped: a 1 % churn
	 * at 1M mapped all 70k pages of the five tables); more than
	 * KMAPS_KW_MAX_KEYS at once through bulk windows; a few where the
	 * writer is not loaded yet (the CLI) through windows, not a 40 ms
	 * load. */
	km->oa_kw = nu + nd <= KMAPS_KW_MAX_KEYS &&
				    (km->kw || nu + nd >= KMAPS_KW_LOAD_MIN) ?
			    kmaps_kwrite(km) :
			    NULL;
	/* Many keys: larger windows, each mapped once (a first load's 540k
	 * IPv4 hosts mapped 2,400 windows of 192 KB, 85 ms), and unmapped
	 * after (mapped, they count in the RSS). */
	km->oa_bulk = !km->oa_kw && nu + nd >= kmaps_oa_bulk_min(km, t);
	if (km->oa_bulk)
		kmaps_oa_unmap_window(km, t);
	pair_pass(km, t, &u, &d);
	if (km->oa_kw) {
		err = kwrite_flush(km->oa_kw);
		if (err && !km->oa_err) {
			log_error_errno(err, "the kernel writer of %s failed",
					xmap_name[XMAP_OA + t]);
			km->oa_err = err;
		}
		km->oa_kw = NULL;
	}
	if (km->oa_bulk)
		kmaps_oa_unmap_window(km, t);
	km->oa_bulk = 0;
	err = km->oa_err;
	if (!err && nd)
		err = kmaps_ovf_purge(km, m, dels, d.done, nd);
	*rest_u = pair_rest(&u, count);
	*rest_d = pair_rest(&d, count);
out:
	pair_free(&u);
	pair_free(&d);
	return err;
}

int kmaps_oa_write(struct kmaps *km, enum kmap m, struct kop *ops, size_t n,
		   int del, size_t *rest, size_t *count)
{
	size_t none;

	return del ? kmaps_oa_write_pair(km, m, NULL, 0, ops, n, &none, rest,
					 count) :
		     kmaps_oa_write_pair(km, m, ops, n, NULL, 0, rest, &none,
					 count);
}
