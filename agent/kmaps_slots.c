// SPDX-License-Identifier: GPL-2.0-only
/*
 * The slot table's entries (xdpfw_rules) and the per-slot counters
 * (xdpfw_rstats) written by kmaps_apply: by the kernel writer where it is
 * loaded (kwrite.h: no page mapped, no bpf() call a 1,024), else through
 * the slot table's windows and batched counter updates.
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmaps_int.h"
#include "kwrite.h"

/* The counters of slots on every CPU zeroed by the kernel writer. */
static int reset_counters_kw(struct kmaps *km, const uint32_t *slots,
			     size_t n, size_t *count)
{
	int err = 0;

	for (size_t c = 0; c < (size_t)km->ncpus && !err; c++)
		for (size_t i = 0; i < n && !err; i++)
			err = kwrite_put(km->kw, XDPFW_KW_RSTATS,
					 (uint32_t)c * km->capacity + slots[i],
					 NULL);
	if (!err)
		err = kwrite_put_flush(km->kw);
	if (!err)
		*count += n * (size_t)km->ncpus;
	return err;
}

/* By the kernel writer where it is loaded, else batched where the kernel
 * can. */
int kmaps_reset_counters(struct kmaps *km, const uint32_t *slots, size_t n,
			 size_t *count)
{
	struct xdpfw_counter *zero;
	uint32_t *keys;
	size_t total = n * (size_t)km->ncpus, done = 0;
	int err = 0;

	if (km->kw)
		return reset_counters_kw(km, slots, n, count);
	zero = calloc(KMAPS_BATCH_CHUNK, sizeof(*zero));
	keys = calloc(KMAPS_BATCH_CHUNK, sizeof(*keys));
	if (!zero || !keys) {
		err = -ENOMEM;
		goto out;
	}
	while (done < total) {
		__u32 cnt = 0, want;

		/* Keys cpu-major: CPU c's counter of slots[i] is c * cap + slot. */
		for (; done + cnt < total && cnt < KMAPS_BATCH_CHUNK; cnt++) {
			size_t x = done + cnt;

			keys[cnt] = (uint32_t)(x / n) * km->capacity + slots[x % n];
		}
		want = cnt;
		if (!km->no_batch &&
		    !bpf_map_update_batch(km->fd[XMAP_RSTATS], keys, zero, &cnt,
					  NULL)) {
			done += cnt;
			*count += cnt;
			continue;
		}
		if (!km->no_batch) {
			if (!kmaps_batch_refused(errno)) {
				err = -errno;
				goto out;
			}
			kmaps_no_batch(km);
		}
		for (cnt = 0; cnt < want; cnt++) {
			if (bpf_map_update_elem(km->fd[XMAP_RSTATS], &keys[cnt],
						zero, BPF_ANY)) {
				err = -errno;
				goto out;
			}
		}
		done += want;
		*count += want;
	}
out:
	free(zero);
	free(keys);
	return err;
}

/* Slot table entry s, through the whole mapping or a window (slots in
 * ascending order map each window once), or NULL with the map named. */
static struct xdpfw_rule *slot_entry(struct kmaps *km, uint32_t s,
				     struct apply_stats *st)
{
	uint32_t n;
	struct xdpfw_rule *r = kmaps_slot_run(km, s, &n);

	if (!r)
		st->failed_map = xmap_name[XMAP_RULES];
	return r;
}

/* Are the n slots all in the table?  (kmaps_slot_run says EINVAL.) */
static int slots_ok(const struct kmaps *km, const uint32_t *slots, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (slots[i] >= km->capacity)
			return 0;
	return 1;
}

/* Slot table entry s written (r, or zeros when NULL) by the kernel
 * writer: stores of an entry no key refers to yet, or any more. */
static int put_slot(struct kmaps *km, uint32_t s, const struct xdpfw_rule *r,
		    struct apply_stats *st)
{
	uint32_t w[6] = { 0 };
	int err;

	_Static_assert(sizeof(*r) == sizeof(w), "a rule is six words");
	if (r)
		memcpy(w, r, sizeof(w));
	err = kwrite_put(km->kw, XDPFW_KW_RULES, s, w);
	if (err)
		st->failed_map = xmap_name[XMAP_RULES];
	else
		st->slot_writes++;
	return err;
}

static int slots_flush(struct kmaps *km, struct apply_stats *st)
{
	int err = kwrite_put_flush(km->kw);

	if (err)
		st->failed_map = xmap_name[XMAP_RULES];
	return err;
}

int kmaps_clear_slots(struct kmaps *km, const uint32_t *slots, size_t n,
		      struct apply_stats *st)
{
	if (km->kw && slots_ok(km, slots, n)) {
		int err = 0;

		for (size_t i = 0; i < n && !err; i++)
			err = put_slot(km, slots[i], NULL, st);
		return err ? err : slots_flush(km, st);
	}
	for (size_t i = 0; i < n; i++) {
		struct xdpfw_rule *r = slot_entry(km, slots[i], st);

		if (!r)
			return -errno;
		memset(r, 0, sizeof(*r));
		st->slot_writes++;
	}
	return 0;
}

int kmaps_write_slots(struct kmaps *km, const struct kchange *p,
		      struct apply_stats *st)
{
	if (km->kw) {
		int err = 0;

		for (size_t i = 0; i < p->n_added && !err; i++) {
			uint32_t s = p->slots[p->added[i]];

			err = s < km->capacity ?
				      put_slot(km, s, &p->rules[p->added[i]], st) :
				      -EINVAL;
		}
		return err ? err : slots_flush(km, st);
	}
	for (size_t i = 0; i < p->n_added; i++) {
		struct xdpfw_rule *r = slot_entry(km, p->slots[p->added[i]], st);

		if (!r)
			return -errno;
		*r = p->rules[p->added[i]];
		st->slot_writes++;
	}
	return 0;
}
