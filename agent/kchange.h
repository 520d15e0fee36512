/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A change to the kernel's maps, as kmaps_apply takes it: key writes (a
 * plan's, an audit's repair) and the slots whose rules come and go.  The
 * one type the planner, the audit and the writer share, so that none of
 * them needs the others' insides.
 */
#ifndef XDPFW_KCHANGE_H
#define XDPFW_KCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "ruleidx.h"
#include "v4tbl.h"

/* A key write: an upsert (key -> slot) or a delete (slot unused). */
struct kop {
	struct kkey key;
	uint32_t slot;
};

struct kop_list {
	struct kop *v;
	size_t n, cap;
};

/* Append; 0 or -ENOMEM. */
int kop_list_push(struct kop_list *l, const struct kkey *k, uint32_t slot);

struct kchange {
	struct kop_list upserts, deletes;
	/* Added rules: rules[added[i]] goes to slot slots[added[i]]
	 * (none: n_added 0, the pointers may be NULL). */
	const struct xdpfw_rule *rules;
	const uint32_t *slots, *added;
	size_t n_added;
	const uint32_t *removed; /* slots freed */
	size_t n_removed;
	/* Not enough free slots for the transition: delete the removed
	 * rules' keys first and reuse their slots. */
	int delete_first;
	/* The key of each added address entry (no port: its key is its own)
	 * is an upsert too, not listed in upserts: kmaps_apply makes them a
	 * chunk at a time (a first load's 700k such keys would be 22 MB of
	 * kops at the daemon's peak). */
	int addr_upserts_implicit;
	/* The same for the added port entries' keys (a first load into maps
	 * just created: nothing held a key before), but for the key of an
	 * any-protocol entry that its protocol-specific twin owns (found
	 * in ix, which indexes rules). */
	int port_upserts_implicit;
	const struct ruleidx *ix;
	/* The IPv4 /24 table's change (NULL: none; the caller's). */
	struct v4tbl_change *v4t;
	/* NULL, or called before the filters and v4t are first read: they
	 * may still be being built on another thread while the keys are
	 * written (a load into maps just created).  Non-zero: an error,
	 * which kmaps_apply returns. */
	int (*derived)(void *ctx);
	void *derived_ctx;
};

#endif
