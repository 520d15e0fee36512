// SPDX-License-Identifier: GPL-2.0-only
#include "drift.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "rules.h"

static int table_rules(struct drift *dr, const struct kmaps *km,
		       struct ruleidx *ix)
{
	size_t n = 0;
	int err;

	for (uint32_t s = 0; s < km->capacity; s++)
		n += km->table[s].family != 0;
	dr->rules = malloc((n + 1) * sizeof(*dr->rules));
	dr->slots = malloc((n + 1) * sizeof(*dr->slots));
	dr->broken = calloc(km->capacity ? km->capacity : 1, 1);
	if (!dr->rules || !dr->slots || !dr->broken)
		return -ENOMEM;
	err = ruleidx_init(ix, n);
	if (err)
		return err;
	for (uint32_t s = 0; s < km->capacity; s++) {
		if (!km->table[s].family)
			continue;
		dr->rules[dr->n] = km->table[s];
		dr->slots[dr->n] = s;
		if (ruleidx_failed(ruleidx_add(ix, dr->rules, (uint32_t)dr->n)))
			return -ENOMEM;
		dr->n++;
	}
	return 0;
}

int drift_compute(struct drift *dr, struct kmaps *km)
{
	struct kview old = { km->table, km->capacity };
	struct ruleidx ix = { 0 };
	struct plan p;
	int err;

	memset(dr, 0, sizeof(*dr));
	plan_init(&p);
	err = table_rules(dr, km, &ix);
	if (!err)
		err = plan_build(&p, &old, dr->rules, dr->n, &ix);
	if (!err)
		err = kmaps_dump_keys(km, &dr->actual, &dr->n_actual);
	/* Every rule of the table is unchanged: the key writes that a full
	 * sync would make are exactly the differences. */
	if (!err)
		err = plan_full_keys(&p, &old, dr->rules, dr->n, &ix, dr->actual,
				     dr->n_actual);
	if (!err) {
		dr->missing = p.upserts;
		dr->foreign = p.deletes;
		memset(&p.upserts, 0, sizeof(p.upserts));
		memset(&p.deletes, 0, sizeof(p.deletes));
		for (size_t i = 0; i < dr->missing.n; i++)
			if (dr->missing.v[i].slot < km->capacity)
				dr->broken[dr->missing.v[i].slot] = 1;
	}
	plan_free(&p);
	ruleidx_free(&ix);
	if (err)
		drift_free(dr);
	return err;
}

void drift_free(struct drift *dr)
{
	if (!dr)
		return;
	free(dr->rules);
	free(dr->slots);
	free(dr->missing.v);
	free(dr->foreign.v);
	free(dr->actual);
	free(dr->broken);
	memset(dr, 0, sizeof(*dr));
}

uint32_t drift_actual_slot(const struct drift *dr, const struct kkey *k)
{
	for (size_t i = 0; i < dr->n_actual; i++)
		if (dr->actual[i].key.map == k->map &&
		    !memcmp(dr->actual[i].key.b, k->b, kmap_key_size[k->map]))
			return dr->actual[i].slot;
	return UINT32_MAX;
}

int kkey_format(const struct kkey *k, char *buf, size_t len)
{
	struct xdpfw_rule r;

	kkey_rule(k, &r);
	return rule_format(&r, buf, len);
}
