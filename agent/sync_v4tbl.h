/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IPv4 /24 table's part of a reload: from a plan, what the table
 * (kmaps_v4tbl.c) must change.  A full build indexes the whole set; an
 * incremental one recomputes only the ranges of the prefixes the plan
 * changed, helped by km's index of the set's prefixes (v4t_deep, kept
 * between reloads) and list of /25-/31 (v4t_lng).
 */
#ifndef XDPFW_SYNC_V4TBL_H
#define XDPFW_SYNC_V4TBL_H

#include <stddef.h>

#include "kmaps.h"
#include "plan.h"
#include "v4tbl.h"

/* The /24 table's change into c for a reload whose filters are only
 * widened: the ranges of the changed prefixes recomputed (they read the
 * plan's key lists) and the flags of the added entries; or, when the
 * change is too large for the ranges or reloads sent too many /24s to
 * the trie, a full build into vix as below.  Reads and writes km's state
 * of the incremental builds: on km's own thread.  0 or -ENOMEM. */
int sync_v4tbl_build(struct kmaps *km, struct v4tbl_change *c,
		     struct v4tbl_ix *vix, const struct xdpfw_rule *rules,
		     size_t n, const struct ruleidx *ix, const struct plan *p);

/* A full build, in two halves: km's state of the incremental builds reset
 * (on the thread that owns km), then the build from the rules and p's
 * slots only (any thread). */
void sync_v4tbl_reset(struct kmaps *km);
/* km's index of the IPv4 prefixes of the set in force (rules[0, n)),
 * which the next incremental build reads, made now if there is none (a
 * full build let it go): ~10 ms at 1M, after a reload rather than in
 * the next.  0 or -ENOMEM. */
int sync_v4tbl_prepare(struct kmaps *km, const struct xdpfw_rule *rules,
		       size_t n);
int sync_v4tbl_build_full(struct v4tbl_change *c, struct v4tbl_ix *vix,
			  const struct xdpfw_rule *rules, size_t n,
			  const struct plan *p);

#endif
