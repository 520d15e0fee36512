// SPDX-License-Identifier: GPL-2.0-only
/*
 * The open addressing tables of the exact IPv4 keys (xdpfw_v4_oa,
 * xdpfw_v4p_oa; layout in shared/xdpfw_shared.h), written and read
 * through their mmaps.  Above this file a key of KMAP_V4 or KMAP_V4_PORT
 * is simply "in the kernel" whether its entry sits in the table or, having
 * overflowed its probe window, in the hash map of the same kind: writes,
 * dumps and lookups go through here.
 *
 * Store order (docs/DESIGN.md, "Open addressing"): an insert stores the
 * key, then the state; a delete stores the tombstone, then key 0; a slot
 * change stores the state alone; an entry goes back to empty only when
 * the entry after it is empty (no probe window then passes through it).
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "kmaps_int.h"

int kmaps_oa_of(enum kmap m)
{
	return m == KMAP_V4 ? OA_V4 : m == KMAP_V4_PORT ? OA_V4P : -1;
}

uint64_t kmaps_oa_key(const struct kkey *k)
{
	if (k->map == KMAP_V4)
		return xdpfw_oa_key4(k->v4.addr);
	return xdpfw_oa_key4p(k->v4_port.port, k->v4_port.proto,
			      k->v4_port.addr);
}

static void kkey_of(struct kkey *k, enum kmap m, uint64_t key)
{
	if (m == KMAP_V4) {
		struct xdpfw_v4_key b = { .addr = (__u32)key };

		kkey_from_bytes(k, m, &b);
	} else {
		struct xdpfw_v4_port_key b = {
			.port = (__u16)(key >> 32),
			.proto = (__u8)(key >> 48),
			.addr = (__u32)key,
		};

		kkey_from_bytes(k, m, &b);
	}
}

static uint32_t load_state(const struct xdpfw_oa_ent *e)
{
	return __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
}

static void store_state(struct xdpfw_oa_ent *e, uint32_t st)
{
	__atomic_store_n(&e->state, st, __ATOMIC_RELEASE);
}

static void store_key(struct xdpfw_oa_ent *e, uint64_t key)
{
	__atomic_store_n(&e->key, key, __ATOMIC_RELEASE);
}

/* Index of key's entry in table t, or -1; *free_at: the first deleted or
 * empty entry of its probe window, or -1 when the window is full. */
static long oa_find(const struct kmaps *km, int t, uint64_t key, long *free_at)
{
	const struct xdpfw_oa_ent *tab = km->oa[t];
	uint32_t home = xdpfw_oa_hash(key) & km->oa_mask;

	*free_at = -1;
	for (uint32_t i = 0; i < XDPFW_OA_PROBES; i++) {
		uint32_t idx = (home + i) & km->oa_mask;
		uint32_t st = XDPFW_OA_STATE(load_state(&tab[idx]));

		if (st == XDPFW_OA_TOMB || !st) {
			if (*free_at < 0)
				*free_at = idx;
			if (!st)
				return -1;
		} else if (tab[idx].key == key) {
			return idx;
		}
	}
	return -1;
}

static int home_overflowed(const struct kmaps *km, int t, uint64_t key)
{
	uint32_t home = xdpfw_oa_hash(key) & km->oa_mask;

	return !!(load_state(&km->oa[t][home]) & XDPFW_OA_OVF);
}

/* Entries idx, idx - 1, ... deleted and followed by an empty one go back
 * to empty: no probe window passes through them any more. */
static void oa_reclaim(struct kmaps *km, int t, uint32_t idx)
{
	struct xdpfw_oa_ent *tab = km->oa[t];

	if (XDPFW_OA_STATE(load_state(&tab[(idx + 1) & km->oa_mask])))
		return;
	for (uint32_t i = 0; i <= km->oa_mask; i++) {
		struct xdpfw_oa_ent *e = &tab[(idx - i) & km->oa_mask];
		uint32_t st = load_state(e);

		if (XDPFW_OA_STATE(st) != XDPFW_OA_TOMB)
			return;
		store_state(e, st & XDPFW_OA_OVF);
	}
}

/* One upsert: 1 done in the table, 0 the hash must take it. */
static int oa_upsert(struct kmaps *km, int t, const struct kop *op)
{
	uint64_t key = kmaps_oa_key(&op->key);
	long free_at, at = oa_find(km, t, key, &free_at);
	struct xdpfw_oa_ent *e;
	uint32_t home;

	if (at >= 0) {
		e = &km->oa[t][at];
		store_state(e, (load_state(e) & XDPFW_OA_OVF) | (op->slot + 1));
		return 1;
	}
	/* Its home overflowed: the key may be in the hash, keep it there. */
	if (home_overflowed(km, t, key))
		return 0;
	if (free_at >= 0) {
		e = &km->oa[t][free_at];
		store_key(e, key);
		store_state(e, (load_state(e) & XDPFW_OA_OVF) | (op->slot + 1));
		return 1;
	}
	home = xdpfw_oa_hash(key) & km->oa_mask;
	e = &km->oa[t][home];
	store_state(e, load_state(e) | XDPFW_OA_OVF);
	return 0;
}

/* One delete: 1 done in the table (or nowhere to do), 0 the hash must. */
static int oa_delete(struct kmaps *km, int t, const struct kop *op)
{
	uint64_t key = kmaps_oa_key(&op->key);
	long free_at, at = oa_find(km, t, key, &free_at);
	struct xdpfw_oa_ent *e;

	if (at < 0)
		return !home_overflowed(km, t, key);
	e = &km->oa[t][at];
	store_state(e, (load_state(e) & XDPFW_OA_OVF) | XDPFW_OA_TOMB);
	store_key(e, 0);
	oa_reclaim(km, t, (uint32_t)at);
	return 1;
}

size_t kmaps_oa_write(struct kmaps *km, enum kmap m, struct kop *ops,
		      size_t n, int del, size_t *count)
{
	int t = kmaps_oa_of(m);
	size_t rest = 0;

	for (size_t i = 0; i < n; i++) {
		int done = del ? oa_delete(km, t, &ops[i]) :
				 oa_upsert(km, t, &ops[i]);

		if (done)
			(*count)++;
		else
			ops[rest++] = ops[i];
	}
	return rest;
}

int kmaps_oa_sweep(struct kmaps *km, enum kmap m)
{
	uint8_t next[KKEY_MAX];
	int t = kmaps_oa_of(m);

	if (!bpf_map_get_next_key(km->fd[m], NULL, next))
		return 0;
	if (errno != ENOENT)
		return -errno;
	for (uint32_t i = 0; i <= km->oa_mask; i++) {
		uint32_t st = load_state(&km->oa[t][i]);

		if (st & XDPFW_OA_OVF)
			store_state(&km->oa[t][i], st & ~XDPFW_OA_OVF);
	}
	return 0;
}

int kmaps_oa_dump(const struct kmaps *km, enum kmap m,
		  int (*push)(void *ctx, const struct kop *op), void *ctx)
{
	const struct xdpfw_oa_ent *tab;

	if (kmaps_oa_of(m) < 0)
		return 0;
	tab = km->oa[kmaps_oa_of(m)];
	for (uint32_t i = 0; i <= km->oa_mask; i++) {
		uint32_t st = XDPFW_OA_STATE(load_state(&tab[i]));
		struct kop op;
		int err;

		if (!st || st == XDPFW_OA_TOMB)
			continue;
		kkey_of(&op.key, m, tab[i].key);
		op.slot = st - 1;
		err = push(ctx, &op);
		if (err)
			return err;
	}
	return 0;
}

int kmaps_lookup_key(struct kmaps *km, const struct kkey *k, uint32_t *slot)
{
	int t = kmaps_oa_of(k->map);

	if (t >= 0) {
		uint64_t key = kmaps_oa_key(k);
		long free_at, at = oa_find(km, t, key, &free_at);

		if (at >= 0) {
			*slot = XDPFW_OA_STATE(load_state(&km->oa[t][at])) - 1;
			return 1;
		}
		if (!home_overflowed(km, t, key))
			return 0;
	}
	if (!bpf_map_lookup_elem(km->fd[k->map], k->b, slot))
		return 1;
	return errno == ENOENT ? 0 : -errno;
}
