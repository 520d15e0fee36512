// SPDX-License-Identifier: GPL-2.0-only
/*
 * The overflow hashes of the open addressing tables (kmaps_oa.c): is one
 * empty, and the keys deleted from a table purged from its hash.
 *
 * Whether a hash is empty, and which keys it holds, is a walk of all its
 * buckets (get_next_key: 1-1.5 ms for the 1-2M buckets of each at 1M
 * rules when empty; ~10 ms a purge to read the 2 keys xdpfw_v4 holds
 * there).  From Linux 6.4 on, the memlock that fdinfo shows for a hash
 * without preallocation grows with its element count (exactly: the count
 * is summed over the CPUs).  So after a walk that read every key with the
 * memlock the same before and after, the keys and that memlock are kept:
 * later, the same memlock says the same count, and with each kept key
 * found there by a lookup the hash holds those keys and no other, read
 * with one fdinfo read and a lookup a key.  (A change during the walk
 * that leaves the count as it was is not seen, no more than before; the
 * audit compares every key.)  The kernel's behaviour is probed once on a
 * map of our own; where it does not hold (6.1), or fdinfo cannot be read,
 * every answer is a walk.
 *
 * The purge: a copy of a deleted key that another process put in the hash
 * would outlive the delete.  With the hash empty there is nothing to do;
 * otherwise its keys (a few: a probe window overflows rarely) are read
 * and only the copies deleted, not one delete per key done in the table.
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdinfo.h"
#include "kmaps_int.h"

/* fdinfo's memlock and map_id of fd; 0 when unknown. */
static uint64_t memlock_of(int fd, uint32_t *id)
{
	struct fdinfo_bpf fi;

	*id = 0;
	if (fdinfo_bpf_read(0, fd, &fi))
		return 0;
	*id = fi.map_id;
	return fi.map_id ? fi.memlock : 0;
}

/* What one element adds to the memlock of a hash without preallocation
 * of these key and value sizes (bytes), on a hash of our own with one
 * element put in; 0 when it adds nothing (the memlock does not count
 * elements: 6.1) or this cannot be told. */
static uint64_t probe_elem_memlock(uint32_t key_size, uint32_t value_size)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	uint8_t zero[KKEY_MAX + 64] = { 0 };
	uint64_t empty, one = 0;
	uint32_t id;
	int fd;

	if (key_size > KKEY_MAX || value_size > 64)
		return 0;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "xdpfw_probe", key_size,
			    value_size, 2, &opts);
	if (fd < 0)
		return 0;
	empty = memlock_of(fd, &id);
	if (empty && !bpf_map_update_elem(fd, zero, zero + KKEY_MAX, BPF_ANY))
		one = memlock_of(fd, &id);
	close(fd);
	return one > empty ? one - empty : 0;
}

/* Does this kernel's memlock of a hash without preallocation count its
 * elements?  1 yes, -1 no (or not known), probed once. */
static int memlock_counts(struct kmaps *km)
{
	if (!km->ovf_memlock_counts)
		km->ovf_memlock_counts = probe_elem_memlock(4, 4) ? 1 : -1;
	return km->ovf_memlock_counts;
}

/* Is m's map a hash without preallocation (its memlock then counts)? */
static int counted(struct kmaps *km, enum kmap m)
{
	struct bpf_map_info info;

	return !kmaps_map_info(km->fd[m], &info) &&
	       info.type == BPF_MAP_TYPE_HASH &&
	       (info.map_flags & BPF_F_NO_PREALLOC);
}

/* Forget what is kept of m's hash. */
static void forget(struct kmaps *km, enum kmap m)
{
	free(km->ovf_known[m].keys);
	memset(&km->ovf_known[m], 0, sizeof(km->ovf_known[m]));
}

void kmaps_ovf_forget(struct kmaps *km)
{
	for (int m = 0; m < KMAP_N; m++)
		forget(km, m);
}

/* m's hash held the n keys (sorted, ks bytes each) through a walk that
 * began and ended with memlock before of map id: kept, where the memlock
 * counts. */
static void remember(struct kmaps *km, enum kmap m, uint64_t before,
		     uint32_t id, const uint8_t *keys, size_t n)
{
	struct kmaps_ovf_known *k = &km->ovf_known[m];
	size_t ks = kmap_key_size[m];
	uint32_t id2;

	forget(km, m);
	if (!before || memlock_of(km->fd[m], &id2) != before || id2 != id ||
	    !counted(km, m))
		return;
	k->keys = malloc((n ? n : 1) * ks);
	if (!k->keys)
		return;
	if (n)
		memcpy(k->keys, keys, n * ks);
	k->n = n;
	k->id = id;
	k->memlock = before;
}

/* m's memlock (and id, into *before and *id) where this kernel's counts;
 * 1 when it is the kept one, so that the kept count holds. */
static int same_count(struct kmaps *km, enum kmap m, uint64_t *before,
		      uint32_t *id)
{
	const struct kmaps_ovf_known *k = &km->ovf_known[m];

	*before = 0;
	*id = 0;
	if (memlock_counts(km) <= 0)
		return 0;
	*before = memlock_of(km->fd[m], id);
	return *before && k->memlock && *id == k->id && *before == k->memlock;
}

/* Is m an overflow hash (not the IPv6 class table's trie)? */
static int is_ovf_hash(enum kmap m)
{
	return kmaps_oa_of(m) >= 0 && !kmap_is_trie(m);
}

/* What one element adds to the memlock of m's hash: probed once on a hash
 * of the same key and value sizes; 0 when not known. */
static uint64_t elem_memlock(struct kmaps *km, enum kmap m)
{
	struct bpf_map_info info;

	if (!km->ovf_elem[m] && !kmaps_map_info(km->fd[m], &info))
		km->ovf_elem[m] = probe_elem_memlock(info.key_size,
						     info.value_size);
	return km->ovf_elem[m];
}

int kmaps_ovf_before(struct kmaps *km, enum kmap m)
{
	uint64_t before;
	uint32_t id;

	return is_ovf_hash(m) && same_count(km, m, &before, &id) &&
	       elem_memlock(km, m);
}

/* The kept keys of m with the n ops' keys added (del 0: those not kept
 * yet, in *grow) or taken out (del 1: those kept, in *grow as a negative
 * count), sorted; NULL when out of memory or more than PURGE_READ_MAX. */
static uint8_t *kept_after(const struct kmaps *km, enum kmap m,
			   const struct kop *ops, size_t n, int del,
			   size_t *nk, long *grow);

void kmaps_ovf_after(struct kmaps *km, enum kmap m, const struct kop *ops,
		     size_t n, int del, int held)
{
	struct kmaps_ovf_known *k = &km->ovf_known[m];
	uint8_t *keys;
	uint64_t now;
	uint32_t id;
	size_t nk;
	long grow;

	if (!is_ovf_hash(m) || !n)
		return;
	if (!held) {
		forget(km, m);
		return;
	}
	keys = kept_after(km, m, ops, n, del, &nk, &grow);
	now = memlock_of(km->fd[m], &id);
	if (!keys || id != k->id ||
	    now != k->memlock + (uint64_t)(grow * (long)km->ovf_elem[m])) {
		free(keys);
		forget(km, m);
		return;
	}
	free(k->keys);
	k->keys = keys;
	k->n = nk;
	k->memlock = now;
}

int kmaps_ovf_empty(struct kmaps *km, enum kmap m)
{
	uint8_t next[KKEY_MAX];
	uint64_t before;
	uint32_t id;

	if (same_count(km, m, &before, &id))
		return km->ovf_known[m].n == 0;
	km->ovf_walks++;
	if (!bpf_map_get_next_key(km->fd[m], NULL, next))
		return 0;
	if (errno != ENOENT)
		return -errno;
	remember(km, m, before, id, NULL, 0);
	return 1;
}

/* At most this many of a hash's keys are read for a purge; more, and each
 * key done is deleted there instead. */
#define PURGE_READ_MAX 4096

static int key_cmp(const void *a, const void *b, void *size)
{
	return memcmp(a, b, *(const size_t *)size);
}

/* Where key is among the nk sorted keys (ks bytes each), or nk. */
static size_t key_at(const uint8_t *key, const uint8_t *keys, size_t nk,
		     size_t ks)
{
	size_t lo = 0, hi = nk;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(keys + mid * ks, key, ks);

		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return nk;
}

static int key_in(const uint8_t *key, const uint8_t *keys, size_t nk,
		  size_t ks)
{
	return key_at(key, keys, nk, ks) < nk;
}

/* The kept keys of m's hash (*n of them), when it holds them still: the
 * same count, and each found there; *walk_from 0.  Else NULL with *n = 0
 * and *walk_from 1, *before and *id the memlock and map id a walk starts
 * from. */
static uint8_t *kept_keys(struct kmaps *km, enum kmap m, size_t *n,
			  int *walk_from, uint64_t *before, uint32_t *id)
{
	const struct kmaps_ovf_known *k = &km->ovf_known[m];
	size_t ks = kmap_key_size[m];
	uint8_t value[64], *keys;

	*n = 0;
	*walk_from = 1;
	if (!same_count(km, m, before, id))
		return NULL;
	for (size_t i = 0; i < k->n; i++)
		if (bpf_map_lookup_elem(km->fd[m], k->keys + i * ks, value))
			return NULL;
	*walk_from = 0;
	keys = malloc((k->n ? k->n : 1) * ks);
	if (keys) {
		if (k->n)
			memcpy(keys, k->keys, k->n * ks);
		*n = k->n;
	}
	return keys;
}

/* The keys of m's hash (*n; at most max), or NULL with *n = max + 1 when
 * it holds more; NULL with *n = 0: -errno in *err. */
static uint8_t *hash_keys(struct kmaps *km, enum kmap m, size_t max,
			  size_t *n, int *err)
{
	size_t ks = kmap_key_size[m];
	uint8_t *keys = malloc((max ? max : 1) * ks), *prev = NULL;

	*n = 0;
	*err = keys ? 0 : -ENOMEM;
	km->ovf_walks++;
	while (keys) {
		uint8_t next[KKEY_MAX];

		if (bpf_map_get_next_key(km->fd[m], prev, next)) {
			if (errno == ENOENT)
				return keys;
			*err = -errno;
			break;
		}
		if (*n == max) {
			*n = max + 1;
			break;
		}
		memcpy(keys + *n * ks, next, ks);
		prev = keys + (*n)++ * ks;
	}
	free(keys);
	if (*err)
		*n = 0;
	return NULL;
}

static int delete_key(int fd, const void *key)
{
	return bpf_map_delete_elem(fd, key) && errno != ENOENT ? -errno : 0;
}

/* The keys of m's hash for a purge: the kept ones when they still hold
 * (all of them), else a walk as hash_keys() answers, kept when it read
 * them all. */
static uint8_t *purge_keys(struct kmaps *km, enum kmap m, size_t max,
			   size_t *n, int *err)
{
	uint8_t *keys;
	uint64_t before;
	uint32_t id;
	int walk;

	*err = 0;
	keys = kept_keys(km, m, n, &walk, &before, &id);
	if (!walk) {
		if (!keys)
			*err = -ENOMEM;
		return keys;
	}
	forget(km, m);
	keys = hash_keys(km, m, max, n, err);
	if (keys) {
		size_t ks = kmap_key_size[m];

		qsort_r(keys, *n, ks, key_cmp, &ks);
		remember(km, m, before, id, keys, *n);
	}
	return keys;
}

int kmaps_ovf_purge(struct kmaps *km, enum kmap m, const struct kop *ops,
		    const uint8_t *done, size_t n)
{
	size_t n_done = 0, nk, ks = kmap_key_size[m], ng = 0;
	struct kop *gone;
	uint8_t *keys;
	int err = 0, held;

	for (size_t i = 0; i < n; i++)
		n_done += done[i];
	if (!n_done)
		return 0;
	keys = purge_keys(km, m,
			  n_done < PURGE_READ_MAX ? n_done : PURGE_READ_MAX,
			  &nk, &err);
	if (!keys && !nk)
		return err;
	/* What is kept follows the deletes where it held. */
	held = keys && km->ovf_known[m].memlock && elem_memlock(km, m);
	gone = malloc(n_done * sizeof(*gone));
	for (size_t i = 0; i < n && !err; i++)
		if (done[i] && (!keys || key_in(ops[i].key.b, keys, nk, ks))) {
			err = delete_key(km->fd[m], ops[i].key.b);
			if (gone)
				gone[ng] = ops[i];
			ng++;
		}
	if (ng)
		kmaps_ovf_after(km, m, gone, ng, 1, held && gone && !err);
	free(gone);
	free(keys);
	return err;
}

void kmaps_ovf_refresh(struct kmaps *km)
{
	if (memlock_counts(km) <= 0)
		return;
	for (int t = 0; t < OA_N; t++) {
		enum kmap m = kmaps_oa_kmap(t);
		uint8_t *keys;
		size_t n;
		int err;

		uint64_t ml;
		uint32_t id;

		if (km->fd[m] < 0 || kmap_is_trie(m) || !elem_memlock(km, m))
			continue;
		/* Too many keys to keep: not read again while so. */
		ml = memlock_of(km->fd[m], &id);
		if (ml && ml == km->ovf_many[m])
			continue;
		keys = purge_keys(km, m, PURGE_READ_MAX, &n, &err);
		km->ovf_many[m] = !keys && n > PURGE_READ_MAX ? ml : 0;
		free(keys);
	}
}

static uint8_t *kept_after(const struct kmaps *km, enum kmap m,
			   const struct kop *ops, size_t n, int del,
			   size_t *nk, long *grow)
{
	const struct kmaps_ovf_known *k = &km->ovf_known[m];
	size_t ks = kmap_key_size[m], j = 0;
	uint8_t *keys = malloc((k->n + (del ? 0 : n) + 1) * ks);

	*nk = 0;
	*grow = 0;
	if (!keys)
		return NULL;
	if (k->n)
		memcpy(keys, k->keys, k->n * ks);
	*nk = k->n;
	if (!del) {
		for (size_t i = 0; i < n; i++)
			if (!key_in(ops[i].key.b, k->keys, k->n, ks))
				memcpy(keys + (*nk)++ * ks, ops[i].key.b, ks);
		qsort_r(keys, *nk, ks, key_cmp, &ks);
		/* the ops' keys are each once in a write */
		*grow = (long)(*nk - k->n);
	} else {
		uint8_t *gone = calloc(k->n + 1, 1);

		if (!gone) {
			free(keys);
			return NULL;
		}
		for (size_t o = 0; o < n; o++) {
			size_t at = key_at(ops[o].key.b, k->keys, k->n, ks);

			if (at < k->n)
				gone[at] = 1;
		}
		for (size_t i = 0; i < k->n; i++)
			if (!gone[i])
				memcpy(keys + j++ * ks, k->keys + i * ks, ks);
		free(gone);
		*grow = -(long)(k->n - j);
		*nk = j;
	}
	if (*nk > PURGE_READ_MAX) {
		free(keys);
		return NULL;
	}
	return keys;
}
