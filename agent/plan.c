// SPDX-License-Identifier: GPL-2.0-only
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	free(p->slots);
	free(p->added);
	free(p->removed);
	free(p->upserts.v);
	free(p->deletes.v);
	plan_init(p);
}

int kop_list_push(struct kop_list *l, const struct kkey *k, uint32_t slot)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct kop *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].key = *k;
	l->v[l->n].slot = slot;
	l->n++;
	return 0;
}

static int in_set(const struct ruleidx *ix, const struct xdpfw_rule *base,
		  const struct xdpfw_rule *r)
{
	return ruleidx_find(ix, base, r) != RULEIDX_NONE;
}

/* Key writes for one key of a changed rule r. */
static int plan_key(struct plan *p, const struct slotset *oldset,
		    const struct slotset *newset, const struct xdpfw_rule *r,
		    const struct kkey *k)
{
	uint32_t was = kkey_owner(oldset, r, k);
	uint32_t now = kkey_owner(newset, r, k);

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
static int key_handled_by_specific(const struct slotset *oldset,
				   const struct slotset *newset,
				   const struct xdpfw_rule *r,
				   const struct kkey *k)
{
	struct xdpfw_rule v = *r;

	if (!r->port || r->proto != XDPFW_PROTO_ANY)
		return 0;
	v.proto = k->proto;
	return in_set(oldset->ix, oldset->rules, &v) !=
	       in_set(newset->ix, newset->rules, &v);
}

static int plan_rule_keys(struct plan *p, const struct slotset *oldset,
			  const struct slotset *newset,
			  const struct xdpfw_rule *r)
{
	struct kkey keys[2];
	int n = rule_kkeys(r, keys), err;

	for (int i = 0; i < n; i++) {
		if (key_handled_by_specific(oldset, newset, r, &keys[i]))
			continue;
		err = plan_key(p, oldset, newset, r, &keys[i]);
		if (err)
			return err;
	}
	return 0;
}

int plan_build(struct plan *p, const struct kview *old,
	       const struct xdpfw_rule *rules, size_t n,
	       const struct ruleidx *new_ix)
{
	struct slotset oldset = { old->table, NULL, old->ix };
	struct slotset newset = { rules, NULL, new_ix };
	uint32_t next_free = 0, next_reuse = 0;
	size_t n_old = old->ix->n;
	int err;

	if (n > old->capacity)
		return -ENOSPC;
	p->slots = malloc((n ? n : 1) * sizeof(*p->slots));
	p->added = malloc((n ? n : 1) * sizeof(*p->added));
	p->removed = malloc((n_old ? n_old : 1) * sizeof(*p->removed));
	if (!p->slots || !p->added || !p->removed)
		return -ENOMEM;

	/* Removed: in the kernel's table, not in the new set. */
	for (uint32_t s = 0; s < old->capacity && p->n_removed < n_old; s++) {
		if (!old->table[s].family)
			continue;
		if (!in_set(new_ix, rules, &old->table[s]))
			p->removed[p->n_removed++] = s;
	}

	for (size_t i = 0; i < n; i++) {
		uint32_t s = ruleidx_find(old->ix, old->table, &rules[i]);

		if (s != RULEIDX_NONE) {
			p->slots[i] = s;
			p->n_unchanged++;
			continue;
		}
		while (next_free < old->capacity && old->table[next_free].family)
			next_free++;
		if (next_free < old->capacity) {
			s = next_free++;
		} else {
			/* Transition would overflow: free removed rules first. */
			if (next_reuse >= p->n_removed)
				return -ENOSPC;
			p->delete_first = 1;
			s = p->removed[next_reuse++];
		}
		p->slots[i] = s;
		p->added[p->n_added++] = (uint32_t)i;
	}

	newset.slots = p->slots;
	for (size_t i = 0; i < p->n_added; i++) {
		err = plan_rule_keys(p, &oldset, &newset, &rules[p->added[i]]);
		if (err)
			return err;
	}
	for (size_t i = 0; i < p->n_removed; i++) {
		err = plan_rule_keys(p, &oldset, &newset,
				     &old->table[p->removed[i]]);
		if (err)
			return err;
	}
	return 0;
}

static int kop_cmp(const void *a, const void *b)
{
	return kkey_cmp(&((const struct kop *)a)->key,
			&((const struct kop *)b)->key);
}

int plan_full_keys(struct plan *p, const struct xdpfw_rule *rules, size_t n,
		   const struct ruleidx *new_ix, struct kop *actual,
		   size_t n_actual)
{
	struct slotset newset = { rules, p->slots, new_ix };
	struct kop_list want = { 0 };
	size_t i = 0, j = 0;
	int err = 0;

	p->upserts.n = 0;
	p->deletes.n = 0;
	for (size_t r = 0; r < n; r++) {
		struct kkey keys[2];
		int nk = rule_kkeys(&rules[r], keys);

		for (int k = 0; k < nk; k++) {
			if (kkey_owner(&newset, &rules[r], &keys[k]) != p->slots[r])
				continue;
			err = kop_list_push(&want, &keys[k], p->slots[r]);
			if (err)
				goto out;
		}
	}
	if (want.n)
		qsort(want.v, want.n, sizeof(*want.v), kop_cmp);
	if (n_actual)
		qsort(actual, n_actual, sizeof(*actual), kop_cmp);

	while (!err && (i < want.n || j < n_actual)) {
		int c = i == want.n ? 1 :
			j == n_actual ? -1 :
					kkey_cmp(&want.v[i].key, &actual[j].key);

		if (c < 0) {
			err = kop_list_push(&p->upserts, &want.v[i].key,
					    want.v[i].slot);
			i++;
		} else if (c > 0) {
			err = kop_list_push(&p->deletes, &actual[j].key, 0);
			j++;
		} else {
			if (want.v[i].slot != actual[j].slot)
				err = kop_list_push(&p->upserts, &want.v[i].key,
						    want.v[i].slot);
			i++;
			j++;
		}
	}
out:
	free(want.v);
	return err;
}
