// SPDX-License-Identifier: GPL-2.0-only
/*
 * The overflow hashes of the open addressing tables (kmaps_oa.c): is one
 * empty, and the keys deleted from a table purged from its hash.
 *
 * Whether a hash is empty was a walk of all its buckets (get_next_key from
 * NULL: 1-1.5 ms for the 1-2M buckets of each at 1M rules, on every reload
 * that deletes keys).  From Linux 6.4 on, the memlock that fdinfo shows
 * for a hash without preallocation grows with its element count (exactly:
 * the count is summed over the CPUs), so a hash whose memlock is the one
 * a walk last found it empty with is empty now: one read of fdinfo.  The
 * kernel's behaviour is probed once on a map of our own; where it does
 * not hold (6.1), or fdinfo cannot be read, every answer is a walk.
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

/* Does this kernel's memlock of a hash without preallocation count its
 * elements?  1 yes, -1 no (or not known), probed once. */
static int memlock_counts(struct kmaps *km)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	uint32_t k = 0, v = 0, id;
	uint64_t empty, one;
	int fd;

	if (km->ovf_memlock_counts)
		return km->ovf_memlock_counts;
	km->ovf_memlock_counts = -1;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "xdpfw_probe", 4, 4, 2, &opts);
	if (fd < 0)
		return -1;
	empty = memlock_of(fd, &id);
	if (empty && !bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
		one = memlock_of(fd, &id);
		if (one > empty)
			km->ovf_memlock_counts = 1;
	}
	close(fd);
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

int kmaps_ovf_empty(struct kmaps *km, enum kmap m)
{
	uint8_t next[KKEY_MAX];
	uint64_t before = 0;
	uint32_t id = 0, id2;

	if (memlock_counts(km) > 0) {
		before = memlock_of(km->fd[m], &id);
		if (before && id == km->ovf_empty_id[m] &&
		    before == km->ovf_empty_memlock[m])
			return 1;
	}
	if (!bpf_map_get_next_key(km->fd[m], NULL, next))
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* Empty throughout the walk: its memlock is the empty one. */
	if (before && memlock_of(km->fd[m], &id2) == before && id2 == id &&
	    counted(km, m)) {
		km->ovf_empty_memlock[m] = before;
		km->ovf_empty_id[m] = id;
	}
	return 1;
}

/* At most this many of a hash's keys are read for a purge; more, and each
 * key done is deleted there instead. */
#define PURGE_READ_MAX 4096

static int key_cmp(const void *a, const void *b, void *size)
{
	return memcmp(a, b, *(const size_t *)size);
}

/* Is key among the nk sorted keys (ks bytes each)? */
static int key_in(const uint8_t *key, const uint8_t *keys, size_t nk,
		  size_t ks)
{
	size_t lo = 0, hi = nk;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(keys + mid * ks, key, ks);

		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
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

int kmaps_ovf_purge(struct kmaps *km, enum kmap m, const struct kop *ops,
		    const uint8_t *done, size_t n)
{
	size_t n_done = 0, nk, ks = kmap_key_size[m];
	uint8_t *keys;
	int err = 0;

	for (size_t i = 0; i < n; i++)
		n_done += done[i];
	if (!n_done)
		return 0;
	err = kmaps_ovf_empty(km, m);
	if (err)
		return err < 0 ? err : 0;
	keys = hash_keys(km, m, n_done < PURGE_READ_MAX ? n_done : PURGE_READ_MAX,
			 &nk, &err);
	if (!keys && !nk)
		return err;
	if (keys)
		qsort_r(keys, nk, ks, key_cmp, &ks);
	for (size_t i = 0; i < n && !err; i++)
		if (done[i] && (!keys || key_in(ops[i].key.b, keys, nk, ks)))
			err = delete_key(km->fd[m], ops[i].key.b);
	free(keys);
	return err;
}
