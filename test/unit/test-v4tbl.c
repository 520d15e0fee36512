// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPv4 /24 table computed in user space (agent/v4tbl.c): painting a
 * chunk (the longest prefix <= /24 wins; hosts and /25-/31 set flags;
 * prefixes shorter than /8 span chunks), the incremental recomputation of
 * a prefix's range from a look-up of the set (it must agree with the
 * painting, also for a /16 removed under a /8 and a /24 re-owned), the
 * list of /25-/31 kept between reloads, and the reduction of the changed
 * prefixes to disjoint ranges.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleidx.h"
#include "testlib.h"
#include "v4tbl.h"

#define MAXR 64

static struct xdpfw_rule set[MAXR];
static size_t n_set;
static uint32_t words[V4TBL_CHUNK];

static struct xdpfw_rule R(const char *addr, int plen)
{
	struct xdpfw_rule r = { .family = XDPFW_FAMILY_V4 };

	inet_pton(AF_INET, addr, r.addr);
	r.prefixlen = (uint8_t)(plen < 0 ? 32 : plen);
	return r;
}

static void add(const char *addr, int plen)
{
	set[n_set++] = R(addr, plen);
}

/* The word of the /24 of addr, painted from the set (slot = position). */
static uint32_t word(const char *addr)
{
	struct v4tbl_ix ix;
	struct in_addr a;
	uint32_t h;

	inet_pton(AF_INET, addr, &a);
	h = ntohl(a.s_addr);
	CHECK_INT(v4tbl_ix_build(&ix, set, NULL, n_set), 0);
	v4tbl_paint(&ix, h >> 24, words);
	v4tbl_ix_free(&ix);
	return words[(h >> 8) & (V4TBL_CHUNK - 1)];
}

static uint32_t lookup(const void *ctx, uint32_t addr, uint8_t plen)
{
	struct xdpfw_rule r = { .family = XDPFW_FAMILY_V4, .prefixlen = plen };
	uint32_t be = htonl(addr);

	(void)ctx;
	memcpy(r.addr, &be, 4);
	for (size_t i = 0; i < n_set; i++)
		if (!memcmp(&set[i], &r, sizeof(r)))
			return (uint32_t)i;
	return UINT32_MAX;
}

/* The range of addr/plen recomputed from look-ups equals the painting's
 * slot parts. */
static void check_range(const char *addr, int plen)
{
	static uint32_t vals[1u << 16];
	struct v4tbl_ix ix;
	struct xdpfw_rule r = R(addr, plen);
	uint32_t first = v4tbl_addr(&r) >> 8, n = 1u << (24 - plen);
	int bad = 0;

	CHECK_INT(v4tbl_ix_build(&ix, set, NULL, n_set), 0);
	v4tbl_range(lookup, NULL, v4tbl_addr(&r), (uint8_t)plen, vals);
	v4tbl_paint(&ix, first >> V4TBL_CHUNK_BITS, words);
	v4tbl_ix_free(&ix);
	for (uint32_t i = 0; i < n; i++)
		bad += vals[i] !=
		       (words[(first + i) & (V4TBL_CHUNK - 1)] & XDPFW_V4T_SLOT);
	CHECK_MSG(!bad, "range %s/%d: %d words differ from the painting", addr,
		  plen, bad);
}

static void test_paint(void)
{
	n_set = 0;
	add("10.0.0.0", 8);        /* slot 0 */
	add("10.1.0.0", 16);       /* slot 1 */
	add("10.1.2.0", 24);       /* slot 2 */
	add("10.1.3.4", -1);       /* slot 3: host */
	add("10.1.5.128", 25);     /* slot 4: long */
	add("0.0.0.0", 1);         /* slot 5: spans chunks */
	CHECK_INT(word("10.1.2.200"), 3);
	CHECK_INT(word("10.1.3.9"), 2 | XDPFW_V4T_HOSTS);
	CHECK_INT(word("10.1.5.1"), 2 | XDPFW_V4T_TRIE);
	add("10.1.5.64", 26);      /* slot 6: long, lower half */
	CHECK_INT(word("10.1.5.1"), 2 | XDPFW_V4T_TRIE);
	n_set--;
	CHECK_INT(word("10.1.255.1"), 2);
	CHECK_INT(word("10.2.0.1"), 1);
	CHECK_INT(word("11.0.0.1"), 6);
	CHECK_INT(word("127.255.255.1"), 6);
	CHECK_INT(word("128.0.0.1"), 0);
	/* Port entries and exceptions paint nothing. */
	set[n_set] = R("200.0.0.0", 8);
	set[n_set++].port = 80;
	set[n_set] = R("201.0.0.0", 8);
	set[n_set++].flags = XDPFW_RULE_EXCEPT;
	CHECK_INT(word("200.1.1.1"), 0);
	CHECK_INT(word("201.1.1.1"), 0);
	/* The whole space. */
	add("0.0.0.0", 0);
	CHECK_INT(word("255.255.255.255"), n_set);
	CHECK_INT(word("1.2.3.4"), 6);
}

static void test_ranges(void)
{
	n_set = 0;
	add("10.0.0.0", 8);
	add("10.1.0.0", 16);
	add("10.1.2.0", 24);
	add("10.1.3.4", -1);
	add("10.1.128.0", 17);
	check_range("10.0.0.0", 8);
	check_range("10.1.0.0", 16);
	check_range("10.1.2.0", 24);
	/* The /16 removed under the /8: its range falls back to the /8,
	 * but for the /24 and /17 inside. */
	set[1] = R("192.0.2.0", 24);
	check_range("10.1.0.0", 16);
	CHECK_INT(word("10.1.7.1"), 1);
	CHECK_INT(word("10.1.2.1"), 3);
	CHECK_INT(word("10.1.200.1"), 5);
	/* The /24 re-owned: a /23 over it. */
	set[2] = R("10.1.2.0", 23);
	check_range("10.1.2.0", 24);
	check_range("10.1.2.0", 23);
	CHECK_INT(word("10.1.3.1"), 3 | XDPFW_V4T_HOSTS);
	/* Nothing covers it. */
	check_range("172.16.0.0", 12);
}

/* The block of /24 idx from the set: entry i, slot + 1 of the longest
 * prefix of /31 or shorter covering x.y.z.i, base where none is longer
 * than /24. */
static void test_block(void)
{
	static uint32_t e[256];
	struct v4tbl_ix ix;

	n_set = 0;
	add("10.1.0.0", 16);       /* slot 0 */
	add("10.1.5.128", 25);     /* slot 1 */
	add("10.1.5.192", 27);     /* slot 2: inside the /25 */
	add("10.1.5.4", 30);       /* slot 3 */
	add("10.1.5.6", 31);       /* slot 4: inside the /30 */
	add("10.1.5.9", -1);       /* slot 5: a host, not in the block */
	add("10.1.6.0", 25);       /* slot 6: the next /24 */
	add("10.1.4.128", 25);     /* slot 7: the one before */
	CHECK_INT(v4tbl_ix_build(&ix, set, NULL, n_set), 0);
	CHECK_INT(v4tbl_block(&ix, 0x0a0105, 1, e), 4);
	CHECK_INT(e[0], 1);
	CHECK_INT(e[4], 4);
	CHECK_INT(e[5], 4);
	CHECK_INT(e[6], 5);
	CHECK_INT(e[7], 5);
	CHECK_INT(e[8], 1);
	CHECK_INT(e[9], 1);
	CHECK_INT(e[127], 1);
	CHECK_INT(e[128], 2);
	CHECK_INT(e[191], 2);
	CHECK_INT(e[192], 3);
	CHECK_INT(e[223], 3);
	CHECK_INT(e[224], 2);
	CHECK_INT(e[255], 2);
	/* No /25-/31 inside: every entry is the base. */
	CHECK_INT(v4tbl_block(&ix, 0x0a0107, 9, e), 0);
	CHECK_INT(e[0], 9);
	CHECK_INT(e[255], 9);
	CHECK_INT(v4tbl_block(&ix, 0x0a0106, 0, e), 1);
	CHECK_INT(e[127], 7);
	CHECK_INT(e[128], 0);
	v4tbl_ix_free(&ix);
}

/* The list of /25-/31 kept between reloads, merged change by change
 * over a random walk, against the one a full build makes of each set;
 * and a change the list cannot have come from. */
static void test_long_merge(void)
{
	static const char *const pool[] = {
		"10.1.5.128/25", "10.1.5.192/27", "10.1.5.4/30", "10.1.5.6/31",
		"10.1.6.0/25", "10.1.4.128/25", "10.1.5.0/26", "192.0.2.0/31",
		"10.1.5.9/32", "10.1.0.0/16", "10.1.5.0/25", "10.1.5.200/29",
	};
	enum { POOL = sizeof(pool) / sizeof(pool[0]) };
	struct v4t_long *lng = NULL, gone[POOL], addv[POOL];
	struct xdpfw_rule rules[POOL];
	size_t n = 0;
	unsigned seed = 7;
	int in[POOL] = { 0 };

	for (int i = 0; i < POOL; i++) {
		char a[32];
		int plen;

		sscanf(pool[i], "%31[^/]/%d", a, &plen);
		rules[i] = R(a, plen);
	}
	for (int round = 0; round < 200; round++) {
		struct xdpfw_rule now[POOL];
		uint32_t slots[POOL];
		size_t ng = 0, na = 0, k = 0;
		struct v4tbl_ix ix;

		for (int i = 0; i < POOL; i++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 4)
				continue;
			in[i] ^= 1;
			if (v4tbl_kind(&rules[i]) != V4T_LONG)
				continue;
			if (in[i])
				addv[na++] = v4tbl_long_of(&rules[i], (uint32_t)i);
			else
				gone[ng++] = v4tbl_long_of(&rules[i], (uint32_t)i);
		}
		CHECK_INT(v4tbl_long_merge(&lng, &n, gone, ng, addv, na), 0);
		for (int i = 0; i < POOL; i++)
			if (in[i]) {
				slots[k] = (uint32_t)i;
				now[k++] = rules[i];
			}
		CHECK_INT(v4tbl_ix_build(&ix, now, slots, k), 0);
		CHECK_INT(n, ix.n_lng);
		for (size_t i = 0; i < n && i < ix.n_lng; i++) {
			CHECK_INT(lng[i].addr, ix.lng[i].addr);
			CHECK_INT(lng[i].plen, ix.lng[i].plen);
			CHECK_INT(lng[i].s1, ix.lng[i].s1);
		}
		v4tbl_ix_free(&ix);
	}
	/* Removing one it does not hold, adding one it holds: refused. */
	for (int i = 0; i < POOL; i++) {
		if (v4tbl_kind(&rules[i]) != V4T_LONG)
			continue;
		gone[0] = v4tbl_long_of(&rules[i], (uint32_t)i);
		CHECK_INT(v4tbl_long_merge(&lng, &n, in[i] ? NULL : gone,
					   in[i] ? 0 : 1, in[i] ? gone : NULL,
					   in[i] ? 1 : 0),
			  -EPROTO);
		break;
	}
	free(lng);
}

static void test_reduce(void)
{
	struct v4t_prefix v[] = {
		{ 0x0a010200u, 24 }, { 0x0a000000u, 8 }, { 0x0a010000u, 16 },
		{ 0xc0000200u, 24 }, { 0xc0000200u, 24 }, { 0x0b000000u, 16 },
	};
	uint64_t w;
	size_t k = v4tbl_ranges_reduce(v, 6, &w);

	CHECK_INT(k, 3);
	CHECK_INT(v[0].addr, 0x0a000000u);
	CHECK_INT(v[1].addr, 0x0b000000u);
	CHECK_INT(v[2].addr, 0xc0000200u);
	CHECK_INT(w, 65536 + 256 + 1);
}

int main(void)
{
	test_paint();
	test_ranges();
	test_block();
	test_long_merge();
	test_reduce();
	return tl_finish("test-v4tbl");
}
