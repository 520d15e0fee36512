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

/* What the kernel holds: the slot table, indexed by slot.  Either the
 * whole table in memory (table), or, with table NULL, read a run at a
 * time: run(ctx, s, &n) gives entries [s, s + n), n >= 1, valid until its
 * next call, or NULL (-ENOMEM).  The daemon's table is read that way (an
 * mmap of the whole BPF array is resident in full: 24.5 MB at 1M), so the
 * plan reads it in slot order and keeps no pointer into it. */
struct kview {
	const struct xdpfw_rule *table;
	uint32_t capacity;
	const struct xdpfw_rule *(*run)(void *ctx, uint32_t s, uint32_t *n);
	void *ctx;
};

struct plan {
	uint32_t *slots;     /* slot of each new rule */
	uint32_t *old_slots; /* its slot before, or RULEIDX_NONE: added
			      * (NULL from plan_build_delta: see added) */
	uint32_t *added;     /* positions in the new rule array */
	size_t n_added;
	uint32_t *removed;   /* slots */
	size_t n_removed;
	size_t n_unchanged;
	int delete_first;
	/* Set by the caller before planning: the added address entries' keys
	 * are left out of upserts (kchange.h addr_upserts_implicit), also by
	 * a full comparison (plan_full_*). */
	int addr_upserts_implicit;
	/* Set by the caller when the maps hold no key (just created):
	 * a plan of a first load (nothing unchanged or removed) leaves
	 * the added port entries' keys to kmaps_apply too (kchange.h); any
	 * other plan clears it. */
	int port_upserts_implicit;
	struct kop_list upserts;
	struct kop_list deletes;
	/* The rules of the removed slots (removed[i]'s in removed_rules[i]),
	 * and their index (positions in removed_rules). */
	struct xdpfw_rule *removed_rules;
	struct ruleidx removed_ix;
	int borrowed_slots;  /* slots is the caller's (plan_build_delta) */
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
 * What changed since the table was last planned and applied, as the
 * caller kept it: the slot of each rule of the new set that was in the
 * table (tags, RULEIDX_NONE for those that arrived since: at the
 * positions arrived[], ascending), the rules that left with their slots,
 * and which slots are taken (busy, a bit per slot of the table).
 */
struct plan_delta {
	uint32_t *tags;
	const uint32_t *arrived;
	size_t n_arrived;
	const struct xdpfw_rule *gone;
	const uint32_t *gone_slots;
	size_t n_gone;
	const uint64_t *busy;
};

/*
 * plan_build() from d, without looking at the rest of the table: the same
 * slots, the same added and removed, the same key writes (added rules take
 * the lowest slots free before this reload).  d->tags become the slots of
 * every rule (p->slots borrows them).  -ESTALE when the table does not
 * hold what d says (use plan_build), -ENOSPC, -ENOMEM.
 */
int plan_build_delta(struct plan *p, const struct kview *old,
		     const struct xdpfw_rule *rules, size_t n,
		     const struct ruleidx *new_ix, const struct plan_delta *d);

/* After p was applied: busy (a bit per slot) follows the table: the
 * removed slots freed, the added ones taken. */
void plan_mark_busy(const struct plan *p, uint64_t *busy);

/* Was the rule at position pos of the new set added by p? */
int plan_is_added(const struct plan *p, uint32_t pos);

/*
 * Replace the key writes by a full comparison against the keys the kernel
 * maps really hold, with their slots: writes whatever is missing or wrong
 * and deletes whatever is extra.  For start-up, SIGHUP and repair.
 *
 * Streamed: plan_full_begin, then plan_full_held for each key the kernel
 * holds, as it is read (any order, no copy of them all is kept), then
 * plan_full_end (always: it frees).  p is planned against old (the slot
 * table, which must not change meanwhile).  A held key that points at a
 * slot whose rule stays there and made it is checked without a look-up
 * (against that rule of the new set: the table is not read);
 * any other names its owner through new_ix.  2 bits per slot say which
 * keys of its rule were held; those not held are written at the end.
 * With p->addr_upserts_implicit set, an added address entry's key is left
 * to kmaps_apply (it writes them all) whatever the kernel holds.
 */
#define PLAN_FULL_BLOCK 64
struct plan_full {
	struct plan *p;
	const struct kview *old;
	const struct xdpfw_rule *rules;
	size_t n;
	const struct ruleidx *ix;
	uint64_t *seen;  /* 2 bits per slot */
	uint32_t *kept;  /* per slot: the position of its rule in the new set
			  * when the rule stays there, else RULEIDX_NONE */
	struct kop blk[PLAN_FULL_BLOCK]; /* held keys looked at together */
	size_t nb;
	int err;
	/* The key writes found: p's, or a fork's own (plan_full_fork). */
	struct kop_list *upserts, *deletes;
	struct kop_list own_upserts, own_deletes;
};

int plan_full_begin(struct plan_full *f, struct plan *p,
		    const struct kview *old, const struct xdpfw_rule *rules,
		    size_t n, const struct ruleidx *new_ix);
int plan_full_held(struct plan_full *f, const struct kop *op);
int plan_full_end(struct plan_full *f);

/* For held keys read on another thread beside f: c shares f's plan,
 * rules and per-slot positions (all only read) and has its own seen bits
 * and key writes; plan_full_held(c, ...) on that thread, then, after it
 * ended and before plan_full_end(f), plan_full_join(f, c) folds c into f
 * and frees it (always; an error of c's becomes f's).  0 or -ENOMEM. */
int plan_full_fork(struct plan_full *c, const struct plan_full *f);
int plan_full_join(struct plan_full *f, struct plan_full *c);

/* The same over an array of held keys. */
int plan_full_keys(struct plan *p, const struct kview *old,
		   const struct xdpfw_rule *rules, size_t n,
		   const struct ruleidx *new_ix, const struct kop *actual,
		   size_t n_actual);

/* The change kmaps_apply makes from p (rules: the new set); c borrows p's
 * arrays. */
void plan_kchange(const struct plan *p, const struct xdpfw_rule *rules,
		  struct kchange *c);

#endif
