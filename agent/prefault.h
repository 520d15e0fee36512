/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fresh memory about to be written whole, in order, faulted in with one
 * call (MADV_POPULATE_WRITE, Linux 5.14) instead of a page fault per 4
 * KiB: where a fault is dear (a guest with paravirtualised page tables:
 * ~15 us each here, 64 MB touched in 240-313 ms against 100-160 ms
 * populated first) that halves what a large buffer's faults cost.  Not
 * for a table written at random over a parse (the index: populating it
 * first was slower, docs/bench/round2-sessions-10-14.md, session 12).
 * Only whole pages inside [p, p + len); nothing on a kernel without it
 * (the faults come as before).
 */
#ifndef XDPFW_PREFAULT_H
#define XDPFW_PREFAULT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Below this, the faults cost less than the call's page walk. */
#define PREFAULT_MIN ((size_t)1 << 20)

static inline void prefault(void *p, size_t len)
{
	uintptr_t pg, a, b;

	if (len < PREFAULT_MIN)
		return;
	pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	b = ((uintptr_t)p + len) & ~(pg - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
}

#endif
