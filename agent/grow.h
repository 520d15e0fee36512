/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Growing arrays by doubling: the one helper every growable array uses, so
 * the overflow checks are written once.
 */
#ifndef XDPFW_GROW_H
#define XDPFW_GROW_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The capacity to grow cap to for need elements: cap doubled (from min
 * when cap is 0) until it holds need; cap when it already does; 0 when
 * that overflows size-byte elements. */
static inline size_t grow_cap(size_t cap, size_t need, size_t min, size_t size)
{
	size_t ncap = cap ? cap : min;

	if (need <= cap)
		return cap;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return 0;
		ncap *= 2;
	}
	return ncap > SIZE_MAX / size ? 0 : ncap;
}

/* Room for need elements of size bytes in v, whose capacity is *cap: the
 * array (moved or not, *cap updated), or NULL when out of memory or too
 * large, v then left as it was. */
static inline void *grow(void *v, size_t *cap, size_t need, size_t size,
			 size_t min)
{
	size_t ncap = grow_cap(*cap, need, min, size);
	void *nv;

	if (!ncap)
		return NULL;
	if (ncap == *cap)
		return v;
	nv = realloc(v, ncap * size);
	if (nv)
		*cap = ncap;
	return nv;
}

#endif
