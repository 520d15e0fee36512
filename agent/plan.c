// SPDX-License-Identifier: GPL-2.0-only
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "prefault.h"

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
	memset(c, 0, sizeof(*c));
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
	/* both written whole, in order (fresh: 4 MB each at 1M) */
	prefault(p->slots, n * sizeof(*p->slots));
	prefault(p->old_slots, n * sizeof(*p->old_slots));
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

int plan_is_added(const struct plan *p, uint32_t pos)
{
	return p->old_slots ? p->old_slots[pos] == RULEIDX_NONE :
			      was_added(p, pos);
}
