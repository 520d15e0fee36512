/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An index over an array of struct xdpfw_rule owned by the caller: open
 * addressing, one uint32_t per bucket (position + 1; 0 = empty), no per-entry
 * allocation.  Used for duplicate detection while parsing, and for
 * rule -> slot look-ups while diffing against the kernel.
 * The array may move (realloc) between calls: every call takes its base.
 */
#ifndef XDPFW_RULEIDX_H
#define XDPFW_RULEIDX_H

#include <stddef.h>
#include <stdint.h>

#include "xdpfw_shared.h"

#define RULEIDX_NONE UINT32_MAX

struct ruleidx {
	uint32_t *tab;
	uint32_t mask; /* capacity - 1, capacity a power of two */
	size_t n;
};

int ruleidx_init(struct ruleidx *ix, size_t expect);
void ruleidx_free(struct ruleidx *ix);

/* Index base[pos].  When an equal rule is indexed already, returns its
 * position and indexes nothing; else RULEIDX_NONE.  -ENOMEM is returned as
 * RULEIDX_NONE - 1 (check with ruleidx_failed()). */
uint32_t ruleidx_add(struct ruleidx *ix, const struct xdpfw_rule *base,
		     uint32_t pos);
static inline int ruleidx_failed(uint32_t r)
{
	return r == RULEIDX_NONE - 1;
}

/* Forget position pos (indexed, base[pos] unchanged since).  0, or
 * -ENOENT when pos is not indexed. */
int ruleidx_remove(struct ruleidx *ix, const struct xdpfw_rule *base,
		   uint32_t pos);

/* Position of the rule equal to *r, or RULEIDX_NONE. */
uint32_t ruleidx_find(const struct ruleidx *ix, const struct xdpfw_rule *base,
		      const struct xdpfw_rule *r);

uint64_t rule_hash(const struct xdpfw_rule *r);
int rule_equal(const struct xdpfw_rule *a, const struct xdpfw_rule *b);

/* Start loading the bucket a later ruleidx_add/find of r reads first. */
static inline void ruleidx_prefetch(const struct ruleidx *ix,
				    const struct xdpfw_rule *r)
{
	__builtin_prefetch(&ix->tab[(uint32_t)rule_hash(r) & ix->mask]);
}

/* Then (its bucket loaded by now) the entry that bucket names first. */
static inline void ruleidx_prefetch_entry(const struct ruleidx *ix,
					  const struct xdpfw_rule *base,
					  const struct xdpfw_rule *r)
{
	uint32_t v = ix->tab[(uint32_t)rule_hash(r) & ix->mask];

	if (v)
		__builtin_prefetch(&base[v - 1]);
}

#endif
