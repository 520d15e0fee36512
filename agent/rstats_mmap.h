/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-rule counters (xdpfw_rstats, ncpus x max_rules, BPF_F_MMAPABLE)
 * read through a read-only mapping: summing a million slots is a scan of
 * memory (~32 MB on two CPUs, a few ms; mapped with MAP_POPULATE so that
 * the first scrape does not pay the page faults), where the batch lookup costs a
 * copy_to_user per element (~0.5 s on a busy 2-core VM).  Maps pinned by
 * an older build are not mmapable: rstats_mmap() fails (-EINVAL) and the
 * caller reads them with kmaps_read_slot_counters().
 */
#ifndef XDPFW_RSTATS_MMAP_H
#define XDPFW_RSTATS_MMAP_H

#include <stddef.h>
#include <stdint.h>

#include "kmaps.h"
#include "stats.h"

struct rstats_mmap {
	const struct xdpfw_counter *c; /* NULL: not mapped */
	size_t len;
	uint32_t capacity;
	int ncpus;
};

int rstats_mmap(struct rstats_mmap *m, const struct kmaps *km);
void rstats_munmap(struct rstats_mmap *m); /* NULL-safe, idempotent */

/* The rules in force among slots [first, first + n) of table, and the
 * ones whose counters (as above) are not zero, appended to *rows (grown
 * with realloc; *cap its size).  One pass over the memory, nothing
 * allocated per slot.  0 or -ENOMEM. */
int rstats_mmap_scan(const struct rstats_mmap *m,
		     const struct xdpfw_counter *rbase,
		     const struct xdpfw_rule *table, uint32_t first,
		     uint32_t n, size_t *in_force, struct stat_row **rows,
		     size_t *n_rows, size_t *cap);

#endif
