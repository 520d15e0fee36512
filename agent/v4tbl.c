// SPDX-License-Identifier: GPL-2.0-only
#include "v4tbl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "grow.h"
#include "prefault.h"

/* The slot part holds slot + 1 of any slot the configuration allows. */
_Static_assert(CONFIG_MAX_RULES_LIMIT < XDPFW_V4T_SLOT,
	       "xdpfw_v4_tbl's slot part holds every slot + 1");

enum v4tbl_kind v4tbl_kind(const struct xdpfw_rule *r)
{
	if (r->family != XDPFW_FAMILY_V4 || (r->flags & XDPFW_RULE_EXCEPT))
		return V4T_NONE;
	if (r->port) {
		if (r->prefixlen == 32)
			return V4T_EP;
		return r->prefixlen >= 16 ? V4T_PP : V4T_NONE;
	}
	if (r->prefixlen <= 24)
		return V4T_PAINT;
	return r->prefixlen == 32 ? V4T_HOSTS : V4T_LONG;
}

uint32_t v4tbl_flag(const struct xdpfw_rule *r)
{
	switch (v4tbl_kind(r)) {
	case V4T_HOSTS:
		return XDPFW_V4T_HOSTS;
	case V4T_LONG: /* the trie, unless a full build gives a block */
		return XDPFW_V4T_TRIE;
	case V4T_EP:
		return XDPFW_V4T_EP;
	case V4T_PP:
		return XDPFW_V4T_PP;
	default:
		return 0;
	}
}

uint32_t v4tbl_span(const struct xdpfw_rule *r, uint32_t *first)
{
	*first = v4tbl_addr(r) >> 8;
	return r->prefixlen >= 24 ? 1 : 1u << (24 - r->prefixlen);
}

uint32_t v4tbl_addr(const struct xdpfw_rule *r)
{
	return (uint32_t)r->addr[0] << 24 | (uint32_t)r->addr[1] << 16 |
	       (uint32_t)r->addr[2] << 8 | r->addr[3];
}

/* Its group: the chunk (a /8) of an entry of /8 or longer, V4TBL_CHUNKS
 * for a wider one; in it, by length. */
static uint32_t bucket_of(const struct xdpfw_rule *r)
{
	uint32_t c = r->prefixlen < 8 ? V4TBL_CHUNKS : r->addr[0];

	return c * 33 + r->prefixlen;
}

#define V4T_BUCKETS ((V4TBL_CHUNKS + 1) * 33)

static int long_cmp(const void *a, const void *b)
{
	const struct v4t_long *x = a, *y = b;

	if (x->addr >> 8 != y->addr >> 8)
		return x->addr >> 8 < y->addr >> 8 ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The /25-/31 address prefixes of rules [0, n) (at slots[i], or base + i
 * with slots NULL), appended to ix->lng, room for k. */
static void long_add(struct v4tbl_ix *ix, size_t k,
		     const struct xdpfw_rule *rules, const uint32_t *slots,
		     uint32_t base, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v4tbl_kind(&rules[i]) != V4T_LONG || ix->n_lng >= k)
			continue;
		ix->lng[ix->n_lng].addr = v4tbl_addr(&rules[i]);
		ix->lng[ix->n_lng].plen = rules[i].prefixlen;
		ix->lng[ix->n_lng++].s1 = (slots ? slots[i] : base + (uint32_t)i) + 1;
	}
}

/* Rules [0, n) counted into next (per bucket + 1) and *k (the /25-/31s);
 * the number that touch the table. */
static size_t count_rules(uint32_t *next, size_t *k,
			  const struct xdpfw_rule *rules, size_t n)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		enum v4tbl_kind kind = v4tbl_kind(&rules[i]);

		if (kind == V4T_NONE)
			continue;
		next[bucket_of(&rules[i]) + 1]++;
		*k += kind == V4T_LONG;
		m++;
	}
	return m;
}

/* Each entry of rules [0, n) straight to its place (room for m: a table
 * another process rewrote between the passes cannot overflow it).  The
 * entries placed. */
static size_t place_rules(struct v4tbl_ix *ix, uint32_t *next, size_t m,
			  const struct xdpfw_rule *rules, const uint32_t *slots,
			  uint32_t base, size_t n)
{
	size_t placed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct xdpfw_rule *r = &rules[i];
		enum v4tbl_kind k = v4tbl_kind(r);
		uint32_t b = bucket_of(r);
		struct v4t_ent *e;

		if (k == V4T_NONE || next[b] >= m)
			continue;
		e = &ix->ent[next[b]++];
		placed++;
		e->key = v4tbl_addr(r) >> 8 | (uint32_t)r->prefixlen << 24;
		e->val = k == V4T_PAINT ? (slots ? slots[i] : base + (uint32_t)i) + 1 :
					  v4tbl_flag(r);
	}
	return placed;
}

uint32_t v4tbl_block_in(const struct v4t_long *lng, size_t n, uint32_t idx,
			uint32_t base, uint32_t *out)
{
	size_t lo = 0, hi = n, k = 0;

	for (uint32_t i = 0; i < 256; i++)
		out[i] = base;
	while (lo < hi) { /* the first entry of /24 idx or after */
		size_t mid = lo + (hi - lo) / 2;

		if (lng[mid].addr >> 8 < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Shortest first: each address keeps the longest. */
	for (; lo < n && lng[lo].addr >> 8 == idx; lo++, k++) {
		const struct v4t_long *e = &lng[lo];
		uint32_t first = e->addr & 255, len = 1u << (32 - e->plen);

		for (uint32_t i = first; i < first + len && i < 256; i++)
			out[i] = e->s1;
	}
	return (uint32_t)k;
}

uint32_t v4tbl_l2_word(uint32_t b, const uint32_t *e)
{
	uint32_t lo = 0, hi = 0;

	for (uint32_t i = 0; i < 128; i++) {
		lo |= e[i];
		hi |= e[128 + i];
	}
	return XDPFW_V4T_L2 | b | (lo ? XDPFW_V4T_L2_LO : 0) |
	       (hi ? XDPFW_V4T_L2_HI : 0);
}

uint32_t v4tbl_block(const struct v4tbl_ix *ix, uint32_t idx, uint32_t base,
		     uint32_t *out)
{
	return v4tbl_block_in(ix->lng, ix->n_lng, idx, base, out);
}

struct v4t_long v4tbl_long_of(const struct xdpfw_rule *r, uint32_t slot)
{
	struct v4t_long e = { v4tbl_addr(r), r->prefixlen, slot + 1 };

	return e;
}

/* Is a before b (long_cmp), ignoring s1? */
static int long_before(const struct v4t_long *a, const struct v4t_long *b)
{
	return long_cmp(a, b) < 0;
}

static int long_same(const struct v4t_long *a, const struct v4t_long *b)
{
	return a->addr == b->addr && a->plen == b->plen;
}

int v4tbl_long_merge(struct v4t_long **lng, size_t *n, struct v4t_long *gone,
		     size_t n_gone, struct v4t_long *add, size_t n_add)
{
	struct v4t_long *v = *lng, *out;
	size_t k = 0, g = 0, a = 0, m = 0;

	if (n_gone)
		qsort(gone, n_gone, sizeof(*gone), long_cmp);
	if (n_add)
		qsort(add, n_add, sizeof(*add), long_cmp);
	/* The removed ones out, in place: each must be there. */
	for (size_t i = 0; i < *n; i++) {
		if (g < n_gone && long_before(&gone[g], &v[i]))
			return -EPROTO; /* gone[g] was not in the list */
		if (g < n_gone && long_same(&gone[g], &v[i])) {
			g++;
			continue;
		}
		v[k++] = v[i];
	}
	if (g < n_gone)
		return -EPROTO;
	out = malloc((k + n_add ? k + n_add : 1) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < k || a < n_add;) {
		if (a < n_add && (i >= k || long_before(&add[a], &v[i]))) {
			out[m++] = add[a++];
		} else {
			if (a < n_add && long_same(&add[a], &v[i])) {
				free(out);
				return -EPROTO; /* added twice */
			}
			out[m++] = v[i++];
		}
	}
	free(v);
	*lng = out;
	*n = m;
	return 0;
}

/* The arrays of a build counted (m entries, k of them /25-/31). */
static int ix_alloc(struct v4tbl_ix *ix, size_t m, size_t k)
{
	ix->ent = malloc((m ? m : 1) * sizeof(*ix->ent));
	ix->lng = malloc((k ? k : 1) * sizeof(*ix->lng));
	if (ix->ent) /* every entry is written, bucket by bucket */
		prefault(ix->ent, m * sizeof(*ix->ent));
	return ix->ent && ix->lng ? 0 : -ENOMEM;
}

/* Counted into next: the groups' starts. */
static void ix_starts(struct v4tbl_ix *ix, uint32_t *next)
{
	for (uint32_t b = 0; b < V4T_BUCKETS; b++)
		next[b + 1] += next[b];
	for (uint32_t c = 0; c <= V4TBL_CHUNKS + 1; c++)
		ix->start[c] = next[c * 33 < V4T_BUCKETS ? c * 33 : V4T_BUCKETS];
}

static void ix_done(struct v4tbl_ix *ix)
{
	if (ix->n_lng)
		qsort(ix->lng, ix->n_lng, sizeof(*ix->lng), long_cmp);
}

/* Two passes over the rules, in order: count per (group, length), then
 * each entry straight to its place. */
int v4tbl_ix_build(struct v4tbl_ix *ix, const struct xdpfw_rule *rules,
		   const uint32_t *slots, size_t n)
{
	uint32_t *next = calloc(V4T_BUCKETS + 1, sizeof(*next));
	size_t m, k = 0;

	memset(ix, 0, sizeof(*ix));
	if (!next)
		return -ENOMEM;
	m = count_rules(next, &k, rules, n);
	if (ix_alloc(ix, m, k)) {
		free(next);
		v4tbl_ix_free(ix);
		return -ENOMEM;
	}
	long_add(ix, k, rules, slots, 0, n);
	ix_done(ix);
	ix_starts(ix, next);
	place_rules(ix, next, m, rules, slots, 0, n);
	free(next);
	return 0;
}

/* One pass of a build over the slot table a run at a time: count into
 * *m, *k (placed NULL), or place (room for *m, *k; *placed counts). */
static int runs_pass(struct v4tbl_ix *ix, uint32_t *next, size_t *m,
		     size_t *k, size_t *placed, v4tbl_run_fn run, void *ctx,
		     uint32_t capacity)
{
	uint32_t rn;

	for (uint32_t s = 0; s < capacity; s += rn) {
		const struct xdpfw_rule *t = run(ctx, s, &rn);

		if (!t)
			return errno ? -errno : -EIO;
		if (rn > capacity - s)
			rn = capacity - s;
		if (placed) {
			long_add(ix, *k, t, NULL, s, rn);
			*placed += place_rules(ix, next, *m, t, NULL, s, rn);
		} else {
			*m += count_rules(next, k, t, rn);
		}
	}
	return 0;
}

int v4tbl_ix_build_runs(struct v4tbl_ix *ix, v4tbl_run_fn run, void *ctx,
			uint32_t capacity)
{
	uint32_t *next = calloc(V4T_BUCKETS + 1, sizeof(*next));
	size_t m = 0, k = 0, placed = 0;
	int err;

	memset(ix, 0, sizeof(*ix));
	if (!next)
		return -ENOMEM;
	err = runs_pass(ix, next, &m, &k, NULL, run, ctx, capacity);
	if (!err)
		err = ix_alloc(ix, m, k);
	if (!err) {
		ix_starts(ix, next);
		err = runs_pass(ix, next, &m, &k, &placed, run, ctx, capacity);
	}
	/* The table written between the passes (by another process: the
	 * daemon's loop does not): what does not add up is an error. */
	if (!err && (ix->n_lng != k || placed != m))
		err = -EAGAIN;
	free(next);
	if (err) {
		v4tbl_ix_free(ix);
		return err;
	}
	ix_done(ix);
	return 0;
}

void v4tbl_ix_free(struct v4tbl_ix *ix)
{
	free(ix->ent);
	free(ix->lng);
	memset(ix, 0, sizeof(*ix));
}

/* Paint entry e into chunk c's words (first /24 of the chunk: base). */
static void paint_one(const struct v4t_ent *e, uint32_t base, uint32_t *out)
{
	uint32_t first = e->key & 0xffffffu, plen = e->key >> 24;
	uint32_t n = plen >= 24 ? 1 : 1u << (24 - plen), lo, hi;

	/* A wide entry covers whole chunks; clip to this one. */
	lo = first > base ? first : base;
	hi = first + (n - 1) < base + (V4TBL_CHUNK - 1) ? first + (n - 1) :
							   base + (V4TBL_CHUNK - 1);
	if (lo > hi)
		return;
	if (e->val & XDPFW_V4T_FLAGS) {
		for (uint32_t i = lo; i <= hi; i++)
			out[i - base] |= e->val;
		return;
	}
	for (uint32_t i = lo; i <= hi; i++)
		out[i - base] = (out[i - base] & XDPFW_V4T_FLAGS) | e->val;
}

void v4tbl_paint(const struct v4tbl_ix *ix, uint32_t chunk, uint32_t *out)
{
	uint32_t base = chunk << V4TBL_CHUNK_BITS;

	memset(out, 0, V4TBL_CHUNK * sizeof(*out));
	/* Shortest first, so that each /24 keeps the longest: the wide
	 * entries (all shorter than the chunk's own) first. */
	for (uint32_t i = ix->start[V4TBL_CHUNKS]; i < ix->start[V4TBL_CHUNKS + 1];
	     i++)
		paint_one(&ix->ent[i], base, out);
	for (uint32_t i = ix->start[chunk]; i < ix->start[chunk + 1]; i++)
		paint_one(&ix->ent[i], base, out);
}

/* The /24s of addr/plen into out, best: the slot part of the longest
 * entry seen on the way down. */
static void fill(v4tbl_lookup_fn fn, const void *ctx, uint32_t addr,
		 uint8_t plen, uint32_t best, uint32_t *out)
{
	uint32_t s = fn(ctx, addr, plen);

	if (s == V4TBL_NONE_BELOW) {
		for (uint32_t i = 0; i < 1u << (24 - plen); i++)
			out[i] = best;
		return;
	}
	if (s != UINT32_MAX)
		best = s + 1;
	if (plen == 24) {
		*out = best;
		return;
	}
	fill(fn, ctx, addr, plen + 1, best, out);
	fill(fn, ctx, addr | 1u << (31 - plen), plen + 1, best,
	     out + (1u << (23 - plen)));
}

void v4tbl_range(v4tbl_lookup_fn fn, const void *ctx, uint32_t addr,
		 uint8_t plen, uint32_t *out)
{
	uint32_t best = 0;

	/* What covers the prefix from outside: the longest shorter entry. */
	for (int l = plen - 1; l >= 0 && !best; l--) {
		uint32_t a = l ? addr & ~(UINT32_MAX >> l) : 0;
		uint32_t s = fn(ctx, a, (uint8_t)l);

		if (s < V4TBL_NONE_BELOW)
			best = s + 1;
	}
	fill(fn, ctx, addr, plen, best, out);
}

int v4tbl_change_push(struct v4tbl_change *c, uint32_t idx, uint32_t val)
{
	struct v4t_op *v = grow(c->ops, &c->cap, c->n + 1, sizeof(*v), 256);

	if (!v)
		return -ENOMEM;
	c->ops = v;
	c->ops[c->n].idx = idx;
	c->ops[c->n++].val = val;
	return 0;
}

void v4tbl_change_free(struct v4tbl_change *c)
{
	if (c->early)
		v4tbl_change_free(c->early);
	free(c->early);
	free(c->ops);
	memset(c, 0, sizeof(*c));
}

int v4tbl_change_range(struct v4tbl_change *c, v4tbl_lookup_fn fn,
		       const void *ctx, uint32_t addr, uint8_t plen)
{
	uint32_t n = 1u << (24 - plen), first = addr >> 8;
	uint32_t *vals = malloc(n * sizeof(*vals));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	v4tbl_range(fn, ctx, addr, plen, vals);
	for (uint32_t i = 0; i < n && !err; i++)
		err = v4tbl_change_push(c, first + i, vals[i]);
	free(vals);
	return err;
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct v4t_prefix *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->plen - (int)y->plen;
}

size_t v4tbl_ranges_reduce(struct v4t_prefix *v, size_t n, uint64_t *words)
{
	size_t k = 0;
	uint64_t end = 0; /* one past the last /24 kept */

	*words = 0;
	if (n)
		qsort(v, n, sizeof(*v), prefix_cmp);
	for (size_t i = 0; i < n; i++) {
		uint64_t first = v[i].addr >> 8;

		/* Prefixes nest or are apart: inside the last one kept, or
		 * past its end. */
		if (k && first < end)
			continue;
		end = first + (1ull << (24 - v[i].plen));
		*words += 1ull << (24 - v[i].plen);
		v[k++] = v[i];
	}
	return k;
}
