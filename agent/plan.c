// SPDX-License-Identifier: GPL-2.0-only
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	if (!p->borrowed_slots)
		free(p->slots);
	free(p->old_slots);
	free(p->added);
	free(p->removed);
	free(p->removed_rules);
	free(p->upserts.v);
	free(p->deletes.v);
	ruleidx_free(&p->removed_ix);
	plan_init(p);
}

/* Entries [s, s + *n) of the old table (*n >= 1), or NULL. */
static const struct xdpfw_rule *kv_run(const struct kview *v, uint32_t s,
				       uint32_t *n)
{
	if (v->table) {
		*n = v->capacity - s;
		return &v->table[s];
	}
	return v->run(v->ctx, s, n);
}

/* Entry s of the old table through the run in *c (refilled when s is not
 * in it), or NULL: a reader in slot order pays one run per window. */
struct kv_cursor {
	const struct xdpfw_rule *at;
	uint32_t first, n;
};

static const struct xdpfw_rule *kv_at(const struct kview *v,
				      struct kv_cursor *c, uint32_t s)
{
	if (!c->at || s < c->first || s - c->first >= c->n) {
		c->at = kv_run(v, s, &c->n);
		c->first = s;
		if (!c->at)
			return NULL;
	}
	return &c->at[s - c->first];
}

void plan_kchange(const struct plan *p, const struct xdpfw_rule *rules,
		  struct kchange *c)
{
	c->upserts = p->upserts;
	c->deletes = p->deletes;
	c->rules = rules;
	c->slots = p->slots;
	c->added = p->added;
	c->n_added = p->n_added;
	c->removed = p->removed;
	c->n_removed = p->n_removed;
	c->delete_first = p->delete_first;
	c->addr_upserts_implicit = p->addr_upserts_implicit;
	c->port_upserts_implicit = p->port_upserts_implicit;
}

/* The two sides of a diff, as look-ups.  The old side is not indexed as a
 * whole: a rule was in the kernel if it is in the new set with an old slot,
 * or among the (few) removed rules. */
struct diff_view {
	const struct plan *p;
	const struct kview *old;
	const struct xdpfw_rule *rules;
	const struct ruleidx *new_ix;
	int old_empty; /* no rule was in the kernel (a first load) */
};

/* Was the rule at pos of the new set added (plan_build_delta's plans
 * have no old_slots; their added[] is ascending)? */
static int was_added(const struct plan *p, uint32_t pos)
{
	size_t lo = 0, hi = p->n_added;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->added[mid] < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n_added && p->added[lo] == pos;
}

static uint32_t old_slot_of(const void *ctx, const struct xdpfw_rule *r)
{
	const struct diff_view *v = ctx;
	uint32_t pos = ruleidx_find(v->new_ix, v->rules, r);

	if (pos != RULEIDX_NONE && v->p->old_slots &&
	    v->p->old_slots[pos] != RULEIDX_NONE)
		return v->p->old_slots[pos];
	if (pos != RULEIDX_NONE && !v->p->old_slots && !was_added(v->p, pos))
		return v->p->slots[pos];
	pos = ruleidx_find(&v->p->removed_ix, v->p->removed_rules, r);
	return pos == RULEIDX_NONE ? RULEIDX_NONE : v->p->removed[pos];
}

static uint32_t new_slot_of(const void *ctx, const struct xdpfw_rule *r)
{
	const struct diff_view *v = ctx;
	uint32_t pos = ruleidx_find(v->new_ix, v->rules, r);

	return pos == RULEIDX_NONE ? RULEIDX_NONE : v->p->slots[pos];
}

/* Key writes for one key of a changed rule r. */
static int plan_key(struct plan *p, const struct diff_view *v,
		    const struct xdpfw_rule *r, const struct kkey *k)
{
	uint32_t was = kkey_owner(old_slot_of, v, r, k);
	uint32_t now = kkey_owner(new_slot_of, v, r, k);

	if (now != RULEIDX_NONE) {
		if (was == now)
			return 0;
		return kop_list_push(&p->upserts, k, now);
	}
	if (was != RULEIDX_NONE)
		return kop_list_push(&p->deletes, k, 0);
	return 0;
}

/* "X:53" and "X:53/udp" share the UDP key: when both changed, handle the
 * key once, from the protocol-specific rule. */
static int key_handled_by_specific(const struct diff_view *v,
				   const struct xdpfw_rule *r,
				   const struct kkey *k)
{
	struct xdpfw_rule twin = *r;

	if (!r->port || r->proto != XDPFW_PROTO_ANY)
		return 0;
	twin.proto = k->proto;
	return (old_slot_of(v, &twin) != RULEIDX_NONE) !=
	       (new_slot_of(v, &twin) != RULEIDX_NONE);
}

static int plan_rule_keys(struct plan *p, const struct diff_view *v,
			  const struct xdpfw_rule *r, uint32_t slot, int added)
{
	struct kkey keys[2];
	int n = rule_kkeys(r, keys), err;

	/* An address entry's key is its own, in either set: no look-ups
	 * (most of a large rule set, and every one of an initial load). */
	if (!r->port && added && p->addr_upserts_implicit)
		return 0;
	if (!r->port)
		return added ? kop_list_push(&p->upserts, &keys[0], slot) :
			       kop_list_push(&p->deletes, &keys[0], 0);

	if (added && p->port_upserts_implicit)
		return 0;
	for (int i = 0; i < n; i++) {
		if (v->old_empty) {
			/* Nothing held a key before (a first load): each
			 * key goes to its owner in the new set, this rule,
			 * unless an any-protocol entry has a twin for the
			 * key's protocol (which writes it).  What plan_key
			 * decides, without its look-ups of the old side. */
			struct xdpfw_rule twin = *r;

			twin.proto = keys[i].proto;
			if (r->proto == XDPFW_PROTO_ANY &&
			    new_slot_of(v, &twin) != RULEIDX_NONE)
				continue;
			err = kop_list_push(&p->upserts, &keys[i], slot);
		} else if (key_handled_by_specific(v, r, &keys[i])) {
			continue;
		} else {
			err = plan_key(p, v, r, &keys[i]);
		}
		if (err)
			return err;
	}
	return 0;
}

static int push_removed(struct plan *p, uint32_t s, size_t *cap)
{
	uint32_t *nv = grow(p->removed, cap, p->n_removed + 1, sizeof(*nv), 64);

	if (!nv)
		return -ENOMEM;
	p->removed = nv;
	p->removed[p->n_removed++] = s;
	return 0;
}

/* The removed slots' rules copied (removed[] ascending: one run of the
 * table after another; unless match_gone took them from its delta), and
 * indexed. */
static int index_removed(struct plan *p, const struct kview *old)
{
	struct kv_cursor c = { 0 };
	int err;

	if (!p->removed_rules) {
		p->removed_rules = malloc((p->n_removed ? p->n_removed : 1) *
					  sizeof(*p->removed_rules));
		if (!p->removed_rules)
			return -ENOMEM;
		for (size_t i = 0; i < p->n_removed; i++) {
			const struct xdpfw_rule *r = kv_at(old, &c, p->removed[i]);

			if (!r)
				return -ENOMEM;
			p->removed_rules[i] = *r;
		}
	}
	err = ruleidx_init(&p->removed_ix, p->n_removed);
	for (size_t i = 0; !err && i < p->n_removed; i++)
		if (ruleidx_failed(ruleidx_add(&p->removed_ix, p->removed_rules,
					       (uint32_t)i)))
			err = -ENOMEM;
	return err;
}

/* One pass over the kernel's table: a rule of the new set keeps its
 * slot; anything else there is removed (also a second slot holding the
 * same rule, which only a crash or a foreign writer leaves). */
static int match_old_slots(struct plan *p, const struct kview *old,
			   const struct xdpfw_rule *rules,
			   const struct ruleidx *new_ix)
{
	size_t removed_cap = 0;
	uint32_t n = 0;
	int err = 0;

	for (uint32_t first = 0; first < old->capacity; first += n) {
		const struct xdpfw_rule *t = kv_run(old, first, &n);

		if (!t)
			return -ENOMEM;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t pos;

			/* The look-ups are random accesses into the index,
			 * then into the rules: start the bucket 16 slots
			 * ahead and the rule it names 8 ahead (within the
			 * run), so that both misses overlap others. */
			if (i + 16 < n && t[i + 16].family)
				ruleidx_prefetch(new_ix, &t[i + 16]);
			if (i + 8 < n && t[i + 8].family)
				ruleidx_prefetch_entry(new_ix, rules, &t[i + 8]);
			if (!t[i].family)
				continue;
			pos = ruleidx_find(new_ix, rules, &t[i]);
			if (pos != RULEIDX_NONE &&
			    p->old_slots[pos] == RULEIDX_NONE) {
				p->old_slots[pos] = first + i;
				p->n_unchanged++;
				continue;
			}
			err = push_removed(p, first + i, &removed_cap);
			if (err)
				return err;
		}
	}
	return index_removed(p, old);
}

/* A slot for every added rule: the lowest free before this reload, else
 * (the transition would overflow) one of a removed rule, deleted first. */
static int assign_new_slots(struct plan *p, const struct kview *old, size_t n)
{
	uint32_t next_free = 0, next_reuse = 0;
	struct kv_cursor c = { 0 };

	for (size_t i = 0; i < n; i++) {
		uint32_t s = p->old_slots[i];

		if (s == RULEIDX_NONE) {
			const struct xdpfw_rule *r;

			while (next_free < old->capacity) {
				r = kv_at(old, &c, next_free);
				if (!r)
					return -ENOMEM;
				if (!r->family)
					break;
				next_free++;
			}
			if (next_free < old->capacity) {
				s = next_free++;
			} else {
				if (next_reuse >= p->n_removed)
					return -ENOSPC;
				p->delete_first = 1;
				s = p->removed[next_reuse++];
			}
			p->added[p->n_added++] = (uint32_t)i;
		}
		p->slots[i] = s;
	}
	return 0;
}

/* The key writes of the added, then of the removed rules. */
static int plan_keys(struct plan *p, const struct kview *old,
		     const struct xdpfw_rule *rules, const struct ruleidx *new_ix)
{
	struct diff_view v = { p, old, rules, new_ix,
			       !p->n_unchanged && !p->n_removed };
	int err = 0;

	p->port_upserts_implicit &= p->addr_upserts_implicit && v.old_empty;

	for (size_t i = 0; !err && i < p->n_added; i++)
		err = plan_rule_keys(p, &v, &rules[p->added[i]],
				     p->slots[p->added[i]], 1);
	for (size_t i = 0; !err && i < p->n_removed; i++)
		err = plan_rule_keys(p, &v, &p->removed_rules[i],
				     p->removed[i], 0);
	return err;
}

int plan_build(struct plan *p, const struct kview *old,
	       const struct xdpfw_rule *rules, size_t n,
	       const struct ruleidx *new_ix)
{
	int err;

	if (n > old->capacity)
		return -ENOSPC;
	p->slots = malloc((n ? n : 1) * sizeof(*p->slots));
	p->old_slots = malloc((n ? n : 1) * sizeof(*p->old_slots));
	p->added = malloc((n ? n : 1) * sizeof(*p->added));
	if (!p->slots || !p->old_slots || !p->added)
		return -ENOMEM;
	memset(p->old_slots, 0xff, (n ? n : 1) * sizeof(*p->old_slots));

	err = match_old_slots(p, old, rules, new_ix);
	if (!err)
		err = assign_new_slots(p, old, n);
	if (!err)
		err = plan_keys(p, old, rules, new_ix);
	return err;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Does the table hold each rule that left where d says?  Read in slot
 * order.  1, 0, or -ENOMEM. */
static int gone_in_place(const struct kview *old, const struct plan_delta *d)
{
	uint64_t *order = malloc((d->n_gone ? d->n_gone : 1) * sizeof(*order));
	struct kv_cursor c = { 0 };
	int ok = 1;

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_gone; i++)
		order[i] = (uint64_t)d->gone_slots[i] << 32 | i;
	qsort(order, d->n_gone, sizeof(*order), u64_cmp);
	for (size_t j = 0; j < d->n_gone && ok == 1; j++) {
		uint32_t s = (uint32_t)(order[j] >> 32), i = (uint32_t)order[j];
		const struct xdpfw_rule *r;

		if (s >= old->capacity) {
			ok = 0;
			break;
		}
		r = kv_at(old, &c, s);
		ok = !r ? -ENOMEM : rule_equal(r, &d->gone[i]);
	}
	free(order);
	return ok;
}

/* The rules that left: back in the set (moved), or removed; the table
 * must hold each where d says (gone_in_place compares every byte), so
 * the removed ones' rules are d's (removed[] ascending): index_removed
 * reads no window of the table again (a 1 % churn: 10,000 slots spread
 * over all of its 32 windows, 6,000 pages mapped). */
static int match_gone(struct plan *p, const struct kview *old,
		      const struct xdpfw_rule *rules,
		      const struct ruleidx *new_ix, const struct plan_delta *d)
{
	uint64_t *at = malloc((d->n_gone ? d->n_gone : 1) * sizeof(*at));
	size_t n = 0;
	int ok = at ? gone_in_place(old, d) : -ENOMEM;

	for (size_t i = 0; ok > 0 && i < d->n_gone; i++) {
		uint32_t s = d->gone_slots[i], pos;

		pos = ruleidx_find(new_ix, rules, &d->gone[i]);
		if (pos != RULEIDX_NONE && d->tags[pos] == RULEIDX_NONE)
			d->tags[pos] = s;
		else if (pos != RULEIDX_NONE)
			ok = 0;
		else
			at[n++] = (uint64_t)s << 32 | i; /* slot, then gone[i] */
	}
	if (ok > 0) {
		qsort(at, n, sizeof(*at), u64_cmp);
		p->removed = malloc((n ? n : 1) * sizeof(*p->removed));
		p->removed_rules = malloc((n ? n : 1) * sizeof(*p->removed_rules));
		ok = p->removed && p->removed_rules ? 1 : -ENOMEM;
	}
	for (size_t k = 0; ok > 0 && k < n; k++) {
		p->removed[k] = (uint32_t)(at[k] >> 32);
		p->removed_rules[k] = d->gone[(uint32_t)at[k]];
	}
	p->n_removed = ok > 0 ? n : 0;
	free(at);
	return ok < 0 ? ok : ok ? 0 : -ESTALE;
}

/* The lowest slot at or after from that is free in busy (and the table). */
static uint32_t next_free(const struct kview *old, const uint64_t *busy,
			  uint32_t from)
{
	uint32_t s = from;

	while (s < old->capacity) {
		uint64_t w = ~busy[s / 64] & (~0ULL << (s % 64));

		if (w) {
			s = (s & ~63u) + (uint32_t)__builtin_ctzll(w);
			return s < old->capacity ? s : old->capacity;
		}
		s = (s & ~63u) + 64;
	}
	return old->capacity;
}

static int assign_arrived(struct plan *p, const struct kview *old,
			  const struct plan_delta *d)
{
	uint32_t free_at = 0, next_reuse = 0;
	struct kv_cursor c = { 0 };

	for (size_t i = 0; i < d->n_arrived; i++) {
		uint32_t pos = d->arrived[i], s;

		if (d->tags[pos] != RULEIDX_NONE)
			continue;
		free_at = next_free(old, d->busy, free_at);
		if (free_at < old->capacity) {
			const struct xdpfw_rule *r = kv_at(old, &c, free_at);

			if (!r)
				return -ENOMEM;
			s = free_at++;
			if (r->family)
				return -ESTALE;
		} else {
			if (next_reuse >= p->n_removed)
				return -ENOSPC;
			p->delete_first = 1;
			s = p->removed[next_reuse++];
		}
		d->tags[pos] = s;
		p->added[p->n_added++] = pos;
	}
	return 0;
}

int plan_build_delta(struct plan *p, const struct kview *old,
		     const struct xdpfw_rule *rules, size_t n,
		     const struct ruleidx *new_ix, const struct plan_delta *d)
{
	int err;

	if (n > old->capacity)
		return -ENOSPC;
	p->slots = d->tags;
	p->borrowed_slots = 1;
	p->added = malloc((d->n_arrived ? d->n_arrived : 1) * sizeof(*p->added));
	if (!p->added)
		return -ENOMEM;
	err = match_gone(p, old, rules, new_ix, d);
	if (!err)
		err = assign_arrived(p, old, d);
	if (err)
		return err;
	p->n_unchanged = n - p->n_added;
	err = index_removed(p, old);
	if (!err)
		err = plan_keys(p, old, rules, new_ix);
	return err;
}

void plan_mark_busy(const struct plan *p, uint64_t *busy)
{
	for (size_t i = 0; i < p->n_removed; i++)
		busy[p->removed[i] / 64] &= ~(1ULL << (p->removed[i] % 64));
	for (size_t i = 0; i < p->n_added; i++) {
		uint32_t s = p->slots[p->added[i]];

		busy[s / 64] |= 1ULL << (s % 64);
	}
}

/* Was the rule at pos of the new set added by this plan? */
static int is_added(const struct plan *p, uint32_t pos)
{
	return p->old_slots ? p->old_slots[pos] == RULEIDX_NONE :
			      was_added(p, pos);
}

/* An added address entry's key is written by kmaps_apply anyway. */
static int key_implicit(const struct plan_full *f, uint32_t pos)
{
	return (f->rules[pos].port ? f->p->port_upserts_implicit :
				     f->p->addr_upserts_implicit) &&
	       is_added(f->p, pos);
}

static void bit_set(uint64_t *v, size_t bit)
{
	v[bit / 64] |= 1ULL << (bit % 64);
}

/* Key which of the rule the new set puts in slot s was held; a rule with
 * one key has its second bit set with the first. */
static void mark_seen(struct plan_full *f, uint32_t s, int which, int nk)
{
	bit_set(f->seen, 2 * (size_t)s + (size_t)which);
	if (nk == 1)
		bit_set(f->seen, 2 * (size_t)s + 1);
}

/* The rule of the set equal to *r but for the protected kind of an
 * exception (the key does not say it; at most one such rule owns the key). */
static uint32_t find_flagged(const struct plan_full *f, struct xdpfw_rule *r)
{
	uint32_t pos = ruleidx_find(f->ix, f->rules, r);

	for (unsigned kind = 1; pos == RULEIDX_NONE &&
	     (r->flags & XDPFW_RULE_EXCEPT) &&
	     kind <= XDPFW_RULE_PROTECT_MASK >> XDPFW_RULE_PROTECT_SHIFT; kind++) {
		r->flags = (uint8_t)(XDPFW_RULE_EXCEPT |
				     kind << XDPFW_RULE_PROTECT_SHIFT);
		pos = ruleidx_find(f->ix, f->rules, r);
	}
	return pos;
}

/* Which key of rule r k is, or -1; *nk: how many r has. */
static int key_of(const struct xdpfw_rule *r, const struct kkey *k, int *nk)
{
	struct kkey keys[2];

	*nk = rule_kkeys(r, keys);
	for (int i = 0; i < *nk; i++)
		if (!kkey_cmp(&keys[i], k))
			return i;
	return -1;
}

/* Is key k of the any-protocol port entry r owned by its protocol-specific
 * twin in the new set? */
static int twin_owns(const struct plan_full *f, const struct xdpfw_rule *r,
		     const struct kkey *k)
{
	struct xdpfw_rule twin = *r;

	if (!r->port || r->proto != XDPFW_PROTO_ANY)
		return 0;
	twin.proto = k->proto;
	return ruleidx_find(f->ix, f->rules, &twin) != RULEIDX_NONE;
}

/* The rule of the new set that owns held key k (*which: which of its
 * keys k is; *nk: how many it has), or RULEIDX_NONE.  The protocol-specific
 * entry owns a port key, else the any-protocol one (kkey_owner); the
 * owner's own key must be k byte for byte (a key with stray bits is
 * nobody's). */
static uint32_t held_owner(const struct plan_full *f, const struct kkey *k,
			   int *which, int *nk)
{
	struct xdpfw_rule r;
	uint32_t pos;

	kkey_rule(k, &r);
	pos = find_flagged(f, &r);
	if (pos == RULEIDX_NONE && r.port && r.proto != XDPFW_PROTO_ANY) {
		kkey_rule(k, &r);
		r.proto = XDPFW_PROTO_ANY;
		pos = find_flagged(f, &r);
	}
	if (pos == RULEIDX_NONE)
		return RULEIDX_NONE;
	*which = key_of(&f->rules[pos], k, nk);
	return *which < 0 ? RULEIDX_NONE : pos;
}

/* The usual case: the key points at a slot whose rule stays there and
 * made it.  Nothing to write, unless a protocol-specific twin owns the key
 * now: then the twin's key is not seen at the twin's slot, and the end
 * writes it there (no look-up here for the twin). */
static int held_in_place(struct plan_full *f, const struct kop *op)
{
	int which, nk;

	if (op->slot >= f->old->capacity || f->kept[op->slot] == RULEIDX_NONE)
		return 0;
	/* The rule that stays there: the one the table holds. */
	which = key_of(&f->rules[f->kept[op->slot]], &op->key, &nk);
	if (which < 0)
		return 0;
	mark_seen(f, op->slot, which, nk);
	return 1;
}

/* Any other held key: its owner in the new set, looked up; the key is
 * written to the owner's slot, or deleted when nobody owns it. */
static int held_elsewhere(struct plan_full *f, const struct kop *op)
{
	int which, nk;
	uint32_t pos = held_owner(f, &op->key, &which, &nk), s;

	if (pos == RULEIDX_NONE)
		return kop_list_push(&f->p->deletes, &op->key, 0);
	s = f->p->slots[pos];
	mark_seen(f, s, which, nk);
	if (op->slot == s || key_implicit(f, pos))
		return 0;
	return kop_list_push(&f->p->upserts, &op->key, s);
}

/* The first n held keys of the block, then the rest moved to the front.
 * Each key's slot table entry was prefetched when the key came in, a
 * block ahead of this: the cache misses of a million random reads overlap
 * instead of adding up. */
static int full_block(struct plan_full *f, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		if (!held_in_place(f, &f->blk[i]))
			err = held_elsewhere(f, &f->blk[i]);
	memmove(f->blk, f->blk + n, (f->nb - n) * sizeof(f->blk[0]));
	f->nb -= n;
	return err;
}

int plan_full_begin(struct plan_full *f, struct plan *p,
		    const struct kview *old, const struct xdpfw_rule *rules,
		    size_t n, const struct ruleidx *new_ix)
{
	size_t words = (old->capacity + 63) / 64 + 1;

	memset(f, 0, sizeof(*f));
	f->p = p;
	f->old = old;
	f->rules = rules;
	f->n = n;
	f->ix = new_ix;
	p->upserts.n = 0;
	p->deletes.n = 0;
	f->seen = calloc(2 * words, sizeof(*f->seen));
	f->kept = malloc((old->capacity ? old->capacity : 1) * sizeof(*f->kept));
	f->err = f->seen && f->kept ? 0 : -ENOMEM;
	if (f->err)
		return f->err;
	/* The slots whose rule stays where it is, and that rule. */
	memset(f->kept, 0xff, (old->capacity ? old->capacity : 1) *
				      sizeof(*f->kept));
	for (size_t pos = 0; pos < n; pos++)
		if (!is_added(p, (uint32_t)pos))
			f->kept[p->slots[pos]] = (uint32_t)pos;
	return 0;
}

int plan_full_held(struct plan_full *f, const struct kop *op)
{
	if (f->err)
		return f->err;
	/* Two random reads a key: its slot's entry of kept now, and the
	 * rule it names a quarter block later (when that entry came in). */
	if (op->slot < f->old->capacity)
		__builtin_prefetch(&f->kept[op->slot]);
	if (f->nb >= PLAN_FULL_BLOCK / 4) {
		uint32_t s = f->blk[f->nb - PLAN_FULL_BLOCK / 4].slot;

		if (s < f->old->capacity && f->kept[s] != RULEIDX_NONE)
			__builtin_prefetch(&f->rules[f->kept[s]]);
	}
	f->blk[f->nb++] = *op;
	if (f->nb == PLAN_FULL_BLOCK)
		f->err = full_block(f, PLAN_FULL_BLOCK / 2);
	return f->err;
}

/* The keys of rule pos that were not held (bits: which were). */
static int write_missing(struct plan_full *f, uint32_t pos, unsigned bits)
{
	const struct xdpfw_rule *r = &f->rules[pos];
	struct kkey keys[2];
	int nk = rule_kkeys(r, keys), err = 0;

	if (key_implicit(f, pos))
		return 0;
	for (int i = 0; i < nk && !err; i++) {
		if ((bits >> i) & 1 || twin_owns(f, r, &keys[i]))
			continue;
		err = kop_list_push(&f->p->upserts, &keys[i], f->p->slots[pos]);
	}
	return err;
}

int plan_full_end(struct plan_full *f)
{
	int err = f->err;

	if (!err && f->nb)
		err = full_block(f, f->nb);
	/* Every key the set owns and the kernel did not hold: written. */
	for (size_t pos = 0; !err && pos < f->n; pos++) {
		size_t s = f->p->slots[pos];
		unsigned bits = (unsigned)(f->seen[2 * s / 64] >> (2 * s % 64)) & 3;

		if (bits != 3)
			err = write_missing(f, (uint32_t)pos, bits);
	}
	free(f->seen);
	free(f->kept);
	f->seen = NULL;
	f->kept = NULL;
	f->err = err;
	return err;
}

int plan_full_keys(struct plan *p, const struct kview *old,
		   const struct xdpfw_rule *rules, size_t n,
		   const struct ruleidx *new_ix, const struct kop *actual,
		   size_t n_actual)
{
	struct plan_full f;

	plan_full_begin(&f, p, old, rules, n, new_ix);
	for (size_t j = 0; j < n_actual && !f.err; j++)
		plan_full_held(&f, &actual[j]);
	return plan_full_end(&f);
}
