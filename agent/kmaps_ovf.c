// SPDX-License-Identifier: GPL-2.0-only
/*
 * The overflow maps of the open addressing tables (kmaps_oa.c): is one
 * empty, and the keys deleted from a table purged from its overflow map.
 *
 * Since layout 10 the overflow maps are LPM tries of full-length keys
 * (xdpfw_v6c_oa's is the IPv6 prefix trie).  A trie has no bucket array:
 * whether one is empty is one get_next_key, and the few keys one holds are
 * read a call each.  (Layout 9's hashes had to walk the 1-2M buckets of
 * each at 1M rules for the same answers, 1-1.5 ms a walk, and kept what a
 * walk read, checked by fdinfo's memlock; that went with them.)
 *
 * The purge: a copy of a deleted key that another process put in the
 * overflow map would outlive the delete.  With the map empty there is
 * nothing to do; otherwise its keys (a few: a probe window overflows
 * rarely) are read and only the copies deleted, not one delete per key
 * done in the table.
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmaps_int.h"

int kmaps_ovf_empty(struct kmaps *km, enum kmap m)
{
	uint8_t next[KKEY_MAX];

	if (!bpf_map_get_next_key(km->fd[m], NULL, next))
		return 0;
	return errno == ENOENT ? 1 : -errno;
}

/* At most this many of an overflow map's keys are read for a purge; more,
 * and each key done is deleted there instead. */
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

/* The keys of m's map, sorted (*n; at most max), or NULL with *n = max + 1
 * when it holds more; NULL with *n = 0: -errno in *err. */
static uint8_t *map_keys(struct kmaps *km, enum kmap m, size_t max, size_t *n,
			 int *err)
{
	size_t ks = kmap_key_size[m];
	uint8_t *keys = malloc((max ? max : 1) * ks), *prev = NULL;

	*n = 0;
	*err = keys ? 0 : -ENOMEM;
	while (keys) {
		uint8_t next[KKEY_MAX];

		if (bpf_map_get_next_key(km->fd[m], prev, next)) {
			if (errno == ENOENT) {
				qsort_r(keys, *n, ks, key_cmp, &ks);
				return keys;
			}
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
	keys = map_keys(km, m,
			n_done < PURGE_READ_MAX ? n_done : PURGE_READ_MAX, &nk,
			&err);
	if (!keys && !nk)
		return err;
	for (size_t i = 0; i < n && !err; i++)
		if (done[i] && (!keys || key_in(ops[i].key.b, keys, nk, ks)) &&
		    bpf_map_delete_elem(km->fd[m], ops[i].key.b) &&
		    errno != ENOENT)
			err = -errno;
	free(keys);
	return err;
}
