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
	km->clean = km->sweep_bits = NULL;
	km->n_sweep = 0;
	km->sweep_from = 0;
}

/* Both bitmaps, zero (nothing known, nothing to sweep); 0 or -ENOMEM
 * (then nothing is kept). */
static int clean_alloc(struct kmaps *km)
{
	size_t words = bit_words(km);

	kmaps_clean_forget(km);
	km->clean = calloc(words, sizeof(*km->clean));
	km->sweep_bits = calloc(words, sizeof(*km->sweep_bits));
	if (!km->clean || !km->sweep_bits) {
		kmaps_clean_forget(km); /* not known: every slot is zeroed */
		return -ENOMEM;
	}
	return 0;
}

void kmaps_clean_all(struct kmaps *km)
{
	if (!clean_alloc(km))
		memset(km->clean, 0xff, bit_words(km) * sizeof(*km->clean));
}

int kmaps_clean_take(struct kmaps *km, uint32_t s)
{
	int was;

	if (!km->clean || s >= km->capacity)
		return 0;
	was = bit_get(km->clean, s);
	bit_put(km->clean, s, 0);
	if (bit_get(km->sweep_bits, s)) { /* in use: the sweep leaves it */
		bit_put(km->sweep_bits, s, 0);
		km->n_sweep--;
	}
	return was;
}

void kmaps_clean_freed(struct kmaps *km, const uint32_t *slots, size_t n)
{
	if (!km->clean)
		return;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = slots[i];

		if (s >= km->capacity || bit_get(km->sweep_bits, s))
			continue;
		bit_put(km->clean, s, 0);
		bit_put(km->sweep_bits, s, 1);
		km->n_sweep++;
	}
}

void kmaps_clean_start(struct kmaps *km, const uint64_t *busy)
{
	size_t words = bit_words(km);

	if (km->clean || !busy || clean_alloc(km))
		return;
	for (size_t w = 0; w < words; w++) {
		uint64_t free_bits = ~busy[w];

		if (w == words - 1 && km->capacity % 64)
			free_bits &= ~0ULL >> (64 - km->capacity % 64);
		km->sweep_bits[w] = free_bits;
		km->n_sweep += (size_t)__builtin_popcountll(free_bits);
	}
}

int kmaps_sweep_counters(struct kmaps *km, size_t max, size_t *count)
{
	size_t words = bit_words(km), n = 0, cap;
	uint32_t *slots, w = km->sweep_from;
	int err;

	*count = 0;
	if (!km->clean || !km->n_sweep || !max)
		return 0;
	cap = km->n_sweep < max ? km->n_sweep : max;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	/* The next set bits from where the last sweep stopped, round. */
	for (size_t k = 0; k < words; k++, w = (w + 1) % words) {
		for (uint64_t v = km->sweep_bits[w]; v && n < cap; v &= v - 1)
			slots[n++] = w * 64 + (uint32_t)__builtin_ctzll(v);
		if (n == cap)
			break;
	}
	km->sweep_from = w;
	err = kmaps_reset_counters(km, slots, n, count);
	for (size_t i = 0; i < n; i++) {
		bit_put(km->sweep_bits, slots[i], 0);
		if (!err)
			bit_put(km->clean, slots[i], 1);
	}
	km->n_sweep -= n;
	free(slots);
	return err;
}
