/* SPDX-License-Identifier: GPL-2.0-only */
/* What kmaps.c, kmaps_read.c and kmaps_write.c share; not for other
 * modules. */
#ifndef XDPFW_KMAPS_INT_H
#define XDPFW_KMAPS_INT_H

#include <bpf/bpf.h>

#include "kmaps.h"

/* Entries per batch map operation. */
#define KMAPS_BATCH_CHUNK 4096

/* The kernel's description of map fd into info (zeroed first): 0, or
 * -errno. */
int kmaps_map_info(int fd, struct bpf_map_info *info);

/* errno of a batch operation that this kernel does not have. */
int kmaps_batch_refused(int e);
/* Remember (and log once) that batch operations are refused. */
void kmaps_no_batch(struct kmaps *km);
/* Did a migration ever carry counts into the bases? */
int kmaps_have_bases(const struct kmaps *km);

/* kmaps_oa.c: the size of an entry of table t. */
size_t kmaps_oa_esize(enum oa t);
/* Unmap the tables' windows. */
void kmaps_oa_unmap(struct kmaps *km);
/* Upserts or deletes of m (which has a table) done in its table; the ones
 * left for its overflow trie are moved to ops[0..*rest).  0 or -errno. */
int kmaps_oa_write(struct kmaps *km, enum kmap m, struct kop *ops, size_t n,
		   int del, size_t *rest, size_t *count);
/* Upserts and deletes of m (which has a table) in one pass over its
 * windows, the upserts of a window before the deletes that could free an
 * entry they probe; the ones left for the overflow trie are moved to the
 * front (*rest_u, *rest_d).  0 or -errno. */
int kmaps_oa_write_pair(struct kmaps *km, enum kmap m, struct kop *ups,
			size_t nu, struct kop *dels, size_t nd, size_t *rest_u,
			size_t *rest_d, size_t *count);
/* After deletes from m's overflow map: once it is empty, clear the table's
 * overflow marks so that no lookup goes there for nothing. */
int kmaps_oa_sweep(struct kmaps *km, enum kmap m);
/* The write buckets of the tables (a window of OA_WIN bytes each, as
 * kmaps_oa_write orders its writes): table t's are [base[t], base[t + 1]).
 * The bucket of key k, or UINT32_MAX when no table takes it. */
void kmaps_oa_bucket_bases(const struct kmaps *km, uint32_t base[OA_N + 1]);
uint32_t kmaps_oa_bucket(const struct kmaps *km, const uint32_t *base,
			 const struct kkey *k);

/* kmaps_ovf.c: is lookup map m's overflow map empty (1), or not (0);
 * -errno. */
int kmaps_ovf_empty(struct kmaps *km, enum kmap m);
/* The ops done[] (deleted from m's table) deleted from m's overflow map
 * too, where another process put a copy (none is expected, none is
 * counted).  0 or -errno. */
int kmaps_ovf_purge(struct kmaps *km, enum kmap m, const struct kop *ops,
		    const uint8_t *done, size_t n);

/* kmaps_clean.c: every slot's counters known zero (maps just created);
 * slot s taken by a rule (1: its counters were known zero, 0: zero them);
 * slots freed by a reload, for the sweep; nothing known any more. */
void kmaps_clean_all(struct kmaps *km);
int kmaps_clean_take(struct kmaps *km, uint32_t s);
void kmaps_clean_freed(struct kmaps *km, const uint32_t *slots, size_t n);
void kmaps_clean_forget(struct kmaps *km);

/* kmaps_slots.c: the counters of slots zeroed on every CPU (*count: the
 * counters); the removed slots' entries zeroed; the added rules' entries
 * written (p->slots of p->added).  0 or -errno (st->failed_map named). */
int kmaps_reset_counters(struct kmaps *km, const uint32_t *slots, size_t n,
			 size_t *count);
int kmaps_clear_slots(struct kmaps *km, const uint32_t *slots, size_t n,
		      struct apply_stats *st);
int kmaps_write_slots(struct kmaps *km, const struct kchange *p,
		      struct apply_stats *st);

/* kmaps_write.c: ops written (grouped by map here), upserts or deletes. */
int kmaps_write_kops(struct kmaps *km, struct kop *ops, size_t n, int del,
		     struct apply_stats *st);
/* kmaps_bulk.c: the keys of the added address entries (and port entries
 * when kchange.port_upserts_implicit), written a chunk at a time. */
int kmaps_write_added(struct kmaps *km, const struct kchange *p,
		      struct apply_stats *st);

/* kmaps_v4tbl_read.c: is the table the one of layout 5? */
int kmaps_v4tbl_check(struct kmaps *km);
/* kmaps_v4tbl.c: the two halves of a change (kmaps_apply): after the key
 * upserts (what the second half must do goes to narrow), after the key
 * deletes. */
int kmaps_v4tbl_widen(struct kmaps *km, struct v4tbl_change *c,
		      struct v4tbl_change *narrow, size_t *count);
int kmaps_v4tbl_narrow(struct kmaps *km, const struct v4tbl_change *c,
		       const struct v4tbl_change *narrow, size_t *count);

#endif
