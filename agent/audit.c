// SPDX-License-Identifier: GPL-2.0-only
#include "audit.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

/* Keys read per batch call in phase 2. */
#define AUDIT_BATCH 1024

void audit_begin(struct audit *a)
{
	memset(a, 0, sizeof(*a));
}

int audit_slot_has_key(const struct kmaps *km, uint32_t slot, int m,
		       const void *key)
{
	struct kkey k[2];
	int n;

	if (slot >= km->capacity || !km->table[slot].family)
		return 0;
	n = rule_kkeys(&km->table[slot], k);
	for (int i = 0; i < n; i++)
		if (k[i].map == m && !memcmp(k[i].b, key, kmap_key_size[m]))
			return 1;
	return 0;
}

/* Phase 1: the keys of slots [next_slot, next_slot + budget). */
static void audit_slots(struct audit *a, const struct kmaps *km, size_t budget)
{
	uint32_t end = a->next_slot + (uint32_t)budget;

	if (end > km->capacity || end < a->next_slot)
		end = km->capacity;
	for (uint32_t s = a->next_slot; s < end; s++) {
		struct kkey k[2];
		int n;

		if (!km->table[s].family)
			continue;
		a->rules++;
		n = rule_kkeys(&km->table[s], k);
		for (int i = 0; i < n; i++) {
			uint32_t v;

			a->keys++;
			a->expected[k[i].map]++;
			if (bpf_map_lookup_elem(km->fd[k[i].map], k[i].b, &v) ||
			    (v != s && !audit_slot_has_key(km, v, k[i].map, k[i].b)))
				a->missing++;
		}
	}
	a->next_slot = end;
	if (end == km->capacity)
		a->phase = 1;
}

static void next_map(struct audit *a)
{
	a->map++;
	a->has_cursor = 0;
	a->seen_in_map = 0;
	if (a->map == KMAP_N)
		a->phase = 2;
}

/* Phase 2 for a hash map: one batch, resumable by its token. */
static int audit_hash_batch(struct audit *a, struct kmaps *km)
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
	for (__u32 i = 0; i < count; i++)
		a->foreign += !audit_slot_has_key(km, vals[i], a->map,
						  keys + i * ks);
	if (done) {
		next_map(a);
	} else {
		memcpy(a->cursor, out, sizeof(a->cursor));
		a->has_cursor = 1;
	}
	return 0;
}

/* Phase 2 one key at a time (tries, kernels without batch ops).  A key
 * deleted under the cursor restarts the walk: bounded by twice the keys
 * expected, plus slack. */
static int audit_iter(struct audit *a, struct kmaps *km, size_t budget)
{
	uint8_t next[KKEY_MAX];
	uint32_t v;

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
		if (++a->seen_in_map > 2 * a->expected[a->map] + 65536) {
			next_map(a);
			return 0;
		}
		if (bpf_map_lookup_elem(km->fd[a->map], next, &v))
			continue; /* deleted under us */
		a->foreign += !audit_slot_has_key(km, v, a->map, next);
	}
	return 0;
}

int audit_step(struct audit *a, struct kmaps *km, size_t budget)
{
	int err = 0;

	if (a->phase == 0) {
		audit_slots(a, km, budget);
	} else if (a->phase == 1) {
		if (!kmap_is_trie(a->map) && !km->no_batch) {
			err = audit_hash_batch(a, km);
			if (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP) {
				km->no_batch = 1;
				err = 0;
			}
		} else {
			err = audit_iter(a, km, budget / 4 ? budget / 4 : 1);
		}
	}
	if (err)
		return err;
	return a->phase == 2;
}
