// SPDX-License-Identifier: GPL-2.0-only
/*
 * The full comparison (plan_full_*), streamed: random slot tables, random
 * held keys (missing, extra, at a wrong slot, at the slot of another rule
 * that stays, at a slot out of range, with stray bits, an any-protocol
 * entry's key that its protocol-specific twin owns, exceptions and
 * protected exceptions) fed in random order, against a brute-force model
 * of what a full sync must write and delete.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "plan.h"
#include "ruleidx.h"
#include "test-kwin.h"
#include "testlib.h"

#define CAP 48
#define NU 40 /* rules in the universe */

static unsigned seed = 4242;

static unsigned rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

/* Universe rule u: hosts, prefixes, port entries (any-protocol ones with
 * protocol-specific twins), exceptions, protected exceptions. */
static struct xdpfw_rule U(unsigned u)
{
	struct xdpfw_rule r;
	unsigned a = u / 8;

	memset(&r, 0, sizeof(r));
	r.family = (u & 1) ? XDPFW_FAMILY_V6 : XDPFW_FAMILY_V4;
	if (r.family == XDPFW_FAMILY_V4) {
		r.addr[0] = 10;
		r.addr[1] = (uint8_t)a;
		r.addr[3] = 1;
		r.prefixlen = 32;
	} else {
		r.addr[0] = 0x20;
		r.addr[1] = 0x01;
		r.addr[2] = (uint8_t)a;
		r.addr[15] = 1;
		r.prefixlen = 128;
	}
	switch (u % 8 / 2) {
	case 0: /* host, or a prefix */
		if (a & 1) {
			r.prefixlen = r.family == XDPFW_FAMILY_V4 ? 24 : 48;
			memset(r.addr + (r.family == XDPFW_FAMILY_V4 ? 3 : 6), 0,
			       r.family == XDPFW_FAMILY_V4 ? 1 : 10);
		}
		break;
	case 1: /* any-protocol port entry (on a prefix for odd a) */
		r.port = 53;
		if (a & 1) {
			r.prefixlen = r.family == XDPFW_FAMILY_V4 ? 24 : 48;
			memset(r.addr + (r.family == XDPFW_FAMILY_V4 ? 3 : 6), 0,
			       r.family == XDPFW_FAMILY_V4 ? 1 : 10);
		}
		break;
	case 2: /* its udp twin */
		r = U(u - 2);
		r.proto = IPPROTO_UDP;
		break;
	default: /* an exception; every other one protected */
		r.addr[1] ^= 0x80;
		r.flags = XDPFW_RULE_EXCEPT;
		if (a & 1)
			r.flags |= (uint8_t)((1 + a % 4) << XDPFW_RULE_PROTECT_SHIFT);
		if (a & 2)
			r.port = 22;
		break;
	}
	return r;
}

/* The slot of the rule of set (slots[]) that owns key k, or RULEIDX_NONE:
 * the protocol-specific entry over the any-protocol one. */
static uint32_t model_owner(const struct xdpfw_rule *set, const uint32_t *slots,
			    size_t n, const struct kkey *k, size_t *pos)
{
	uint32_t owner = RULEIDX_NONE;

	for (size_t i = 0; i < n; i++) {
		struct kkey keys[2];
		int nk = rule_kkeys(&set[i], keys);

		for (int j = 0; j < nk; j++) {
			if (kkey_cmp(&keys[j], k))
				continue;
			if (owner == RULEIDX_NONE || set[i].proto) {
				owner = slots[i];
				*pos = i;
			}
		}
	}
	return owner;
}

static int kop_cmp(const void *a, const void *b)
{
	const struct kop *x = a, *y = b;
	int c = kkey_cmp(&x->key, &y->key);

	return c ? c : (x->slot > y->slot) - (x->slot < y->slot);
}

static int same_kops(struct kop *a, size_t na, struct kop *b, size_t nb)
{
	if (na)
		qsort(a, na, sizeof(*a), kop_cmp);
	if (nb)
		qsort(b, nb, sizeof(*b), kop_cmp);
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

static int held_has(const struct kop *held, size_t n, const struct kkey *k)
{
	for (size_t i = 0; i < n; i++)
		if (!kkey_cmp(&held[i].key, k))
			return 1;
	return 0;
}

/* What a faithful kernel holds for the table, then changed behind the
 * daemon's back. */
static size_t make_held(const struct xdpfw_rule *table, struct kop *held)
{
	struct xdpfw_rule set[CAP];
	uint32_t slots[CAP];
	size_t n = 0, nh = 0, pos;

	for (uint32_t s = 0; s < CAP; s++)
		if (table[s].family) {
			set[n] = table[s];
			slots[n++] = s;
		}
	for (size_t i = 0; i < n; i++) {
		struct kkey keys[2];
		int nk = rule_kkeys(&set[i], keys);

		for (int j = 0; j < nk; j++) {
			if (model_owner(set, slots, n, &keys[j], &pos) != slots[i])
				continue;
			if (rnd(8) == 0)
				continue; /* lost */
			held[nh].key = keys[j];
			held[nh].slot = slots[i];
			if (rnd(8) == 0) /* another slot: taken, free, or none */
				held[nh].slot = rnd(2) ? rnd(CAP) : CAP + rnd(9);
			nh++;
		}
	}
	/* Foreign keys: of rules anywhere in the universe (at a random slot,
	 * maybe one whose rule stays), or with stray bits. */
	for (int f = rnd(6); f > 0; f--) {
		struct xdpfw_rule r = U(rnd(NU));
		struct kkey keys[2];
		int nk = rule_kkeys(&r, keys);
		struct kop op = { keys[rnd((unsigned)nk)], rnd(CAP) };

		if (rnd(3) == 0)
			op.key.b[kmap_key_size[op.key.map] - 1] ^= 0x04;
		if (!held_has(held, nh, &op.key))
			held[nh++] = op;
	}
	/* Any order: shuffle. */
	for (size_t i = nh; i > 1; i--) {
		size_t j = rnd((unsigned)i);
		struct kop t = held[i - 1];

		held[i - 1] = held[j];
		held[j] = t;
	}
	return nh;
}

/* The model: every key the new set owns that is not held at its owner's
 * slot is written (an added address entry's left to kmaps_apply when
 * implicit); every held key nobody owns is deleted. */
static void model(const struct xdpfw_rule *set, size_t n, const struct plan *p,
		  const struct kop *held, size_t nh, int implicit,
		  struct kop *up, size_t *nup, struct kop *del, size_t *ndel)
{
	size_t pos;

	*nup = *ndel = 0;
	for (size_t i = 0; i < n; i++) {
		struct kkey keys[2];
		int nk = rule_kkeys(&set[i], keys);

		for (int j = 0; j < nk; j++) {
			int ok = 0;

			if (model_owner(set, p->slots, n, &keys[j], &pos) !=
			    p->slots[i])
				continue;
			if (implicit && !set[i].port && p->old_slots[i] == RULEIDX_NONE)
				continue;
			for (size_t h = 0; h < nh; h++)
				ok |= !kkey_cmp(&held[h].key, &keys[j]) &&
				      held[h].slot == p->slots[i];
			if (!ok) {
				up[*nup].key = keys[j];
				up[(*nup)++].slot = p->slots[i];
			}
		}
	}
	for (size_t h = 0; h < nh; h++)
		if (model_owner(set, p->slots, n, &held[h].key, &pos) ==
		    RULEIDX_NONE)
			del[(*ndel)++] = (struct kop){ held[h].key, 0 };
}

static void one_round(int round)
{
	struct xdpfw_rule table[CAP], set[NU];
	struct kop held[4 * CAP], up[4 * CAP], del[4 * CAP];
	struct kview kv = { table, CAP };
	struct kwin w;
	struct ruleidx ix;
	struct plan p;
	size_t n = 0, nh, nup, ndel;
	int implicit = round & 1;

	memset(table, 0, sizeof(table));
	for (unsigned u = 0; u < NU; u++) {
		uint32_t s = rnd(CAP);

		if (rnd(2) && !table[s].family)
			table[s] = U(u);
		if (rnd(3))
			set[n++] = U(u);
	}
	nh = make_held(table, held);
	/* Every other pair of rounds reads the table a run at a time, as
	 * the daemon does: the model does not care. */
	if (round & 2)
		kv = kwin_view(&w, table, CAP);
	ruleidx_init(&ix, n);
	for (uint32_t i = 0; i < n; i++)
		ruleidx_add(&ix, set, i);
	plan_init(&p);
	p.addr_upserts_implicit = implicit;
	CHECK_INT(plan_build(&p, &kv, set, n, &ix), 0);
	CHECK_INT(plan_full_keys(&p, &kv, set, n, &ix, held, nh), 0);
	model(set, n, &p, held, nh, implicit, up, &nup, del, &ndel);
	CHECK_MSG(same_kops(p.upserts.v, p.upserts.n, up, nup),
		  "round %d: %zu upserts, the model %zu", round, p.upserts.n,
		  nup);
	CHECK_MSG(same_kops(p.deletes.v, p.deletes.n, del, ndel),
		  "round %d: %zu deletes, the model %zu", round, p.deletes.n,
		  ndel);
	plan_free(&p);
	ruleidx_free(&ix);
}

/* The cases one by one, where a model could share a mistake: a key at
 * the slot of the any-protocol entry that stays, which its new /udp twin
 * owns, is moved to the twin. */
static void test_twin_takes_key(void)
{
	struct xdpfw_rule table[CAP], set[2];
	struct kview kv = { table, CAP };
	struct kkey keys[2];
	struct kop held[2];
	struct ruleidx ix;
	struct plan p;

	memset(table, 0, sizeof(table));
	table[3] = U(2); /* any-protocol port entry, slot 3 */
	set[0] = U(2);
	set[1] = U(4); /* its udp twin, added */
	CHECK_INT(set[1].proto, IPPROTO_UDP);
	rule_kkeys(&set[0], keys);
	held[0] = (struct kop){ keys[0], 3 };
	held[1] = (struct kop){ keys[1], 3 };
	ruleidx_init(&ix, 2);
	ruleidx_add(&ix, set, 0);
	ruleidx_add(&ix, set, 1);
	plan_init(&p);
	CHECK_INT(plan_build(&p, &kv, set, 2, &ix), 0);
	CHECK_INT(plan_full_keys(&p, &kv, set, 2, &ix, held, 2), 0);
	CHECK_INT(p.deletes.n, 0);
	CHECK_INT(p.upserts.n, 1);
	CHECK(!kkey_cmp(&p.upserts.v[0].key, &keys[1]));
	CHECK_INT(p.upserts.v[0].slot, p.slots[1]);
	plan_free(&p);
	ruleidx_free(&ix);
}

int main(void)
{
	test_twin_takes_key();
	for (int round = 0; round < 3000; round++)
		one_round(round);
	return tl_finish("test-planfull");
}
