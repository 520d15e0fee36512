/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The open addressing tables' writes done in the kernel (ebpf/kwrite.bpf.c,
 * agent/kwrite.c): user space lists the upserts and deletes in the order
 * kmaps_oa.c would make them, the program makes them through map value
 * pointers with kmaps_oa.c's logic and store order, and says which were
 * done in the table.  No table is mapped for it: mapping a window of a
 * BPF array inserts every page of it (a 1 % churn at 1M mapped 70k pages
 * of the five tables, ~30 ms).  Also the /24 table's words, whose old
 * values the daemon's bookkeeping needs back.
 */
#ifndef XDPFW_KWRITE_H
#define XDPFW_KWRITE_H

#include <linux/types.h>

#include "xdpfw_shared.h"

/* The tables, in the order of enum oa (agent/kmaps.h). */
#define XDPFW_KW_TABLES 5
/* Records a run of the program takes at most. */
#define XDPFW_KW_MAX 4096
/* Entries a delete gives back to empty at most (kmaps_oa.c too): a run
 * of deleted entries ending at an empty one, walked back. */
#define XDPFW_OA_RECLAIM_MAX 64

/* One upsert or delete of a key of table `table` (enum oa: IPv4 hosts,
 * IPv4 endpoints, IPv6 hosts, IPv6 endpoints, IPv6 classes). */
struct xdpfw_kw_rec {
	__u8 table;
	__u8 del;
	__u16 pad;
	__u32 home;   /* the key's home entry (its hash & the mask) */
	__u32 slot1;  /* an upsert's slot + 1 */
	__u32 key[5]; /* the key as the table holds it: 2 words or 5 */
};

/* The program's one map value: n records in, done[i] out (1: made in the
 * table; 0: the overflow trie takes it). */
struct xdpfw_kw_stage {
	__u32 n;
	__u32 mask[XDPFW_KW_TABLES]; /* each table's entries - 1 */
	__u32 pad[2];
	struct xdpfw_kw_rec rec[XDPFW_KW_MAX];
	__u8 done[XDPFW_KW_MAX];
};

/* Whole entries of the slot table (xdpfw_rules, 6 words) or zeroed
 * counters (xdpfw_rstats, index cpu * max_rules + slot): stores only, of
 * entries no key refers to (a slot is written before its keys and
 * cleared after them).  XDPFW_KW_MAX of them a run. */
#define XDPFW_KW_RULES 0
#define XDPFW_KW_RSTATS 1
struct xdpfw_kw_put {
	__u8 table;
	__u8 pad[3];
	__u32 index;
	__u32 w[6];
};

struct xdpfw_kw_puts {
	__u32 n;
	__u32 pad;
	struct xdpfw_kw_put put[XDPFW_KW_MAX];
};

/* The /24 table's words (xdpfw_v4_tbl), read, changed and written back
 * one op at a time, the word before each op returned in old: a reload's
 * widening (xdpfw_v4t_widen) or narrowing ((old & keep) | val), as
 * agent/kmaps_v4tbl.c makes them through its page runs, without mapping
 * them (a 1 % churn at 1M touched words in 13,600 of the table's 16k
 * pages).  XDPFW_KW_MAX of them a run, all of one kind. */
struct xdpfw_kw_v4t_op {
	__u32 idx;  /* the word: element idx >> 1, w[idx & 1] */
	__u32 val;
	__u32 keep; /* narrowing: the bits of the old word kept */
	__u32 old;  /* out: the word before this op */
};

struct xdpfw_kw_v4t {
	__u32 n;
	__u32 widen; /* 1 widening, 0 narrowing */
	struct xdpfw_kw_v4t_op op[XDPFW_KW_MAX];
};

/* The word old widened by val: flags OR-ed in, a non-zero slot written;
 * a word with a block whose slot changes, or that gets a /25-/31, goes
 * to the trie (its block no longer answers: xdpfw_shared.h, "xdpfw_v4_tbl").
 * The daemon's page runs and the kernel writer both use it. */
static inline __u32 xdpfw_v4t_widen(__u32 old, __u32 val)
{
	if ((old & XDPFW_V4T_L2) && !(val & XDPFW_V4T_FLAGS & ~XDPFW_V4T_TRIE))
		return (old & XDPFW_V4T_FLAGS & ~XDPFW_V4T_L2) | XDPFW_V4T_TRIE |
		       (val & XDPFW_V4T_SLOT);
	if (val & XDPFW_V4T_FLAGS)
		return old | val;
	if (val)
		return (old & XDPFW_V4T_FLAGS) | val;
	return old;
}

#endif
