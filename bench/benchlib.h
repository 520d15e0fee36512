/* SPDX-License-Identifier: GPL-2.0-only */
/* What the benchmark tools share: dying with a message, an interface's MAC
 * address, medians with min and max. */
#ifndef XB_BENCHLIB_H
#define XB_BENCHLIB_H

#include <stdint.h>

/* "TOOL: message" on stderr, exit 1. */
__attribute__((format(printf, 1, 2), noreturn))
void xb_die(const char *fmt, ...);

/* The MAC address of ifname (dies when it cannot be read). */
void xb_get_mac(const char *ifname, uint8_t mac[6]);

/* Median of v[0..n) (n <= max_n, at most 256); NAN when n is 0.  mn, mx
 * may be NULL. */
double xb_median(const double *v, int n, int max_n, double *mn, double *mx);

#endif
