/* SPDX-License-Identifier: GPL-2.0-only */
/* xdp-filter as bench-datapath's comparison (bench-xf.c). */
#ifndef XB_BENCH_XF_H
#define XB_BENCH_XF_H

#include <stddef.h>

struct xfinst {
	char label[32];
	char root[512];
	const char *file; /* NULL: per-case single address */
	int deny;         /* policy deny: verdicts inverted */
	int prog_fd, v4_fd, v6_fd;
	size_t n_v4, n_v6;
};

/* Find x's program and its maps under x->root, empty them, and fill them:
 * the hit addresses hits[0..n_hits) first (so they always fit), then the
 * address of every entry of x->file, when set.  Dies on error; says what
 * it loaded (xb_info). */
void xf_load(struct xfinst *x, const char *const *hits, size_t n_hits);

/* x's maps emptied, then holding text's address alone. */
void xf_set_single(struct xfinst *x, const char *text);

#endif
