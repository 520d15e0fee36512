// SPDX-License-Identifier: GPL-2.0-only
#include "sync_v4tbl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ruleidx.h"

/* Slot in the new set of the address-only IPv4 entry addr/plen. */
struct v4_lookup {
	const struct xdpfw_rule *rules;
	const struct ruleidx *ix;
	const uint32_t *slots;
	uint32_t lens; /* bit l: the set has such a prefix of length l */
	uint64_t *deep; /* bit of each /24 a prefix of /17../24 covers */
};

/* The bloom filter of the IPv4 prefixes of /24 or shorter (a bit per
 * hash of prefix and length, V4_BLOOM_BITS of them): kept after the
 * /24 bits in km->v4t_deep's allocation.  A walk asks the index only
 * where its bit is set: a changed /24 asked up to 9 lengths (about 2k
 * changed prefixes and 20k index probes per 1 % churn, each a cache
 * miss: ~10 ms); at 1M entries about 4 % of the bits are set. */
#define V4_BLOOM_BITS (1u << 21)
#define V4_DEEP_WORDS (XDPFW_V4_TBL_ENTRIES / 64)

static uint32_t v4_bloom_bit(uint32_t addr, uint8_t plen)
{
	uint64_t k = (uint64_t)(plen ? addr & ~(UINT32_MAX >> plen) : 0) << 8 |
		     plen;

	return (uint32_t)((k * 0x9E3779B97F4A7C15ULL) >> 43);
}

static int v4_bloom_has(const uint64_t *deep, uint32_t addr, uint8_t plen)
{
	uint32_t b = v4_bloom_bit(addr, plen);

	return (int)(deep[V4_DEEP_WORDS + b / 64] >> (b % 64) & 1);
}

/* Rule r in the index of lengths, /17../24 coverage and the bloom. */
static void v4_lookup_mark(uint64_t *deep, uint32_t *lens,
			   const struct xdpfw_rule *r)
{
	uint32_t first, span, b;

	if (v4tbl_kind(r) != V4T_PAINT)
		return;
	*lens |= 1u << r->prefixlen;
	b = v4_bloom_bit(v4tbl_addr(r), r->prefixlen);
	deep[V4_DEEP_WORDS + b / 64] |= 1ull << (b % 64);
	if (r->prefixlen < 17)
		return;
	span = v4tbl_span(r, &first);
	for (uint32_t j = first; j < first + span; j++)
		deep[j / 64] |= 1ull << (j % 64);
}

/* km's index of the set's IPv4 prefixes (kmaps.h, v4t_deep), kept
 * between reloads: the added rules marked in (every reload, so that it
 * stays a superset), or one pass over the set when there is none yet. */
static int v4_lookup_update(struct kmaps *km, const struct xdpfw_rule *rules,
			    size_t n, const struct plan *p, int need)
{
	if (km->v4t_deep) {
		for (size_t i = 0; i < p->n_added; i++)
			v4_lookup_mark(km->v4t_deep, &km->v4t_lens,
				       &rules[p->added[i]]);
		return 0;
	}
	if (!need)
		return 0;
	km->v4t_deep = calloc(V4_DEEP_WORDS + V4_BLOOM_BITS / 64,
			      sizeof(uint64_t));
	if (!km->v4t_deep)
		return -ENOMEM;
	km->v4t_lens = 0;
	for (size_t i = 0; i < n; i++)
		v4_lookup_mark(km->v4t_deep, &km->v4t_lens, &rules[i]);
	return 0;
}

/* Does a prefix of /17../24 cover a /24 of [first, first + n)? */
static int v4_deep(const struct v4_lookup *l, uint32_t first, uint32_t n)
{
	for (uint32_t j = first; j < first + n; j++) {
		if (!(j % 64) && j + 64 <= first + n) {
			if (l->deep[j / 64])
				return 1;
			j += 63;
		} else if (l->deep[j / 64] & 1ull << (j % 64)) {
			return 1;
		}
	}
	return 0;
}

static uint32_t v4_lookup(const void *ctx, uint32_t addr, uint8_t plen)
{
	const struct v4_lookup *l = ctx;
	struct xdpfw_rule r = { .family = XDPFW_FAMILY_V4, .prefixlen = plen };
	uint32_t pos;

	if (plen >= 17 && !v4_deep(l, addr >> 8, 1u << (24 - plen)))
		return V4TBL_NONE_BELOW;
	if (!(l->lens & 1u << plen) || !v4_bloom_has(l->deep, addr, plen))
		return UINT32_MAX;
	r.addr[0] = (uint8_t)(addr >> 24);
	r.addr[1] = (uint8_t)(addr >> 16);
	r.addr[2] = (uint8_t)(addr >> 8);
	r.addr[3] = (uint8_t)addr;
	pos = ruleidx_find(l->ix, l->rules, &r);
	return pos == RULEIDX_NONE ? UINT32_MAX : l->slots[pos];
}

/* A key of the IPv4 prefix trie (written: its range changes) into v: one
 * of /24 or shorter, or the /24 of a /25-/31. */
static int push_lpm_keys(const struct kop_list *l, struct v4t_prefix **v,
			 size_t *n, size_t *cap)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct kkey *k = &l->v[i].key;
		struct xdpfw_rule r = { .family = XDPFW_FAMILY_V4 };

		if (k->map != KMAP_V4_LPM || k->v4_lpm.prefixlen > 31)
			continue;
		if (*n == *cap) {
			struct v4t_prefix *t;

			*cap = *cap ? *cap * 2 : 64;
			t = realloc(*v, *cap * sizeof(**v));
			if (!t)
				return -ENOMEM;
			*v = t;
		}
		memcpy(r.addr, &k->v4_lpm.addr, 4);
		(*v)[*n].addr = v4tbl_addr(&r);
		(*v)[(*n)++].plen = k->v4_lpm.prefixlen;
		if (k->v4_lpm.prefixlen > 24) { /* a /25-/31: its /24 */
			(*v)[*n - 1].addr &= ~255u;
			(*v)[*n - 1].plen = 24;
		}
	}
	return 0;
}

/* The changed prefixes of an incremental reload: the added and removed
 * entries of /24 or shorter, the /24 of each added or removed /25-/31,
 * and any trie key of /24 or shorter written (re-owned). */
static int changed_prefixes(const struct xdpfw_rule *rules,
			    const struct plan *p, struct v4t_prefix **out,
			    size_t *n)
{
	size_t cap = p->n_added + p->n_removed + 1;
	struct v4t_prefix *v = malloc(cap * sizeof(*v));

	*n = 0;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_added + p->n_removed; i++) {
		const struct xdpfw_rule *r =
			i < p->n_added ? &rules[p->added[i]] :
					 &p->removed_rules[i - p->n_added];

		if (v4tbl_kind(r) == V4T_LONG) {
			/* Its /24 rewritten: a block there gives way to
			 * the trie (kmaps_v4tbl.c). */
			v[*n].addr = v4tbl_addr(r) & ~255u;
			v[(*n)++].plen = 24;
			continue;
		}
		if (v4tbl_kind(r) != V4T_PAINT)
			continue;
		v[*n].addr = v4tbl_addr(r);
		v[(*n)++].plen = r->prefixlen;
	}
	*out = v;
	if (push_lpm_keys(&p->upserts, out, n, &cap) ||
	    push_lpm_keys(&p->deletes, out, n, &cap))
		return -ENOMEM;
	return 0;
}

/* km's list of the set's /25-/31 (kept for the blocks of incremental
 * reloads) after the change: the removed ones out, the added ones in.
 * If it cannot be merged, blocks wait for the next full build (slower,
 * not wrong). */
static void merge_long(struct kmaps *km, const struct xdpfw_rule *rules,
		       const struct plan *p)
{
	struct v4t_long *gone, *add;
	size_t ng = 0, na = 0;
	int err = -ENOMEM;

	if (!km->v4t_lng)
		return;
	gone = malloc((p->n_removed + 1) * sizeof(*gone));
	add = malloc((p->n_added + 1) * sizeof(*add));
	if (gone && add) {
		for (size_t i = 0; i < p->n_removed; i++) {
			const struct xdpfw_rule *r = &p->removed_rules[i];

			if (v4tbl_kind(r) == V4T_LONG)
				gone[ng++] = v4tbl_long_of(r, p->removed[i]);
		}
		for (size_t i = 0; i < p->n_added; i++) {
			const struct xdpfw_rule *r = &rules[p->added[i]];

			if (v4tbl_kind(r) == V4T_LONG)
				add[na++] = v4tbl_long_of(r, p->slots[p->added[i]]);
		}
		err = ng || na ? v4tbl_long_merge(&km->v4t_lng, &km->n_v4t_lng,
						  gone, ng, add, na) :
				 0;
	}
	if (err) {
		log_warn("the IPv4 /24 table's list of /25-/31 prefixes: %s; "
			 "blocks wait for the next full build",
			 err == -EPROTO ? "does not match the rules in force" :
					  strerror(-err));
		kmaps_v4tbl_forget(km);
	}
	free(gone);
	free(add);
}

void sync_v4tbl_reset(struct kmaps *km)
{
	km->v4t_trie_words = 0;
	/* rebuilt when next needed: the bits of removed rules go */
	free(km->v4t_deep);
	km->v4t_deep = NULL;
}

int sync_v4tbl_prepare(struct kmaps *km, const struct xdpfw_rule *rules,
		       size_t n)
{
	return km->v4t_deep ? 0 : v4_lookup_update(km, rules, n, NULL, 1);
}

int sync_v4tbl_build_full(struct v4tbl_change *c, struct v4tbl_ix *vix,
			  const struct xdpfw_rule *rules, size_t n,
			  const struct plan *p)
{
	int err = v4tbl_ix_build(vix, rules, p->slots, n);

	c->full = err ? NULL : vix;
	return err;
}

/* Past this many /24s to recompute, a full build is cheaper. */
#define V4TBL_INCREMENTAL_MAX (1u << 20)

int sync_v4tbl_build(struct kmaps *km, struct v4tbl_change *c,
		     struct v4tbl_ix *vix, const struct xdpfw_rule *rules,
		     size_t n, const struct ruleidx *ix, const struct plan *p)
{
	struct v4_lookup l = { rules, ix, p->slots, 0, NULL };
	struct v4t_prefix *v = NULL;
	size_t nv = 0;
	uint64_t words = 0;
	int err = 0, full = 0;

	if (km->v4t_trie_words >= (km->v4t_trie_max ? km->v4t_trie_max :
						      KMAPS_V4T_TRIE_MAX)) {
		log_info("the IPv4 /24 table built in full: %u /24s were sent "
			 "to the trie by reloads since the last full build",
			 km->v4t_trie_words);
		full = 1;
	}
	if (!full) {
		err = changed_prefixes(rules, p, &v, &nv);
		if (!err)
			nv = v4tbl_ranges_reduce(v, nv, &words);
		full = !err && words > V4TBL_INCREMENTAL_MAX;
	}
	if (!err && full) {
		free(v);
		sync_v4tbl_reset(km);
		return sync_v4tbl_build_full(c, vix, rules, n, p);
	}
	merge_long(km, rules, p);
	/* The walks look up no length the set does not have, and do not
	 * descend where no /17../24 lies. */
	if (!err)
		err = v4_lookup_update(km, rules, n, p, nv > 0);
	l.deep = km->v4t_deep;
	l.lens = km->v4t_lens;
	for (size_t i = 0; i < nv && !err; i++)
		err = v4tbl_change_range(c, v4_lookup, &l, v[i].addr,
					 (uint8_t)v[i].plen);
	for (size_t i = 0; i < p->n_added && !err; i++) {
		const struct xdpfw_rule *r = &rules[p->added[i]];
		uint32_t flag = v4tbl_flag(r), first;
		uint32_t span = v4tbl_span(r, &first);

		for (uint32_t j = 0; flag && j < span && !err; j++)
			err = v4tbl_change_push(c, first + j, flag);
	}
	free(v);
	return err;
}
