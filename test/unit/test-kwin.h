/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A kview read a run at a time, as the daemon reads its slot table
 * (kmaps_slot_run): runs of at most KWIN_RUN entries, copied into a
 * buffer that every call first fills with junk.  A plan that keeps a
 * pointer into the table past the next call, or reads past the run it
 * got, reads junk, and its result differs from the whole table's.
 */
#ifndef XDPFW_TEST_KWIN_H
#define XDPFW_TEST_KWIN_H

#include <string.h>

#include "plan.h"

#define KWIN_RUN 3

struct kwin {
	const struct xdpfw_rule *table;
	uint32_t capacity;
	struct xdpfw_rule buf[KWIN_RUN + 1];
	unsigned runs;
};

static inline const struct xdpfw_rule *kwin_run(void *ctx, uint32_t s,
						uint32_t *n)
{
	struct kwin *w = ctx;

	memset(w->buf, 0xa5, sizeof(w->buf));
	if (s >= w->capacity)
		return NULL;
	*n = w->capacity - s < KWIN_RUN ? w->capacity - s : KWIN_RUN;
	memcpy(w->buf, &w->table[s], *n * sizeof(w->buf[0]));
	w->runs++;
	return w->buf;
}

static inline struct kview kwin_view(struct kwin *w,
				     const struct xdpfw_rule *table,
				     uint32_t capacity)
{
	struct kview v = { NULL, capacity, kwin_run, w };

	w->table = table;
	w->capacity = capacity;
	w->runs = 0;
	return v;
}

#endif
