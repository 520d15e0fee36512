// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which free slots' counters are known to be zero, so that a reload's
 * added rules need not zero them (a 1 % churn at 1M: 20,000 writes all
 * over the counter array, ~10 ms).  Counter maps just created are zero in
 * every slot; a slot taken is no longer clean; a slot freed joins the
 * sweep, which kmaps_sweep_counters zeroes later, while the daemon idles
 * (a packet may still count on a slot for a moment after its rule's keys
 * went).  A slot taken again before its sweep is zeroed by the reload, as
 * every added slot was before.
 */
#include "kmaps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "kmaps_int.h"

static size_t bit_words(const struct kmaps *km)
{
	return ((size_t)km->capacity + 63) / 64;
}

static int bit_get(const uint64_t *v, uint32_t s)
{
	return (int)(v[s / 64] >> (s % 64)) & 1;
}

static void bit_put(uint64_t *v, uint32_t s, int on)
{
	if (on)
		v[s / 64] |= 1ULL << (s % 64);
	else
		v[s / 64] &= ~(1ULL << (s % 64));
}

void kmaps_clean_forget(struct kmaps *km)
{
	free(km->clean);
	free(km->sweep_bits);
	free(km->sweep);
	km->clean = km->sweep_bits = NULL;
	km->sweep = NULL;
	km->n_sweep = km->cap_sweep = 0;
}

void kmaps_clean_all(struct kmaps *km)
{
	size_t words = bit_words(km);

	kmaps_clean_forget(km);
	km->clean = malloc(words * sizeof(*km->clean));
	km->sweep_bits = calloc(words, sizeof(*km->sweep_bits));
	if (!km->clean || !km->sweep_bits) {
		kmaps_clean_forget(km); /* not known: every slot is zeroed */
		return;
	}
	memset(km->clean, 0xff, words * sizeof(*km->clean));
}

int kmaps_clean_take(struct kmaps *km, uint32_t s)
{
	int was;

	if (!km->clean || s >= km->capacity)
		return 0;
	was = bit_get(km->clean, s);
	bit_put(km->clean, s, 0);
	bit_put(km->sweep_bits, s, 0); /* in use: the sweep leaves it */
	return was;
}

void kmaps_clean_freed(struct kmaps *km, const uint32_t *slots, size_t n)
{
	if (!km->clean)
		return;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = slots[i], *v;

		if (s >= km->capacity || bit_get(km->sweep_bits, s))
			continue;
		bit_put(km->clean, s, 0);
		v = grow(km->sweep, &km->cap_sweep, km->n_sweep + 1,
			 sizeof(*v), 1024);
		if (!v)
			continue; /* it stays unclean: zeroed when taken */
		km->sweep = v;
		km->sweep[km->n_sweep++] = s;
		bit_put(km->sweep_bits, s, 1);
	}
}

void kmaps_clean_start(struct kmaps *km, const uint64_t *busy)
{
	size_t words = bit_words(km);

	if (km->clean || !busy)
		return;
	km->clean = calloc(words, sizeof(*km->clean));
	km->sweep_bits = calloc(words, sizeof(*km->sweep_bits));
	if (!km->clean || !km->sweep_bits) {
		kmaps_clean_forget(km);
		return;
	}
	for (uint32_t s = 0; s < km->capacity; s++)
		if (!bit_get(busy, s))
			kmaps_clean_freed(km, &s, 1);
}

int kmaps_sweep_counters(struct kmaps *km, size_t max, size_t *count)
{
	size_t n = 0, from;
	int err;

	*count = 0;
	if (!km->clean || !km->n_sweep)
		return 0;
	/* The last max joined, those still free since (taken ones left). */
	from = km->n_sweep > max ? km->n_sweep - max : 0;
	for (size_t i = from; i < km->n_sweep; i++)
		if (bit_get(km->sweep_bits, km->sweep[i]))
			km->sweep[from + n++] = km->sweep[i];
	err = kmaps_reset_counters(km, km->sweep + from, n, count);
	for (size_t i = from; i < from + n; i++) {
		bit_put(km->sweep_bits, km->sweep[i], 0);
		if (!err)
			bit_put(km->clean, km->sweep[i], 1);
	}
	km->n_sweep = from;
	return err;
}
