// SPDX-License-Identifier: GPL-2.0-only
/*
 * A full sync's key comparison (plan.h, plan_full_*): the keys the kernel
 * holds, streamed in, against the keys the new set owns.
 */
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prefault.h"

/* An added address entry's key is written by kmaps_apply anyway. */
static int key_implicit(const struct plan_full *f, uint32_t pos)
{
	return (f->rules[pos].port ? f->p->port_upserts_implicit :
				     f->p->addr_upserts_implicit) &&
	       plan_is_added(f->p, pos);
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
		return kop_list_push(f->deletes, &op->key, 0);
	s = f->p->slots[pos];
	mark_seen(f, s, which, nk);
	if (op->slot == s || key_implicit(f, pos))
		return 0;
	return kop_list_push(f->upserts, &op->key, s);
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

/* Words of seen: 2 bits per slot of the table. */
static size_t seen_words(const struct plan_full *f)
{
	return 2 * ((f->old->capacity + 63) / 64 + 1);
}

int plan_full_begin(struct plan_full *f, struct plan *p,
		    const struct kview *old, const struct xdpfw_rule *rules,
		    size_t n, const struct ruleidx *new_ix)
{
	memset(f, 0, sizeof(*f));
	f->p = p;
	f->old = old;
	f->rules = rules;
	f->n = n;
	f->ix = new_ix;
	p->upserts.n = 0;
	p->deletes.n = 0;
	f->upserts = &p->upserts;
	f->deletes = &p->deletes;
	f->seen = calloc(seen_words(f), sizeof(*f->seen));
	f->kept = malloc((old->capacity ? old->capacity : 1) * sizeof(*f->kept));
	f->err = f->seen && f->kept ? 0 : -ENOMEM;
	if (f->err)
		return f->err;
	/* The slots whose rule stays where it is, and that rule. */
	prefault(f->kept, old->capacity * sizeof(*f->kept));
	memset(f->kept, 0xff, (old->capacity ? old->capacity : 1) *
				      sizeof(*f->kept));
	for (size_t pos = 0; pos < n; pos++)
		if (!plan_is_added(p, (uint32_t)pos))
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

int plan_full_fork(struct plan_full *c, const struct plan_full *f)
{
	*c = *f; /* the plan, the rules, their index and kept: shared */
	c->nb = 0;
	memset(&c->own_upserts, 0, sizeof(c->own_upserts));
	memset(&c->own_deletes, 0, sizeof(c->own_deletes));
	c->upserts = &c->own_upserts;
	c->deletes = &c->own_deletes;
	c->seen = calloc(seen_words(f), sizeof(*c->seen));
	c->err = c->seen ? f->err : -ENOMEM;
	return c->err;
}

static int kop_list_append(struct kop_list *to, const struct kop_list *from)
{
	int err = 0;

	for (size_t i = 0; i < from->n && !err; i++)
		err = kop_list_push(to, &from->v[i].key, from->v[i].slot);
	return err;
}

int plan_full_join(struct plan_full *f, struct plan_full *c)
{
	int err = c->err;

	if (!err && c->nb)
		err = full_block(c, c->nb);
	for (size_t i = 0; !err && c->seen && i < seen_words(f); i++)
		f->seen[i] |= c->seen[i];
	if (!err)
		err = kop_list_append(f->upserts, c->upserts);
	if (!err)
		err = kop_list_append(f->deletes, c->deletes);
	if (err && !f->err)
		f->err = err;
	free(c->seen);
	free(c->own_upserts.v);
	free(c->own_deletes.v);
	memset(c, 0, sizeof(*c));
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
		err = kop_list_push(f->upserts, &keys[i], f->p->slots[pos]);
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
