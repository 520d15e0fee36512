// SPDX-License-Identifier: GPL-2.0-only
/*
 * The open addressing tables' upserts and deletes, made in the kernel
 * (shared/xdpfw_kwrite.h): a BPF_PROG_TYPE_SYSCALL program the daemon runs
 * with BPF_PROG_TEST_RUN on a list of records in its one map value (mapped
 * by the daemon).  The logic and the store order are kmaps_oa.c's
 * (oa_find, oa_upsert, oa_delete, oa_reclaim), entry by entry through map
 * value pointers: an insert stores the key, then the state; a delete the
 * tombstone, then a zero key; a slot change the state alone.  Plain
 * stores, in program order: the daemon uses this only where stores are
 * seen in that order (x86-64).  The five tables are the daemon's (their
 * descriptors reused at load).  Two more programs: the slot table's
 * entries and counters (stores only), and the /24 table's words (each
 * read, changed, written, its old value returned).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xdpfw_shared.h"
#include "xdpfw_kwrite.h"
#include "maps.bpf.h"

XDPFW_OA_TABLES();

XDPFW_MMAP_ARRAY(XDPFW_MAP_RULES, struct xdpfw_rule);
XDPFW_MMAP_ARRAY(XDPFW_MAP_RSTATS, struct xdpfw_counter);
XDPFW_V4_TBL_MAP(XDPFW_MAP_V4_TBL);

/* The lists, one value each, mapped by the daemon: it writes a run's
 * records there and reads the outcomes back, no copy through bpf(). */
XDPFW_MMAP_ARRAY_N(xdpfw_kw_stage, struct xdpfw_kw_stage, 1);
XDPFW_MMAP_ARRAY_N(xdpfw_kw_puts, struct xdpfw_kw_puts, 1);
XDPFW_MMAP_ARRAY_N(xdpfw_kw_v4t, struct xdpfw_kw_v4t, 1);

/* Entry idx of a table as words: the key's kw words, then the state. */
static __always_inline __u32 *ent(void *map, __u32 idx)
{
	return bpf_map_lookup_elem(map, &idx);
}

static __always_inline __u32 load_state(__u32 *e, __u32 kw)
{
	return e ? *(volatile __u32 *)&e[kw] : 0;
}

static __always_inline void store_state(__u32 *e, __u32 kw, __u32 st)
{
	if (e)
		*(volatile __u32 *)&e[kw] = st;
}

/* The key's words: an IPv4 key as one 8-byte store, as kmaps_oa.c. */
static __always_inline void store_key(__u32 *e, __u32 kw, const __u32 *key)
{
	if (!e)
		return;
	if (kw == 2) {
		*(volatile __u64 *)e = (__u64)key[1] << 32 | key[0];
		return;
	}
#pragma unroll
	for (int w = 0; w < 5; w++)
		*(volatile __u32 *)&e[w] = key[w];
}

static __always_inline int key_eq(const __u32 *e, __u32 kw, const __u32 *key)
{
	int eq = 1;

#pragma unroll
	for (int w = 0; w < 5; w++)
		if (w < (int)kw && e[w] != key[w])
			eq = 0;
	return eq;
}

/* oa_find: the key's entry or -1; *free_at the first deleted or empty
 * entry of its probe window, or -1. */
static __always_inline long find(void *map, __u32 mask, __u32 kw,
				 const struct xdpfw_kw_rec *r, long *free_at)
{
	*free_at = -1;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < XDPFW_OA_PROBES; i++) {
		__u32 idx = (r->home + i) & mask;
		__u32 *e = ent(map, idx);
		__u32 st = XDPFW_OA_STATE(load_state(e, kw));

		if (st == XDPFW_OA_TOMB || !st) {
			if (*free_at < 0)
				*free_at = idx;
			if (!st)
				return -1;
		} else if (e && key_eq(e, kw, r->key)) {
			return idx;
		}
	}
	return -1;
}

static __always_inline int upsert(void *map, __u32 mask, __u32 kw,
				  const struct xdpfw_kw_rec *r)
{
	long free_at, at = find(map, mask, kw, r, &free_at);
	__u32 *e, *h;

	if (at >= 0) {
		e = ent(map, (__u32)at);
		store_state(e, kw,
			    (load_state(e, kw) & XDPFW_OA_OVF) | r->slot1);
		return 1;
	}
	h = ent(map, r->home & mask);
	if (load_state(h, kw) & XDPFW_OA_OVF)
		return 0;
	if (free_at >= 0) {
		e = ent(map, (__u32)free_at);
		store_key(e, kw, r->key);
		store_state(e, kw,
			    (load_state(e, kw) & XDPFW_OA_OVF) | r->slot1);
		return 1;
	}
	store_state(h, kw, load_state(h, kw) | XDPFW_OA_OVF);
	return 0;
}

/* oa_reclaim: entries idx, idx - 1, ... deleted and followed by an empty
 * one go back to empty (XDPFW_OA_RECLAIM_MAX of them at most). */
static __always_inline void reclaim(void *map, __u32 mask, __u32 kw,
				    __u32 idx)
{
	if (XDPFW_OA_STATE(load_state(ent(map, (idx + 1) & mask), kw)))
		return;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i <= mask && i < XDPFW_OA_RECLAIM_MAX; i++) {
		__u32 *e = ent(map, (idx - i) & mask);
		__u32 st = load_state(e, kw);

		if (XDPFW_OA_STATE(st) != XDPFW_OA_TOMB)
			return;
		store_state(e, kw, st & XDPFW_OA_OVF);
	}
}

static __always_inline int delete(void *map, __u32 mask, __u32 kw,
				  const struct xdpfw_kw_rec *r)
{
	static const __u32 zero[5];
	long free_at, at = find(map, mask, kw, r, &free_at);
	__u32 *e;

	if (at < 0)
		return 0;
	e = ent(map, (__u32)at);
	store_state(e, kw, (load_state(e, kw) & XDPFW_OA_OVF) | XDPFW_OA_TOMB);
	store_key(e, kw, zero);
	reclaim(map, mask, kw, (__u32)at);
	return 1;
}

static __always_inline int one(void *map, __u32 mask, __u32 kw,
			       const struct xdpfw_kw_rec *r)
{
	return r->del ? delete(map, mask, kw, r) : upsert(map, mask, kw, r);
}

/* bpf_loop's context, on the stack (the helper takes no map value): the
 * list, and whether a step stopped the loop (bpf_loop counts the step that
 * stops it, so a stop at the last one would pass for a whole run). */
struct loop_ctx {
	void *list;
	int stopped;
};

static long stop(void *ctx)
{
	((struct loop_ctx *)ctx)->stopped = 1;
	return 1;
}

/* bpf_loop of fn over the n entries of list, the one value of a list
 * map: 0 when every step ran and none stopped. */
static __always_inline int run_list(void *list, __u32 n,
				    long (*fn)(__u64, void *))
{
	struct loop_ctx lc = { list, 0 };

	if (n > XDPFW_KW_MAX)
		return -1;
	return bpf_loop(n, fn, &lc, 0) == (long)n && !lc.stopped ? 0 : -1;
}

static __always_inline void *stage_of(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

static long step(__u64 i, void *ctx)
{
	struct xdpfw_kw_stage *st = ((struct loop_ctx *)ctx)->list;
	const struct xdpfw_kw_rec *r;
	int done;

	if (i >= XDPFW_KW_MAX)
		return stop(ctx);
	r = &st->rec[i];
	switch (r->table) {
	case 0:
		done = one(&XDPFW_MAP_V4_OA, st->mask[0], 2, r);
		break;
	case 1:
		done = one(&XDPFW_MAP_V4P_OA, st->mask[1], 2, r);
		break;
	case 2:
		done = one(&XDPFW_MAP_V6_OA, st->mask[2], 5, r);
		break;
	case 3:
		done = one(&XDPFW_MAP_V6P_OA, st->mask[3], 5, r);
		break;
	case 4:
		done = one(&XDPFW_MAP_V6C_OA, st->mask[4], 5, r);
		break;
	default:
		return stop(ctx);
	}
	st->done[i] = (__u8)done;
	return 0;
}

SEC("syscall")
int xdpfw_kwrite(void *ctx)
{
	struct xdpfw_kw_stage *st = stage_of(&xdpfw_kw_stage);

	return st ? run_list(st, st->n, step) : -1;
}

/* The puts: an entry of the slot table whole, or a counter zeroed. */
static long put_one(__u64 i, void *ctx)
{
	struct xdpfw_kw_puts *p = ((struct loop_ctx *)ctx)->list;
	const struct xdpfw_kw_put *r;
	__u32 idx;

	if (i >= XDPFW_KW_MAX)
		return stop(ctx);
	r = &p->put[i];
	idx = r->index;
	if (r->table == XDPFW_KW_RULES) {
		__u32 *e = bpf_map_lookup_elem(&XDPFW_MAP_RULES, &idx);

		if (!e)
			return stop(ctx);
#pragma unroll
		for (int w = 0; w < 6; w++)
			e[w] = r->w[w];
	} else if (r->table == XDPFW_KW_RSTATS) {
		struct xdpfw_counter *c =
			bpf_map_lookup_elem(&XDPFW_MAP_RSTATS, &idx);

		if (!c)
			return stop(ctx);
		c->packets = 0;
		c->bytes = 0;
	} else {
		return stop(ctx);
	}
	return 0;
}

SEC("syscall")
int xdpfw_kwrite_puts(void *ctx)
{
	struct xdpfw_kw_puts *p = stage_of(&xdpfw_kw_puts);

	return p ? run_list(p, p->n, put_one) : -1;
}

/* One word of the /24 table: widened or narrowed, its old value kept. */
static long v4t_one(__u64 i, void *ctx)
{
	struct xdpfw_kw_v4t *t = ((struct loop_ctx *)ctx)->list;
	struct xdpfw_kw_v4t_op *op;
	struct xdpfw_v4t_pair *p;
	__u32 key, old;

	if (i >= XDPFW_KW_MAX)
		return stop(ctx);
	op = &t->op[i];
	key = op->idx >> 1;
	p = bpf_map_lookup_elem(&XDPFW_MAP_V4_TBL, &key);
	if (!p)
		return stop(ctx);
	old = p->w[op->idx & 1];
	op->old = old;
	*(volatile __u32 *)&p->w[op->idx & 1] =
		t->widen ? xdpfw_v4t_widen(old, op->val) :
			   (old & op->keep) | op->val;
	return 0;
}

SEC("syscall")
int xdpfw_kwrite_v4t(void *ctx)
{
	struct xdpfw_kw_v4t *t = stage_of(&xdpfw_kw_v4t);

	return t ? run_list(t, t->n, v4t_one) : -1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
