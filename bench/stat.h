/* SPDX-License-Identifier: GPL-2.0-only */
/* Medians with min and max, for the benchmark tools (header-only). */
#ifndef XB_STAT_H
#define XB_STAT_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int xb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (n <= max_n); NAN when n is 0.  mn, mx may be NULL. */
static inline double xb_median(const double *v, int n, int max_n, double *mn,
			       double *mx)
{
	double t[256];

	if (mn)
		*mn = NAN;
	if (mx)
		*mx = NAN;
	if (n <= 0 || n > max_n || n > 256)
		return NAN;
	memcpy(t, v, (size_t)n * sizeof(*t));
	qsort(t, (size_t)n, sizeof(*t), xb_cmp_double);
	if (mn)
		*mn = t[0];
	if (mx)
		*mx = t[n - 1];
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

#endif
