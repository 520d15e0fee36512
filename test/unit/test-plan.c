// SPDX-License-Identifier: GPL-2.0-only
/*
 * The diff: rule sets -> slots, added/removed/unchanged and key writes;
 * slot allocation and reuse; key ownership between any-protocol and
 * protocol-specific port entries; the full comparison against dumped keys;
 * and the filters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "plan.h"
#include "ruleidx.h"
#include "testlib.h"
#include "v4tbl.h"

#define CAP 16

static struct xdpfw_rule R(const char *addr, int plen, int port, int proto)
{
	struct xdpfw_rule r;

	memset(&r, 0, sizeof(r));
	if (strchr(addr, ':')) {
		r.family = XDPFW_FAMILY_V6;
		inet_pton(AF_INET6, addr, r.addr);
		r.prefixlen = (uint8_t)(plen < 0 ? 128 : plen);
	} else {
		r.family = XDPFW_FAMILY_V4;
		inet_pton(AF_INET, addr, r.addr);
		r.prefixlen = (uint8_t)(plen < 0 ? 32 : plen);
	}
	r.port = (uint16_t)port;
	r.proto = (uint8_t)proto;
	return r;
}

/* A fake kernel: a slot table and the keys it holds. */
struct fake {
	struct xdpfw_rule table[CAP];
	struct kop keys[4 * CAP];
	size_t n_keys;
};

static void fake_apply(struct fake *k, const struct plan *p,
		       const struct xdpfw_rule *rules)
{
	for (size_t i = 0; i < p->n_added; i++)
		k->table[p->slots[p->added[i]]] = rules[p->added[i]];
	for (size_t i = 0; i < p->upserts.n; i++) {
		size_t j;

		for (j = 0; j < k->n_keys; j++)
			if (!kkey_cmp(&k->keys[j].key, &p->upserts.v[i].key))
				break;
		if (j == k->n_keys)
			k->n_keys++;
		k->keys[j] = p->upserts.v[i];
	}
	for (size_t i = 0; i < p->deletes.n; i++) {
		for (size_t j = 0; j < k->n_keys; j++) {
			if (kkey_cmp(&k->keys[j].key, &p->deletes.v[i].key))
				continue;
			k->keys[j] = k->keys[--k->n_keys];
			break;
		}
	}
	for (size_t i = 0; i < p->n_removed; i++) {
		int reused = 0;

		for (size_t j = 0; j < p->n_added; j++)
			reused |= p->slots[p->added[j]] == p->removed[i];
		if (!reused)
			memset(&k->table[p->removed[i]], 0, sizeof(k->table[0]));
	}
}

/* Plan rules against the fake kernel, optionally apply. */
static int plan_for(struct fake *k, const struct xdpfw_rule *rules, size_t n,
		    struct plan *p, int full)
{
	struct ruleidx new_ix;
	struct kview kv = { k->table, CAP };
	int err;

	ruleidx_init(&new_ix, n);
	for (uint32_t i = 0; i < n; i++)
		ruleidx_add(&new_ix, rules, i);
	plan_init(p);
	err = plan_build(p, &kv, rules, n, &new_ix);
	if (!err && full) {
		struct kop *dump = malloc(sizeof(*dump) * (k->n_keys + 1));

		memcpy(dump, k->keys, sizeof(*dump) * k->n_keys);
		err = plan_full_keys(p, &kv, rules, n, &new_ix, dump, k->n_keys);
		free(dump);
	}
	ruleidx_free(&new_ix);
	return err;
}

/* The keys the fake kernel must hold for rules: each rule's keys unless a
 * protocol-specific twin owns them. */
static size_t expected_keys(const struct xdpfw_rule *rules, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		struct kkey keys[2];
		int nk = rule_kkeys(&rules[i], keys);

		for (int j = 0; j < nk; j++) {
			struct xdpfw_rule twin = rules[i];
			int owned_by_twin = 0;

			twin.proto = keys[j].proto;
			if (rules[i].port && rules[i].proto == XDPFW_PROTO_ANY)
				for (size_t m = 0; m < n; m++)
					owned_by_twin |= rule_equal(&rules[m], &twin);
			total += !owned_by_twin;
		}
	}
	return total;
}

static uint32_t slot_of_key(const struct fake *k, const struct kkey *key)
{
	for (size_t j = 0; j < k->n_keys; j++)
		if (!kkey_cmp(&k->keys[j].key, key))
			return k->keys[j].slot;
	return RULEIDX_NONE;
}

static void test_initial_and_noop(void)
{
	struct fake k = { 0 };
	struct xdpfw_rule set[] = {
		R("203.0.113.7", -1, 0, 0),
		R("10.0.2.2", -1, 30000, 0),
		R("198.51.100.0", 24, 0, 0),
		R("2001:db8::1", -1, 53, IPPROTO_UDP),
		R("2001:db8::", 32, 0, 0),
	};
	struct plan p;

	CHECK_INT(plan_for(&k, set, 5, &p, 0), 0);
	CHECK_INT(p.n_added, 5);
	CHECK_INT(p.n_removed, 0);
	CHECK_INT(p.n_unchanged, 0);
	/* 10.0.2.2:30000 has two keys (tcp, udp). */
	CHECK_INT(p.upserts.n, 6);
	CHECK_INT(p.deletes.n, 0);
	/* Lowest free slots, in file order. */
	for (uint32_t i = 0; i < 5; i++)
		CHECK_INT(p.slots[i], i);
	fake_apply(&k, &p, set);
	plan_free(&p);

	/* Same set again: nothing to write. */
	CHECK_INT(plan_for(&k, set, 5, &p, 0), 0);
	CHECK_INT(p.n_added, 0);
	CHECK_INT(p.n_removed, 0);
	CHECK_INT(p.n_unchanged, 5);
	CHECK_INT(p.upserts.n + p.deletes.n, 0);
	plan_free(&p);

	/* Full comparison against a faithful kernel: nothing either. */
	CHECK_INT(plan_for(&k, set, 5, &p, 1), 0);
	CHECK_INT(p.upserts.n + p.deletes.n, 0);
	plan_free(&p);
}

static void test_change_size_writes(void)
{
	struct fake k = { 0 };
	struct xdpfw_rule a[] = {
		R("203.0.113.1", -1, 0, 0), R("203.0.113.2", -1, 0, 0),
		R("203.0.113.3", -1, 0, 0), R("203.0.113.4", -1, 0, 0),
	};
	struct xdpfw_rule b[] = {
		R("203.0.113.1", -1, 0, 0), R("203.0.113.3", -1, 0, 0),
		R("203.0.113.4", -1, 0, 0), R("203.0.113.9", -1, 0, 0),
	};
	struct plan p;

	plan_for(&k, a, 4, &p, 0);
	fake_apply(&k, &p, a);
	plan_free(&p);

	CHECK_INT(plan_for(&k, b, 4, &p, 0), 0);
	CHECK_INT(p.n_added, 1);
	CHECK_INT(p.n_removed, 1);
	CHECK_INT(p.n_unchanged, 3);
	CHECK_INT(p.upserts.n, 1);
	CHECK_INT(p.deletes.n, 1);
	/* Unchanged rules keep their slots (and so their counters). */
	CHECK_INT(p.slots[0], 0);
	CHECK_INT(p.slots[1], 2);
	CHECK_INT(p.slots[2], 3);
	/* The added rule does not inherit the slot freed by this reload. */
	CHECK(p.slots[3] != 1);
	CHECK_INT(p.slots[3], 4);
	CHECK_INT(p.removed[0], 1);
	CHECK_INT(p.delete_first, 0);
	fake_apply(&k, &p, b);
	CHECK_INT(k.table[1].family, 0);
	plan_free(&p);

	/* The next reload may use slot 1 again. */
	{
		struct xdpfw_rule c[] = {
			R("203.0.113.1", -1, 0, 0), R("203.0.113.3", -1, 0, 0),
			R("203.0.113.4", -1, 0, 0), R("203.0.113.9", -1, 0, 0),
			R("203.0.113.10", -1, 0, 0),
		};

		CHECK_INT(plan_for(&k, c, 5, &p, 0), 0);
		CHECK_INT(p.slots[4], 1);
		plan_free(&p);
	}
}

static void test_proto_ownership(void)
{
	struct fake k = { 0 };
	struct xdpfw_rule any = R("10.0.0.1", -1, 53, 0);
	struct xdpfw_rule udp = R("10.0.0.1", -1, 53, IPPROTO_UDP);
	struct xdpfw_rule both[] = { any, udp };
	struct xdpfw_rule only_any[] = { any };
	struct xdpfw_rule only_udp[] = { udp };
	struct kkey keys[2];
	struct plan p;

	rule_kkeys(&any, keys); /* keys[0] tcp, keys[1] udp */
	CHECK_INT(keys[0].proto, IPPROTO_TCP);
	CHECK_INT(keys[1].proto, IPPROTO_UDP);

	/* A first load (nothing in the kernel) writes each key once, by its
	 * owner, whichever comes first in the file. */
	{
		struct fake k0 = { 0 };
		struct xdpfw_rule rev[] = { udp, any };

		CHECK_INT(plan_for(&k0, rev, 2, &p, 0), 0);
		CHECK_INT(p.upserts.n, 2);
		fake_apply(&k0, &p, rev);
		CHECK_INT(slot_of_key(&k0, &keys[1]), p.slots[0]);
		CHECK_INT(slot_of_key(&k0, &keys[0]), p.slots[1]);
		plan_free(&p);
	}
	plan_for(&k, both, 2, &p, 0);
	CHECK_INT(p.upserts.n, 2);
	fake_apply(&k, &p, both);
	CHECK_INT(k.n_keys, 2);
	CHECK_INT(slot_of_key(&k, &keys[0]), p.slots[0]);
	CHECK_INT(slot_of_key(&k, &keys[1]), p.slots[1]); /* /udp owns it */
	plan_free(&p);

	/* Remove the /udp rule: its key goes to the any-protocol rule,
	 * rewritten in place, never deleted (no gap). */
	CHECK_INT(plan_for(&k, only_any, 1, &p, 0), 0);
	CHECK_INT(p.deletes.n, 0);
	CHECK_INT(p.upserts.n, 1);
	fake_apply(&k, &p, only_any);
	CHECK_INT(k.n_keys, 2);
	CHECK_INT(slot_of_key(&k, &keys[1]), p.slots[0]);
	plan_free(&p);

	/* Add /udp back, then swap any for /udp in one reload. */
	plan_for(&k, both, 2, &p, 0);
	CHECK_INT(p.upserts.n, 1);
	CHECK_INT(p.deletes.n, 0);
	fake_apply(&k, &p, both);
	plan_free(&p);
	CHECK_INT(plan_for(&k, only_udp, 1, &p, 0), 0);
	CHECK_INT(p.deletes.n, 1); /* the tcp key */
	CHECK_INT(p.upserts.n, 0); /* udp key already the /udp rule's */
	fake_apply(&k, &p, only_udp);
	CHECK_INT(k.n_keys, 1);
	plan_free(&p);

	/* Replace /udp by any in one reload: udp key rewritten, tcp added. */
	CHECK_INT(plan_for(&k, only_any, 1, &p, 0), 0);
	CHECK_INT(p.upserts.n, 2);
	CHECK_INT(p.deletes.n, 0);
	fake_apply(&k, &p, only_any);
	CHECK_INT(k.n_keys, 2);
	plan_free(&p);
}

static void test_full_repair(void)
{
	struct fake k = { 0 };
	struct xdpfw_rule set[] = {
		R("203.0.113.7", -1, 0, 0),
		R("198.51.100.0", 24, 443, IPPROTO_TCP),
		R("2001:db8::", 48, 0, 0),
	};
	struct kop stray;
	struct plan p;

	plan_for(&k, set, 3, &p, 0);
	fake_apply(&k, &p, set);
	plan_free(&p);
	CHECK_INT(k.n_keys, 3);

	/* Someone deleted a key and added a foreign one behind our back. */
	stray = k.keys[0];
	stray.key.b[0] ^= 0xff;
	k.keys[0] = k.keys[--k.n_keys];
	k.keys[k.n_keys++] = stray;

	/* The incremental plan trusts the slot table: sees nothing. */
	plan_for(&k, set, 3, &p, 0);
	CHECK_INT(p.upserts.n + p.deletes.n, 0);
	plan_free(&p);
	/* The full one repairs both. */
	CHECK_INT(plan_for(&k, set, 3, &p, 1), 0);
	CHECK_INT(p.upserts.n, 1);
	CHECK_INT(p.deletes.n, 1);
	fake_apply(&k, &p, set);
	plan_free(&p);
	CHECK_INT(k.n_keys, expected_keys(set, 3));
	CHECK_INT(plan_for(&k, set, 3, &p, 1), 0);
	CHECK_INT(p.upserts.n + p.deletes.n, 0);
	plan_free(&p);

	/* A key pointing at the wrong slot is rewritten. */
	k.keys[0].slot ^= 1;
	CHECK_INT(plan_for(&k, set, 3, &p, 1), 0);
	CHECK_INT(p.upserts.n, 1);
	CHECK_INT(p.deletes.n, 0);
	plan_free(&p);
}

static void test_capacity(void)
{
	struct fake k = { 0 };
	struct xdpfw_rule a[CAP], b[CAP], c[CAP + 1];
	char buf[32];
	struct plan p;

	for (int i = 0; i < CAP; i++) {
		snprintf(buf, sizeof(buf), "10.0.0.%d", i);
		a[i] = R(buf, -1, 0, 0);
		snprintf(buf, sizeof(buf), "10.0.%d.%d", 1 + (i >= 8), i);
		b[i] = i < 8 ? a[i] : R(buf, -1, 0, 0);
	}
	plan_for(&k, a, CAP, &p, 0);
	fake_apply(&k, &p, a);
	plan_free(&p);

	/* Full table, half replaced: the transition needs freed slots. */
	CHECK_INT(plan_for(&k, b, CAP, &p, 0), 0);
	CHECK_INT(p.delete_first, 1);
	CHECK_INT(p.n_added, 8);
	CHECK_INT(p.n_removed, 8);
	fake_apply(&k, &p, b);
	plan_free(&p);
	for (int i = 0; i < CAP; i++)
		CHECK(k.table[i].family != 0);

	for (int i = 0; i < CAP + 1; i++) {
		snprintf(buf, sizeof(buf), "10.9.0.%d", i);
		c[i] = R(buf, -1, 0, 0);
	}
	CHECK_INT(plan_for(&k, c, CAP + 1, &p, 0), -ENOSPC);
	plan_free(&p);
}

static void test_random_against_model(void)
{
	struct fake k = { 0 };
	unsigned seed = 12345;

	/* Random sets over a small universe; after each apply the fake kernel
	 * must hold exactly the expected keys, unchanged rules keep slots. */
	for (int round = 0; round < 300; round++) {
		struct xdpfw_rule set[CAP];
		struct xdpfw_rule prev[CAP];
		uint32_t prev_slot_of[CAP];
		size_t n = 0;
		struct plan p;

		memcpy(prev, k.table, sizeof(prev));
		for (int i = 0; i < CAP; i++)
			prev_slot_of[i] = (uint32_t)i;
		for (int u = 0; u < 12 && n < CAP - 2; u++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 3)
				continue;
			switch (u % 4) {
			case 0:
				set[n++] = R("192.0.2.1", -1, 53, (u & 4) ? IPPROTO_UDP : 0);
				break;
			case 1:
				set[n++] = R("192.0.2.0", 24, 80 + u, 0);
				break;
			case 2:
				set[n++] = R("2001:db8::", 32 + u, 0, 0);
				break;
			default:
				set[n++] = R("203.0.113.9", -1, 0, 0);
				break;
			}
			/* de-duplicate */
			for (size_t m = 0; m + 1 < n; m++)
				if (rule_equal(&set[m], &set[n - 1])) {
					n--;
					break;
				}
		}
		if (plan_for(&k, set, n, &p, round % 5 == 0)) {
			CHECK(0);
			plan_free(&p);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			for (int s = 0; s < CAP; s++)
				if (prev[s].family && rule_equal(&prev[s], &set[i]))
					CHECK_INT(p.slots[i], prev_slot_of[s]);
		fake_apply(&k, &p, set);
		plan_free(&p);
		CHECK_INT(k.n_keys, expected_keys(set, n));
		/* The slot table holds exactly the set. */
		{
			size_t used = 0;

			for (int s = 0; s < CAP; s++)
				used += k.table[s].family != 0;
			CHECK_INT(used, n);
		}
	}
}

/* The rules test_filters added: the /24 table is built from the set
 * (v4tbl.h), not from struct filters. */
static struct xdpfw_rule added[32];
static size_t n_added;

static void add(struct filters *f, const struct xdpfw_rule *r)
{
	filters_add(f, r);
	added[n_added++] = *r;
}

/* The /24 table's word of v4. */
static uint32_t tword(const char *v4)
{
	static uint32_t words[V4TBL_CHUNK];
	struct v4tbl_ix ix;
	struct in_addr a;
	uint32_t h;

	inet_pton(AF_INET, v4, &a);
	h = ntohl(a.s_addr);
	CHECK_INT(v4tbl_ix_build(&ix, added, NULL, n_added), 0);
	v4tbl_paint(&ix, h >> 24, words);
	v4tbl_ix_free(&ix);
	return words[(h >> 8) & (V4TBL_CHUNK - 1)];
}

/* Does the /24 table send v4 to an address lookup or have its slot? */
static int bit(const struct filters *f, const char *v4)
{
	(void)f;
	return (tword(v4) & (XDPFW_V4T_SLOT | XDPFW_V4T_HOSTS |
			     XDPFW_V4T_TRIE)) != 0;
}

static int port_bits(const struct filters *f, uint16_t port)
{
	return (int)((f->w[FMAP_PORTS][port >> 4] >> ((port & 15) * XDPFW_PORT_BITS)) & 0xf);
}

/* Any bit set in xdpfw_pp_bmap (only IPv6 prefix:port entries set one). */
static int pp_any(const struct filters *f)
{
	uint64_t w = 0;

	for (size_t i = 0; i < XDPFW_BITMAP_WORDS(XDPFW_PP_BITMAP_LOG); i++)
		w |= f->w[FMAP_PP][i];
	return w != 0;
}

/* The flags byte of xdpfw_v6_flags at v6 cut at /cls (48 or 32). */
static uint32_t v6_flags(const struct filters *f, const char *v6, uint32_t cls)
{
	uint32_t a[4];

	inet_pton(AF_INET6, v6, a);
	return xdpfw_v6f_byte(f->w[FMAP_V6F], xdpfw_v6s_hash(a, cls));
}

/* Every byte of xdpfw_v6_flags OR-ed: which flags are set anywhere. */
static uint32_t v6_flags_all(const struct filters *f)
{
	uint64_t w = 0;

	for (size_t i = 0; i < XDPFW_V6F_WORDS; i++)
		w |= f->w[FMAP_V6F][i];
	for (int s = 32; s >= 8; s /= 2)
		w |= w >> s;
	return (uint32_t)w & 0xff;
}

static void test_filters(void)
{
	struct filters f;
	struct xdpfw_rule r;

	if (filters_alloc(&f)) {
		CHECK(0);
		return;
	}
	n_added = 0;
	CHECK_INT(f.flags, 0);
	/* The prefix:port hash tells the protocols apart. */
	{
		uint32_t a = htonl(0xc0a80001); /* 192.168.0.1 */

		CHECK(xdpfw_pp_hash6(xdpfw_port_word(53, 17, 6), a) !=
		      xdpfw_pp_hash6(xdpfw_port_word(53, 6, 6), a));
	}
	r = R("198.51.100.7", -1, 0, 0);
	add(&f, &r);
	CHECK_INT(f.flags, XDPFW_F_V4_EXACT);
	CHECK(bit(&f, "198.51.100.200"));
	CHECK(!bit(&f, "198.51.101.7"));

	r = R("10.0.0.0", 8, 0, 0);
	add(&f, &r);
	CHECK(f.flags & XDPFW_F_V4_PREFIX);
	CHECK(bit(&f, "10.0.0.1"));
	CHECK(bit(&f, "10.255.255.255"));
	CHECK(!bit(&f, "11.0.0.0"));
	CHECK(!bit(&f, "9.255.255.255"));

	r = R("172.16.0.0", 22, 0, 0);
	add(&f, &r);
	CHECK(bit(&f, "172.16.3.1"));
	CHECK(!bit(&f, "172.16.4.1"));

	r = R("192.0.2.1", -1, 53, 0);
	add(&f, &r);
	CHECK(f.flags & XDPFW_F_V4_PORT_EXACT);
	/* An IPv4 endpoint sets the EP flag of its /24; no port bit, no
	 * hashed bit (those are IPv6's). */
	CHECK_INT(port_bits(&f, 53), 0);
	CHECK_INT(tword("192.0.2.1"), XDPFW_V4T_EP);
	CHECK_INT(tword("192.0.3.1"), 0);
	CHECK_INT(v6_flags_all(&f), 0);
	CHECK(!bit(&f, "192.0.2.1")); /* not an address entry */

	/* prefix:port at /16 or longer: the PP flag of each of its /24s. */
	r = R("198.51.0.0", 20, 443, IPPROTO_TCP);
	add(&f, &r);
	CHECK(f.flags & XDPFW_F_V4_PORT_PREFIX);
	CHECK(!(f.flags & XDPFW_F_V4_PORT_SHORT));
	CHECK_INT(tword("198.51.7.9"), XDPFW_V4T_PP);
	CHECK_INT(tword("198.51.15.9"), XDPFW_V4T_PP);
	CHECK_INT(tword("198.51.16.9"), 0);
	CHECK(!pp_any(&f));
	CHECK_INT(port_bits(&f, 443), 0);
	/* Shorter than /16: the port bit (any address). */
	r = R("10.0.0.0", 8, 11211, IPPROTO_UDP);
	add(&f, &r);
	CHECK_INT(port_bits(&f, 11211), XDPFW_PORT_V4_UDP);
	CHECK(f.flags & XDPFW_F_V4_PORT_SHORT);
	CHECK_INT(tword("10.1.2.3") & XDPFW_V4T_PP, 0);

	/* IPv6 entries: one flag in the byte of their /48 (/32 when
	 * shorter) naming where they live (xdpfw_v6f_flag). */
	r = R("2001:db8::1", -1, 0, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:db8::", 48), XDPFW_V6F_EXACT);
	CHECK_INT(v6_flags(&f, "2001:db8::", 32), 0);
	CHECK_INT(v6_flags_all(&f), XDPFW_V6F_EXACT);
	r = R("2001:db8:aa::", 52, 0, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:db8:aa::", 48), XDPFW_V6F_ODD48);
	CHECK_INT(v6_flags(&f, "2001:db8:aa:0:1::", 48), XDPFW_V6F_ODD48);
	CHECK_INT(v6_flags(&f, "2001:db8:ab::", 48), 0);
	CHECK(!(f.flags & XDPFW_F_V6_PREFIX_WILD));
	r = R("2001:db8:aa::", 56, 0, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:db8:aa::", 48),
		  XDPFW_V6F_ODD48 | XDPFW_V6F_C56);
	/* /32 to /47: at its /32, the flags of bits 8-15 */
	r = R("2001:db9::", 40, 0, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:db9::", 32), XDPFW_V6F_ODD32 >> 8);
	CHECK_INT(v6_flags(&f, "2001:db9::", 48), 0);
	CHECK(f.flags & XDPFW_F_V6_SUM32);
	r = R("2001:dba::", 32, 0, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:dba:ffff::", 32), XDPFW_V6F_C32 >> 8);
	r = R("2001:dbf::", 44, 53, IPPROTO_TCP);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:dbf::", 32), XDPFW_V6F_PP32 >> 8);
	/* endpoints: the flag of their protocol, both for either */
	r = R("2001:dbb::7", -1, 53, IPPROTO_UDP);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:dbb::", 48), XDPFW_V6F_EP_UDP);
	r = R("2001:dbb:1::7", -1, 53, IPPROTO_TCP);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:dbb:1::", 48), XDPFW_V6F_EP_TCP);
	r = R("2001:dbb:2::7", -1, 53, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:dbb:2::", 48), XDPFW_V6F_EP);
	r = R("2001:dbc:1::", 48, 53, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:dbc:1::", 48), XDPFW_V6F_PP48);
	r = R("2001:dbd:1:2::", 64, 0, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:dbd:1::", 48), XDPFW_V6F_C64);
	r = R("2001:dbe:1::", 48, 0, 0);
	add(&f, &r);
	CHECK_INT(v6_flags(&f, "2001:dbe:1::", 48), XDPFW_V6F_C48);
	r = R("2000::", 3, 0, 0);
	add(&f, &r);
	CHECK(f.flags & XDPFW_F_V6_PREFIX_WILD);

	r = R("::", 0, 123, IPPROTO_UDP);
	add(&f, &r);
	CHECK(f.flags & XDPFW_F_V6_PORT_PREFIX);
	CHECK_INT(port_bits(&f, 123), XDPFW_PORT_V6_UDP);
	/* shorter than /32: no flag (the port bit, or wild) */
	CHECK_INT(v6_flags_all(&f),
		  XDPFW_V6F_EXACT | XDPFW_V6F_EP | XDPFW_V6F_PP48 |
			  XDPFW_V6F_C64 | XDPFW_V6F_C56 | XDPFW_V6F_C48 |
			  XDPFW_V6F_ODD48 |
			  ((XDPFW_V6F_PP32 | XDPFW_V6F_C32 | XDPFW_V6F_ODD32) >>
			   8));
	CHECK_INT(port_bits(&f, 124), 0);
	CHECK_INT(port_bits(&f, 65535), 0);
	r = R("::", 0, 65535, IPPROTO_TCP);
	add(&f, &r);
	CHECK_INT(port_bits(&f, 65535), XDPFW_PORT_V6_TCP);

	{
		uint64_t *own = f.own;

		filters_use(&f, own); /* cleared */
		f.own = own;
	}
	n_added = 0;
	r = R("0.0.0.0", 0, 0, 0);
	add(&f, &r);
	CHECK(bit(&f, "0.0.0.0"));
	CHECK(bit(&f, "255.255.255.255"));
	filters_free(&f);
}

static void test_keys(void)
{
	struct xdpfw_rule r = R("198.51.100.0", 24, 443, IPPROTO_TCP);
	struct kkey k[2];
	uint32_t plen;

	CHECK_INT(rule_kkeys(&r, k), 1);
	CHECK_INT(k[0].map, KMAP_V4_PLPM);
	memcpy(&plen, k[0].b, 4);
	CHECK_INT(plen, 32 + 24);
	CHECK_INT(k[0].b[4], 443 >> 8);
	CHECK_INT(k[0].b[5], 443 & 0xff);
	CHECK_INT(k[0].b[6], IPPROTO_TCP);
	CHECK_INT(k[0].b[7], 0);
	CHECK_INT(k[0].b[8], 198);

	r = R("2001:db8::1", -1, 0, 0);
	CHECK_INT(rule_kkeys(&r, k), 1);
	CHECK_INT(k[0].map, KMAP_V6);
	memcpy(&plen, k[0].b, 4);
	CHECK_INT(plen, 128);
	CHECK_INT(k[0].b[4], 0x20);
	CHECK_INT(k[0].b[19], 1);

	r = R("2001:db8::", 32, 0, 0);
	rule_kkeys(&r, k);
	CHECK_INT(k[0].map, KMAP_V6_LPM);
	memcpy(&plen, k[0].b, 4);
	CHECK_INT(plen, 32);

	r = R("10.0.2.2", -1, 30000, 0);
	CHECK_INT(rule_kkeys(&r, k), 2);
	CHECK_INT(k[0].map, KMAP_V4_PORT);
	CHECK_INT(k[1].map, KMAP_V4_PORT);
	CHECK(kkey_cmp(&k[0], &k[1]) != 0);
	/* Padding bytes are zero: the seed's bug. */
	CHECK_INT(k[0].b[7], 0);
	for (int i = kmap_key_size[KMAP_V4_PORT]; i < KKEY_MAX; i++)
		CHECK_INT(k[0].b[i], 0);
}

int main(void)
{
	test_keys();
	test_filters();
	test_initial_and_noop();
	test_change_size_writes();
	test_proto_ownership();
	test_full_repair();
	test_capacity();
	test_random_against_model();
	return tl_finish("test-plan");
}
