// SPDX-License-Identifier: GPL-2.0-only
/*
 * The keys of the added address entries (a first load's million), made
 * and written a chunk at a time, never listed whole: in the order of the
 * open addressing table window each lands in.  In the order of the rules,
 * every chunk reached every window of its table, and each window is an
 * mmap that inserts all its pages (kmaps_oa.c): at 8M entries, 130 chunks
 * mapped the 512 MiB tables whole 130 times, 80 % of a 39 s first load.
 * The keys of the tries (no table) are spread over the chunks, so that
 * each chunk still has trie writes for kmaps_write_kops's second thread.
 */
#include "kmaps.h"

#include <errno.h>
#include <stdlib.h>

#include "grow.h"
#include "kmaps_int.h"
#include "ruleidx.h"

#define CHUNK 65536u
#define PREFETCH 16
#define SKIP UINT16_MAX /* a key its twin owns: not written */

/* Is key k of the added port entry r owned by its protocol-specific twin
 * ("X:53" and "X:53/udp" share the UDP key)? */
static int twin_owns(const struct kchange *p, const struct xdpfw_rule *r,
		     const struct kkey *k)
{
	struct xdpfw_rule twin = *r;

	if (r->proto != XDPFW_PROTO_ANY)
		return 0;
	twin.proto = k->proto;
	return ruleidx_find(p->ix, p->rules, &twin) != RULEIDX_NONE;
}

/* The keys of the added entry p->rules[x] (rule_kkeys), or 0 when it has
 * none here. */
static int keys_of(const struct kchange *p, size_t x, struct kkey k[2])
{
	const struct xdpfw_rule *r = &p->rules[x];

	if (r->port && !p->port_upserts_implicit)
		return 0;
	return rule_kkeys(r, k);
}

struct order {
	uint32_t base[OA_N + 1]; /* kmaps_oa_bucket_bases */
	uint32_t nb, shift;      /* buckets >> shift (nb: no table) < SKIP */
	uint16_t *kb;            /* each key's bucket, or SKIP (2 B a key) */
	size_t n_keys, cap;
	size_t *cnt;             /* keys a bucket, then where the next goes */
	uint32_t *ref;           /* rule << 1 | key, by bucket */
	size_t n, n_table;       /* refs, those of a table (the first) */
};

/* First pass: each key's bucket, counted. */
static int count_keys(struct kmaps *km, const struct kchange *p,
		      struct order *o)
{
	uint32_t nb;

	while (o->base[OA_N] >> o->shift >= SKIP)
		o->shift++; /* a bucket of 2^shift windows */
	o->nb = nb = o->base[OA_N] >> o->shift;
	o->cnt = calloc((size_t)nb + 2, sizeof(*o->cnt));
	if (!o->cnt)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_added; i++) {
		struct kkey k[2];
		int nk = keys_of(p, p->added[i], k);
		uint16_t *v = grow(o->kb, &o->cap, o->n_keys + 2, sizeof(*v),
				   4096);

		if (!v)
			return -ENOMEM;
		o->kb = v;
		for (int j = 0; j < nk; j++) {
			const struct xdpfw_rule *r = &p->rules[p->added[i]];
			uint32_t b = SKIP;

			if (!r->port || !twin_owns(p, r, &k[j])) {
				b = kmaps_oa_bucket(km, o->base, &k[j]);
				b = b < o->base[OA_N] ? b >> o->shift : nb;
				o->cnt[b + 1]++;
			}
			o->kb[o->n_keys++] = (uint16_t)b;
		}
	}
	return 0;
}

/* Second pass: the keys' refs placed by bucket (counting sort). */
static int place_keys(const struct kchange *p, struct order *o)
{
	uint32_t nb = o->nb;
	size_t at = 0;

	for (uint32_t b = 0; b <= nb; b++)
		o->cnt[b + 1] += o->cnt[b];
	o->n = o->cnt[nb + 1];
	o->n_table = o->cnt[nb];
	o->ref = malloc((o->n ? o->n : 1) * sizeof(*o->ref));
	if (!o->ref)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_added; i++) {
		struct kkey k[2];
		int nk = keys_of(p, p->added[i], k);

		for (int j = 0; j < nk; j++, at++)
			if (o->kb[at] != SKIP)
				o->ref[o->cnt[o->kb[at]]++] =
					p->added[i] << 1 | (uint32_t)j;
	}
	return 0;
}

/* Chunk c of nc: its share of the table keys (in bucket order) and of
 * the others, as kops. */
static size_t make_chunk(const struct kchange *p, const struct order *o,
			 size_t c, size_t nc, struct kop *ops)
{
	size_t n_other = o->n - o->n_table, m = 0;
	size_t ranges[2][2] = {
		{ o->n_table * c / nc, o->n_table * (c + 1) / nc },
		{ o->n_table + n_other * c / nc,
		  o->n_table + n_other * (c + 1) / nc },
	};

	for (int r = 0; r < 2; r++)
		for (size_t x = ranges[r][0]; x < ranges[r][1]; x++) {
			size_t i = o->ref[x] >> 1;
			struct kkey k[2];

			/* The rules are read in bucket order, at random:
			 * ask for them ahead. */
			if (x + PREFETCH < ranges[r][1]) {
				__builtin_prefetch(&p->rules[o->ref[x + PREFETCH] >> 1]);
				__builtin_prefetch(&p->slots[o->ref[x + PREFETCH] >> 1]);
			}
			keys_of(p, i, k);
			ops[m].key = k[o->ref[x] & 1];
			ops[m++].slot = p->slots[i];
		}
	return m;
}

int kmaps_write_added(struct kmaps *km, const struct kchange *p,
		      struct apply_stats *st)
{
	struct order o = { .n_keys = 0 };
	size_t chunk = km->added_chunk ? km->added_chunk : CHUNK, nc;
	struct kop *ops = NULL;
	int err;

	kmaps_oa_bucket_bases(km, o.base);
	err = count_keys(km, p, &o);
	if (!err)
		err = place_keys(p, &o);
	free(o.kb);
	o.kb = NULL;
	nc = (o.n + chunk - 1) / chunk;
	/* Each chunk's share is at most chunk + 1 (two floors). */
	if (!err && nc && !(ops = malloc((chunk + 2) * sizeof(*ops))))
		err = -ENOMEM;
	for (size_t c = 0; c < nc && !err; c++) {
		size_t m = make_chunk(p, &o, c, nc, ops);

		if (m) /* (a batch of none is EINVAL) */
			err = kmaps_write_kops(km, ops, m, 0, st);
	}
	free(ops);
	free(o.cnt);
	free(o.ref);
	return err;
}
