/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The diff between what the kernel enforces and a new rule set (pure):
 * which rules are added, removed and unchanged, which slot each rule gets,
 * and the kernel key writes that take the maps from one to the other.
 *
 * Slots: an unchanged rule keeps its slot (so its counters keep counting);
 * an added rule takes the lowest slot that was free before this reload, so
 * a slot freed by this reload is never reused by it.  Only when the table
 * would overflow in the transition (old + added > capacity) does the plan
 * say delete_first and reuse freed slots.
 */
#ifndef XDPFW_PLAN_H
#define XDPFW_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "kchange.h"
#include "ruleidx.h"

/* What the kernel holds: the slot table, indexed by slot. */
struct kview {
	const struct xdpfw_rule *table;
	uint32_t capacity;
};

struct plan {
	uint32_t *slots;     /* slot of each new rule */
	uint32_t *old_slots; /* its slot before, or RULEIDX_NONE: added */
	uint32_t *added;     /* positions in the new rule array */
	size_t n_added;
	uint32_t *removed;   /* slots */
	size_t n_removed;
	size_t n_unchanged;
	int delete_first;
	struct kop_list upserts;
	struct kop_list deletes;
	struct ruleidx removed_ix; /* over the table, the removed slots */
};

void plan_init(struct plan *p);
void plan_free(struct plan *p); /* NULL-safe */

/*
 * Rule-level diff and slot assignment, then the key writes for the changed
 * rules only (O(change) writes).  One pass over the table with look-ups in
 * new_ix (which indexes rules); the table itself needs no index.  -ENOSPC when the new
 * set exceeds the capacity, -ENOMEM.
 */
int plan_build(struct plan *p, const struct kview *old,
	       const struct xdpfw_rule *rules, size_t n,
	       const struct ruleidx *new_ix);

/*
 * Replace the key writes by a full comparison against the keys the kernel
 * maps really hold (actual, with their slots): writes whatever is missing or
 * wrong and deletes whatever is extra.  For start-up and SIGHUP.
 */
int plan_full_keys(struct plan *p, const struct xdpfw_rule *rules, size_t n,
		   const struct ruleidx *new_ix, struct kop *actual,
		   size_t n_actual);

/* The change kmaps_apply makes from p (rules: the new set); c borrows p's
 * arrays. */
void plan_kchange(const struct plan *p, const struct xdpfw_rule *rules,
		  struct kchange *c);

#endif
