/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The open addressing tables' upserts and deletes made in the kernel
 * (shared/xdpfw_kwrite.h, ebpf/kwrite.bpf.c): kmaps_oa.c lists them in its
 * order and they are made in runs of the program, instead of through
 * windows of the tables mapped here.  Only where plain stores are seen in
 * program order (x86-64): elsewhere, or where the program does not load
 * (no syscall programs or bpf_loop: before Linux 5.17), kmaps_oa.c maps
 * the tables as before.  Likewise the slot table's entries, the added
 * rules' counters (kmaps_slots.c) and the /24 table's words
 * (kmaps_v4tbl.c).
 *
 * Each of its three lists (records, puts, the /24 table's words) is used
 * by one thread at a time, but two lists may be on two threads at once:
 * a first load writes the /24 table beside the tables' keys (sync.c).
 */
#ifndef XDPFW_KWRITE_H_AGENT
#define XDPFW_KWRITE_H_AGENT

#include <stddef.h>
#include <stdint.h>

#include "xdpfw_kwrite.h"

struct kwrite;

/* The maps the writer writes: the five tables (descriptors, entries - 1,
 * in the order of enum oa, kmaps.h), the slot table, the counters, the
 * /24 table. */
struct kwrite_maps {
	int oa[XDPFW_KW_TABLES];
	uint32_t mask[XDPFW_KW_TABLES];
	int rules, rstats, v4tbl;
};

/* NULL with *err (-errno, or -ENOTSUP where plain stores may be seen out
 * of order). */
struct kwrite *kwrite_open(const struct kwrite_maps *maps, int *err);
void kwrite_free(struct kwrite *kw); /* NULL-safe */

/* One upsert (del 0) or delete of a key of table t (its words key[kw],
 * home entry home), whose outcome goes to *done once made (1 in the
 * table, 0 the overflow trie takes it): made in the order added, at the
 * latest by kwrite_flush().  0 or -errno (of a run this add made).  A run that
 * failed is not run again: its records are dropped, their outcomes 0. */
int kwrite_add(struct kwrite *kw, int t, int del, uint32_t home,
	       uint32_t slot1, const uint8_t *key, size_t klen, uint8_t *done);
int kwrite_flush(struct kwrite *kw);

/* An entry of the slot table written whole (table XDPFW_KW_RULES, the
 * rule's 6 words), or counter index zeroed (XDPFW_KW_RSTATS, w NULL): by
 * kwrite_put_flush() at the latest, in the order put.  0 or -errno; the
 * puts of a run that failed are dropped, not run again. */
int kwrite_put(struct kwrite *kw, int table, uint32_t index,
	       const uint32_t *w);
int kwrite_put_flush(struct kwrite *kw);

/* The /24 table's words ops[0, n) widened (widen: xdpfw_v4t_widen of
 * each op's val) or narrowed ((old & keep) | val), in order, each op's
 * old set to the word before it: in runs of XDPFW_KW_MAX, made before
 * this returns.  0 or -errno; after an error some runs may be made. */
int kwrite_v4t(struct kwrite *kw, int widen, struct xdpfw_kw_v4t_op *ops,
	       size_t n);

/* Records made, and runs of the program, since km's writer was loaded. */
void kwrite_counts(const struct kwrite *kw, size_t *recs, size_t *runs);

#endif
