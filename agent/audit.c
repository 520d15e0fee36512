// SPDX-License-Identifier: GPL-2.0-only
#include "audit.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

/* Keys read per batch call in phase 0, and per step key by key (kernels
 * without batch operations on tries: two syscalls per key). */
#define AUDIT_BATCH 1024
#define AUDIT_ITER 256

static int read_generation(struct kmaps *km, uint64_t *gen)
{
	struct xdpfw_cfg c;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(km->fd[XMAP_CFG], &zero, &c))
		return -errno;
	*gen = c.generation;
	return 0;
}

static void skip_maps(struct audit *a)
{
	while (a->map < KMAP_N && !(a->maps & (1u << a->map)))
		a->map++;
	if (a->map == KMAP_N)
		a->phase = 1;
}

static const struct xdpfw_rule *slot_run(void *km, uint32_t s, uint32_t *n)
{
	return kmaps_slot_run(km, s, n);
}

int audit_begin(struct audit *a, struct kmaps *km, uint32_t maps, int collect)
{
	memset(a, 0, sizeof(*a));
	a->collect = collect;
	a->maps = maps & AUDIT_ALL_MAPS;
	skip_maps(a);
	a->capacity = km->capacity;
	a->run = slot_run;
	a->run_ctx = km;
	a->seen_max = AUDIT_SEEN;
	a->marks = calloc(km->capacity ? km->capacity : 1, 1);
	if (!a->marks)
		return -ENOMEM;
	return read_generation(km, &a->generation);
}

static void seen_free(struct audit *a)
{
	free(a->seen);
	free(a->order);
	a->seen = NULL;
	a->order = NULL;
	a->n_seen = 0;
}

void audit_free(struct audit *a)
{
	if (!a)
		return;
	free(a->marks);
	a->marks = NULL;
	seen_free(a);
	if (a->v4ix)
		v4tbl_ix_free(a->v4ix);
	free(a->v4ix);
	a->v4ix = NULL;
	free(a->upserts.v);
	free(a->deletes.v);
	memset(&a->upserts, 0, sizeof(a->upserts));
	memset(&a->deletes, 0, sizeof(a->deletes));
}

int audit_rule_key_index(const struct xdpfw_rule *r, int m, const void *key)
{
	struct kkey k[2];
	int n;

	if (!r->family)
		return -1;
	n = rule_kkeys(r, k);
	for (int i = 0; i < n; i++)
		if (k[i].map == m && !memcmp(k[i].b, key, kmap_key_size[m]))
			return i;
	return -1;
}

static int foreign(struct audit *a, const struct kkey *k)
{
	a->foreign++;
	return a->collect ? kop_list_push(&a->deletes, k, 0) : 0;
}

/* The keys seen, against the rules of their slots: grouped by window of
 * the slot table (a counting sort), so that each window is mapped about
 * once per flush. */
static int seen_flush(struct audit *a)
{
	uint32_t nwin = a->capacity / KMAPS_SLOT_WINDOW + 1, first = 0, rn = 0;
	const struct xdpfw_rule *t = NULL;
	uint32_t *pos = calloc(nwin + 1, sizeof(*pos));
	int err = 0;

	if (!pos)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_seen; i++)
		pos[a->seen[i].slot / KMAPS_SLOT_WINDOW + 1]++;
	for (uint32_t w = 0; w < nwin; w++)
		pos[w + 1] += pos[w];
	for (size_t i = 0; i < a->n_seen; i++)
		a->order[pos[a->seen[i].slot / KMAPS_SLOT_WINDOW]++] = (uint32_t)i;
	free(pos);
	for (size_t j = 0; j < a->n_seen && !err; j++) {
		const struct audit_seen *e = &a->seen[a->order[j]];
		int i;

		if (!t || e->slot < first || e->slot - first >= rn) {
			t = a->run(a->run_ctx, e->slot, &rn);
			if (!t)
				return errno ? -errno : -EIO;
			first = e->slot;
		}
		i = audit_rule_key_index(&t[e->slot - first], e->k.map, e->k.b);
		if (i >= 0)
			a->marks[e->slot] |= (uint8_t)(1u << i);
		else
			err = foreign(a, &e->k);
	}
	a->n_seen = 0;
	return err;
}

/* One key the kernel holds, leading to slot: compared when the keys seen
 * are flushed (a slot out of the table is foreign at once). */
static int audit_key(struct audit *a, const void *key, uint32_t slot)
{
	struct audit_seen *e;
	struct kkey k;

	a->keys++;
	memset(&k, 0, sizeof(k));
	k.map = (uint8_t)a->map;
	memcpy(k.b, key, kmap_key_size[a->map]);
	if (slot >= a->capacity)
		return foreign(a, &k);
	if (!a->seen) {
		a->seen = malloc(a->seen_max * sizeof(*a->seen));
		a->order = malloc(a->seen_max * sizeof(*a->order));
		if (!a->seen || !a->order)
			return -ENOMEM;
	}
	e = &a->seen[a->n_seen++];
	e->slot = slot;
	e->k = k;
	return a->n_seen < a->seen_max ? 0 : seen_flush(a);
}

static void next_map(struct audit *a)
{
	a->map++;
	a->has_cursor = 0;
	a->oa_done = 0;
	a->seen_in_map = 0;
	skip_maps(a);
}

/* A key read from a lookup map itself: one its open addressing table also
 * holds is not in force and is skipped (kmaps_read.c, drop_shadowed). */
static int audit_map_key(struct audit *a, struct kmaps *km, const void *key,
			 uint32_t slot)
{
	if (kmaps_oa_of(a->map) >= 0) {
		struct kkey k;

		kkey_from_bytes(&k, a->map, key);
		if (kmaps_oa_index(km, &k) >= 0)
			return 0;
	}
	return audit_key(a, key, slot);
}

static int audit_oa_key(void *ctx, const struct kop *op)
{
	return audit_key(ctx, op->key.b, op->slot);
}

/* Phase 0 for a lookup map: one batch, resumable by its token. */
static int audit_batch(struct audit *a, struct kmaps *km)
{
	size_t ks = kmap_key_size[a->map];
	uint8_t keys[AUDIT_BATCH * KKEY_MAX], out[32];
	uint32_t vals[AUDIT_BATCH];
	__u32 count = AUDIT_BATCH;
	int err, done;

	err = bpf_map_lookup_batch(km->fd[a->map], a->has_cursor ? a->cursor : NULL,
				   out, keys, vals, &count, NULL);
	done = err && errno == ENOENT;
	if (err && !done)
		return -errno;
	for (__u32 i = 0; i < count; i++) {
		err = audit_map_key(a, km, keys + i * ks, vals[i]);
		if (err)
			return err;
	}
	if (done) {
		next_map(a);
	} else {
		memcpy(a->cursor, out, sizeof(a->cursor));
		a->has_cursor = 1;
	}
	return 0;
}

/* Phase 0 one key at a time (kernels without batch ops on tries).  A key
 * deleted under the cursor restarts the walk: bounded. */
static int audit_iter(struct audit *a, struct kmaps *km, size_t budget)
{
	uint8_t next[KKEY_MAX];
	uint32_t v;
	int err;

	for (size_t i = 0; i < budget; i++) {
		if (bpf_map_get_next_key(km->fd[a->map],
					 a->has_cursor ? a->cursor : NULL, next)) {
			if (errno != ENOENT)
				return -errno;
			next_map(a);
			return 0;
		}
		memcpy(a->cursor, next, sizeof(next));
		a->has_cursor = 1;
		if (++a->seen_in_map > 4 * (size_t)a->capacity + 65536) {
			next_map(a);
			return 0;
		}
		if (bpf_map_lookup_elem(km->fd[a->map], next, &v))
			continue; /* deleted under us */
		err = audit_map_key(a, km, next, v);
		if (err)
			return err;
	}
	return 0;
}

/* A key of the rule in slot that phase 0 did not see under it: fine only
 * when it leads to another rule that produces it (a shared key). */
static int owned_elsewhere(const struct audit *a, struct kmaps *km,
			   uint32_t slot, const struct kkey *k)
{
	struct xdpfw_rule r;
	uint32_t v;
	int i;

	/* That rule read on its own: the run in use stays mapped. */
	if (kmaps_lookup_key(km, k, &v) != 1 || v == slot || v >= a->capacity ||
	    bpf_map_lookup_elem(km->fd[XMAP_RULES], &v, &r))
		return 0;
	i = audit_rule_key_index(&r, k->map, k->b);
	return i >= 0 && (a->marks[v] & (1u << i));
}

/* A key of the rule in slot that is missing or leads elsewhere. */
static int audit_missing(struct audit *a, uint32_t slot, const struct kkey *k,
			 int nkeys)
{
	a->missing++;
	if (!a->collect)
		return 0;
	/* A port entry of any protocol may share this key with the
	 * protocol-specific entry, which would own it. */
	if (nkeys == 2) {
		a->needs_full = 1;
		return 0;
	}
	return kop_list_push(&a->upserts, k, slot);
}

/* Phase 1 for the rule r in slot s. */
static int audit_rule(struct audit *a, struct kmaps *km, uint32_t s,
		      const struct xdpfw_rule *r)
{
	struct kkey k[2];
	int n, err;

	if (!r->family)
		return 0;
	a->rules++;
	n = rule_kkeys(r, k);
	for (int i = 0; i < n; i++) {
		if (!(a->maps & (1u << k[i].map)) || (a->marks[s] & (1u << i)) ||
		    owned_elsewhere(a, km, s, &k[i]))
			continue;
		err = audit_missing(a, s, &k[i], n);
		if (err)
			return err;
	}
	return 0;
}

/* Phase 1: the keys of slots [next_slot, next_slot + budget), a run of
 * the table at a time. */
static int audit_slots(struct audit *a, struct kmaps *km, size_t budget)
{
	uint32_t end = a->next_slot + (uint32_t)budget, rn;
	int err;

	if (end > a->capacity || end < a->next_slot)
		end = a->capacity;
	for (uint32_t s = a->next_slot; s < end; s += rn) {
		const struct xdpfw_rule *t = a->run(a->run_ctx, s, &rn);

		if (!t)
			return errno ? -errno : -EIO;
		if (rn > end - s)
			rn = end - s;
		for (uint32_t i = 0; i < rn; i++) {
			err = audit_rule(a, km, s + i, &t[i]);
			if (err)
				return err;
		}
	}
	a->next_slot = end;
	if (end == a->capacity)
		a->phase = a->maps == AUDIT_ALL_MAPS ? 3 : 2;
	return 0;
}

/* Phase 3: the /24 table against the slot table, 16 /8s a step (a few
 * ms); the index is built in a step of its own. */
static int audit_v4tbl(struct audit *a, struct kmaps *km)
{
	size_t bad = 0;
	int err;

	if (!a->v4ix) {
		a->v4ix = malloc(sizeof(*a->v4ix));
		if (!a->v4ix)
			return -ENOMEM;
		err = v4tbl_ix_build_runs(a->v4ix, a->run, a->run_ctx,
					  km->capacity);
		if (err) {
			free(a->v4ix);
			a->v4ix = NULL;
		}
		return err;
	}
	err = kmaps_v4tbl_compare_chunks(km, a->v4ix, a->v4_chunk, 16, NULL,
					 NULL, &bad);
	a->v4_chunk += 16;
	a->v4_bad += bad;
	if (bad)
		a->needs_full = 1;
	if (a->v4_chunk >= V4TBL_CHUNKS)
		a->phase = 4;
	return err;
}

/* Phase 4: the filters against their recomputation from the slot table,
 * in sync's staging buffer (km->fbuf, kept once made). */
static int audit_filters(struct audit *a, struct kmaps *km)
{
	struct filters f;
	int err;

	if (!km->fbuf) {
		km->fbuf = malloc(filters_words_total() * sizeof(*km->fbuf));
		if (!km->fbuf)
			return -ENOMEM;
	}
	filters_use(&f, km->fbuf);
	filters_from_table(&f, NULL, 0); /* cleared */
	for (uint32_t s = 0, rn; s < a->capacity; s += rn) {
		const struct xdpfw_rule *t = a->run(a->run_ctx, s, &rn);

		if (!t)
			return errno ? -errno : -EIO;
		for (uint32_t i = 0; i < rn && i < a->capacity - s; i++)
			if (t[i].family)
				filters_add(&f, &t[i]);
	}
	err = kmaps_filters_compare(km, &f, NULL, NULL, &a->filter_bad);
	if (a->filter_bad)
		a->needs_full = 1;
	a->phase = 2;
	return err;
}

int audit_step(struct audit *a, struct kmaps *km, size_t budget)
{
	uint64_t gen = 0;
	int err = 0;

	if (km->capacity != a->capacity)
		return -ESTALE;
	if (a->phase == 0 && !a->oa_done) {
		/* The keys of the map's open addressing table first. */
		a->oa_done = 1;
		err = kmaps_oa_dump(km, a->map, audit_oa_key, a);
	} else if (a->phase == 0) {
		if (kmaps_can_batch(km)) {
			err = audit_batch(a, km);
			if (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP) {
				errno = -err;
				kmaps_batch_off(km);
				err = 0;
			}
		} else {
			err = audit_iter(a, km, AUDIT_ITER);
		}
	} else if (a->phase == 1 && a->n_seen) {
		err = seen_flush(a); /* the last keys of phase 0 */
	} else if (a->phase == 1) {
		seen_free(a);
		err = audit_slots(a, km, budget);
	} else if (a->phase == 3) {
		err = audit_v4tbl(a, km);
	} else if (a->phase == 4) {
		err = audit_filters(a, km);
	}
	if (err)
		return err;
	if (a->phase != 2)
		return 0;
	err = read_generation(km, &gen);
	if (err)
		return err;
	a->void_run = gen != a->generation;
	return 1;
}
