// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real XDP program under BPF_PROG_TEST_RUN, with its maps filled by the
 * daemon's own pipeline (rules text -> ruleset -> ruleidx -> plan -> filters
 * -> kmaps_apply), fed with crafted frames.  Every case checks the verdict,
 * the one rule counter that moved (the most specific rule's), and the totals
 * (dropped / passed / reason).
 *
 * Parts, in order:
 *   - pkt.c itself (headers, checksums), and fresh maps: everything passes;
 *   - rule set A (every kind of entry) x hit/miss x TCP/UDP/ICMP x VLAN tags
 *     x IPv4 options and fragments | IPv6 extension headers and fragments;
 *   - (malformed, non-IP and truncated frames: test-xdp-frames.c);
 *   - every case's expectation is also checked against the byte-level
 *     frame model of test/oracle.c (shared with test/fuzz/fuzz-xdp.c);
 *   - precedence (rule set B), a /udp entry removed and re-added through the
 *     plan, a key lost behind the daemon's back and repaired by a full
 *     re-sync;
 *   - skipped lookups: v6 only, v4 only, empty, each kind of entry alone;
 *   - a change larger than the free slots (the plan deletes first).
 * The harness (state, the pipeline, one frame against its expectation and
 * the model, matrices, sweeps) is xdprun.h; this file holds the cases.
 * Run with -v to print every passing case too.
 *
 * Needs root (BPF); exits 77 when it is not, or when loading is refused with
 * EPERM.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmaps.h"
#include "pkt.h"
#include "rules.h"
#include "xdp-set-a.h"
#include "xdprun.h"

/* ---- rule set A (xdp-set-a.h): one or more entries of every kind ---- */

static const struct target targets_a[] = {
	/* v4 exact */
	{ 4, "10.1.0.1", 80, "10.1.0.1", "10.1.0.1", "10.1.0.1" },
	{ 4, "10.1.0.2", 80, NULL, NULL, NULL },     /* same /24 */
	{ 4, "10.1.1.1", 80, NULL, NULL, NULL },     /* other /24 */
	/* v4 prefix, both edges and just outside */
	{ 4, "10.2.0.0", 80, "10.2.0.0/16", "10.2.0.0/16", "10.2.0.0/16" },
	{ 4, "10.2.255.255", 80, "10.2.0.0/16", "10.2.0.0/16", "10.2.0.0/16" },
	{ 4, "10.1.255.255", 80, NULL, NULL, NULL },
	{ 4, "10.3.0.0", 80, NULL, NULL, NULL },
	/* neighbours in the /24 filter */
	{ 4, "10.6.45.3", 80, "10.6.45.3", "10.6.45.3", "10.6.45.3" },
	{ 4, "10.6.44.3", 80, NULL, NULL, NULL },
	{ 4, "10.6.46.3", 80, NULL, NULL, NULL },
	{ 4, "10.7.200.0", 80, "10.7.200.0/22", "10.7.200.0/22",
	  "10.7.200.0/22" },
	{ 4, "10.7.203.255", 80, "10.7.200.0/22", "10.7.200.0/22",
	  "10.7.200.0/22" },
	{ 4, "10.7.199.255", 80, NULL, NULL, NULL },
	{ 4, "10.7.204.0", 80, NULL, NULL, NULL },
	{ 4, "10.8.3.255", 80, "10.8.2.0/23", "10.8.2.0/23", "10.8.2.0/23" },
	{ 4, "10.8.1.255", 80, NULL, NULL, NULL },
	{ 4, "10.8.4.0", 80, NULL, NULL, NULL },
	/* v4 ip:port */
	{ 4, "10.3.0.1", 1000, "10.3.0.1:1000", "10.3.0.1:1000", NULL },
	{ 4, "10.3.0.1", 1001, NULL, NULL, NULL },
	{ 4, "10.3.0.9", 1000, NULL, NULL, NULL },
	{ 4, "10.3.0.2", 2000, "10.3.0.2:2000/tcp", NULL, NULL },
	{ 4, "10.3.0.3", 3000, NULL, "10.3.0.3:3000/udp", NULL },
	{ 4, "10.3.0.3", 2000, NULL, NULL, NULL },
	/* port entry inside an address prefix: port beats address */
	{ 4, "10.2.7.7", 7000, "10.2.7.7:7000/tcp", "10.2.0.0/16", "10.2.0.0/16" },
	/* v4 prefix:port */
	{ 4, "10.4.0.77", 4000, "10.4.0.0/24:4000", "10.4.0.0/24:4000", NULL },
	{ 4, "10.4.0.255", 4000, "10.4.0.0/24:4000", "10.4.0.0/24:4000", NULL },
	{ 4, "10.4.2.1", 4000, NULL, NULL, NULL },
	{ 4, "10.4.1.9", 4001, "10.4.1.0/24:4001/tcp", NULL, NULL },
	{ 4, "10.4.1.9", 4000, NULL, NULL, NULL },
	/* 0.0.0.0/0:port/udp; port beats address */
	{ 4, "198.51.100.7", 11211, NULL, "0.0.0.0/0:11211/udp", NULL },
	{ 4, "198.51.100.7", 11212, NULL, NULL, NULL },
	{ 4, "10.1.0.1", 11211, "10.1.0.1", "0.0.0.0/0:11211/udp", "10.1.0.1" },
	{ 4, "10.2.3.4", 11211, "10.2.0.0/16", "0.0.0.0/0:11211/udp",
	  "10.2.0.0/16" },
	/* a v6 port entry does not match v4 */
	{ 4, "198.51.100.7", 123, NULL, NULL, NULL },

	/* v6 exact */
	{ 6, "2001:db8:1::1", 80, "2001:db8:1::1", "2001:db8:1::1",
	  "2001:db8:1::1" },
	{ 6, "2001:db8:1::2", 80, NULL, NULL, NULL },
	/* v6 prefix */
	{ 6, "2001:db8:2::", 80, "2001:db8:2::/48", "2001:db8:2::/48",
	  "2001:db8:2::/48" },
	{ 6, "2001:db8:2:ffff:ffff:ffff:ffff:ffff", 80, "2001:db8:2::/48",
	  "2001:db8:2::/48", "2001:db8:2::/48" },
	{ 6, "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 80, NULL, NULL, NULL },
	{ 6, "2001:db8:3::", 80, NULL, NULL, NULL },
	{ 6, "2001:db8:2::7", 7000, "[2001:db8:2::7]:7000/tcp",
	  "2001:db8:2::/48", "2001:db8:2::/48" },
	/* [v6]:port */
	{ 6, "2001:db8:3::1", 5000, "[2001:db8:3::1]:5000",
	  "[2001:db8:3::1]:5000", NULL },
	{ 6, "2001:db8:3::1", 5001, NULL, NULL, NULL },
	{ 6, "2001:db8:3::2", 5001, "[2001:db8:3::2]:5001/tcp", NULL, NULL },
	{ 6, "2001:db8:3::3", 5002, NULL, "[2001:db8:3::3]:5002/udp", NULL },
	/* [v6/48]:port */
	{ 6, "2001:db8:4:0:1::9", 6000, "[2001:db8:4::/48]:6000",
	  "[2001:db8:4::/48]:6000", NULL },
	{ 6, "2001:db8:4:ffff::1", 6000, "[2001:db8:4::/48]:6000",
	  "[2001:db8:4::/48]:6000", NULL },
	{ 6, "2001:db8:5::1", 6000, NULL, NULL, NULL },
	/* [::/0]:port/udp; port beats address */
	{ 6, "2001:db8:99::1", 123, NULL, "[::/0]:123/udp", NULL },
	{ 6, "2001:db8:99::1", 124, NULL, NULL, NULL },
	{ 6, "2001:db8:1::1", 123, "2001:db8:1::1", "[::/0]:123/udp",
	  "2001:db8:1::1" },
	/* a v4 port entry does not match v6 */
	{ 6, "2001:db8:99::1", 11211, NULL, NULL, NULL },
};
#define N_TARGETS_A (sizeof(targets_a) / sizeof(targets_a[0]))

/* ---- precedence and changes through the plan ---- */

static const char rules_b[] =
	"10.20.0.0/16\n"
	"10.20.30.0/24\n"
	"10.20.30.40\n"
	"10.20.30.40:53\n"
	"10.20.30.40:53/udp\n"
	"10.20.0.0/16:53\n"
	"10.20.30.0/24:53/tcp\n"
	"10.20.0.0/16:5353/udp\n"
	"10.20.30.0/24:5353\n"
	"2001:db8::/32\n"
	"2001:db8:20::/48\n"
	"2001:db8:20::1\n"
	"[2001:db8:20::1]:53\n"
	"[2001:db8:20::1]:53/udp\n"
	"[2001:db8::/32]:53\n"
	"[2001:db8:20::/48]:53/tcp\n";
#define RULES_B_N 16

/* rules_b without its two /udp host entries */
static const char rules_b2[] =
	"10.20.0.0/16\n"
	"10.20.30.0/24\n"
	"10.20.30.40\n"
	"10.20.30.40:53\n"
	"10.20.0.0/16:53\n"
	"10.20.30.0/24:53/tcp\n"
	"10.20.0.0/16:5353/udp\n"
	"10.20.30.0/24:5353\n"
	"2001:db8::/32\n"
	"2001:db8:20::/48\n"
	"2001:db8:20::1\n"
	"[2001:db8:20::1]:53\n"
	"[2001:db8::/32]:53\n"
	"[2001:db8:20::/48]:53/tcp\n";

static const struct target targets_b[] = {
	{ 4, "10.20.30.40", 53, "10.20.30.40:53", "10.20.30.40:53/udp",
	  "10.20.30.40" },
	{ 4, "10.20.30.40", 54, "10.20.30.40", "10.20.30.40", "10.20.30.40" },
	{ 4, "10.20.30.41", 53, "10.20.30.0/24:53/tcp", "10.20.0.0/16:53",
	  "10.20.30.0/24" },
	{ 4, "10.20.31.1", 53, "10.20.0.0/16:53", "10.20.0.0/16:53",
	  "10.20.0.0/16" },
	{ 4, "10.20.31.1", 80, "10.20.0.0/16", "10.20.0.0/16", "10.20.0.0/16" },
	/* longer prefix wins over the protocol-specific shorter one */
	{ 4, "10.20.30.41", 5353, "10.20.30.0/24:5353", "10.20.30.0/24:5353",
	  "10.20.30.0/24" },
	{ 4, "10.20.31.1", 5353, "10.20.0.0/16", "10.20.0.0/16:5353/udp",
	  "10.20.0.0/16" },
	{ 4, "10.21.0.1", 53, NULL, NULL, NULL },
	{ 6, "2001:db8:20::1", 53, "[2001:db8:20::1]:53",
	  "[2001:db8:20::1]:53/udp", "2001:db8:20::1" },
	{ 6, "2001:db8:20::2", 53, "[2001:db8:20::/48]:53/tcp",
	  "[2001:db8::/32]:53", "2001:db8:20::/48" },
	{ 6, "2001:db8:21::2", 53, "[2001:db8::/32]:53", "[2001:db8::/32]:53",
	  "2001:db8::/32" },
	{ 6, "2001:db8:20::1", 80, "2001:db8:20::1", "2001:db8:20::1",
	  "2001:db8:20::1" },
	{ 6, "2001:db8:21::2", 80, "2001:db8::/32", "2001:db8::/32",
	  "2001:db8::/32" },
	{ 6, "2001:db9::1", 53, NULL, NULL, NULL },
};
#define N_TARGETS_B (sizeof(targets_b) / sizeof(targets_b[0]))

/* Targets of rules_b2: the UDP keys of the host entries fall back to the
 * any-protocol entries. */
static const struct target targets_b2[] = {
	{ 4, "10.20.30.40", 53, "10.20.30.40:53", "10.20.30.40:53",
	  "10.20.30.40" },
	{ 4, "10.20.30.41", 53, "10.20.30.0/24:53/tcp", "10.20.0.0/16:53",
	  "10.20.30.0/24" },
	{ 6, "2001:db8:20::1", 53, "[2001:db8:20::1]:53", "[2001:db8:20::1]:53",
	  "2001:db8:20::1" },
};
#define N_TARGETS_B2 (sizeof(targets_b2) / sizeof(targets_b2[0]))

static void test_precedence_and_changes(void)
{
	struct applied a;
	int s_any, s_udp, s_any6, s_udp6;
	char desc[DESC_MAX];
	struct pkt_spec s;

	apply_or_die("B", rules_b, 0, &a);
	check_plan("A -> B", &a, RULES_B_N, RULES_A_N, 0);
	check_in_force("B", RULES_B_N);
	check_targets_against_oracle(targets_b, N_TARGETS_B);
	test_targets_light(targets_b, N_TARGETS_B);

	/* The /udp entries go: their keys pass to the any-protocol entries,
	 * whose slots (and counters) stay. */
	s_any = slot_of_text("10.20.30.40:53");
	s_udp = slot_of_text("10.20.30.40:53/udp");
	s_any6 = slot_of_text("[2001:db8:20::1]:53");
	s_udp6 = slot_of_text("[2001:db8:20::1]:53/udp");
	apply_or_die("B2", rules_b2, 0, &a);
	check_plan("B -> B2", &a, 0, 2, RULES_B_N - 2);
	check_in_force("B2", RULES_B_N - 2);
	xr_checks++;
	if (s_any < 0 || slot_of_text("10.20.30.40:53") != s_any ||
	    s_any6 < 0 || slot_of_text("[2001:db8:20::1]:53") != s_any6)
		fail("B -> B2: an unchanged rule moved to another slot");
	xr_checks++;
	if (s_udp < 0 || km.table[s_udp].family || s_udp6 < 0 ||
	    km.table[s_udp6].family)
		fail("B -> B2: the slot of a removed rule was not freed");
	check_targets_against_oracle(targets_b2, N_TARGETS_B2);
	test_targets_light(targets_b2, N_TARGETS_B2);

	/* ... and come back: the protocol-specific entry takes the key again. */
	apply_or_die("B again", rules_b, 0, &a);
	check_plan("B2 -> B", &a, 2, 0, RULES_B_N - 2);
	check_fresh_counters("B2 -> B", "10.20.30.40:53/udp");
	check_fresh_counters("B2 -> B", "[2001:db8:20::1]:53/udp");
	test_targets_light(targets_b, 1);
	test_targets_light(targets_b + 8, 1);

	/* A key lost behind the program's back: an incremental plan trusts
	 * the slot table and writes nothing, the full re-sync (SIGHUP) puts
	 * it back. */
	{
		struct xdpfw_v4_port_key b = { .prefixlen = XDPFW_V4P_KEY_PLEN,
					       .port = htons(53),
					       .proto = IPPROTO_UDP };
		struct kkey k;
		int r;

		inet_pton(AF_INET, "10.20.30.40", &b.addr);
		kkey_from_bytes(&k, KMAP_V4_PORT, &b);
		off_model = 1;
		xr_checks++;
		r = xr_drop_key(&k);
		if (r)
			fail("deleting the key of 10.20.30.40:53/udp: %s",
			     strerror(-r));
		s = spec(4, "10.20.30.40", IPPROTO_UDP, 53);
		describe(desc, sizeof(desc), &s, "key deleted behind the daemon");
		run_spec(desc, &s, "10.20.0.0/16:53", 0);
		apply_or_die("B incremental", rules_b, 0, &a);
		check_plan("B -> B (incremental)", &a, 0, 0, RULES_B_N);
		describe(desc, sizeof(desc), &s, "after an incremental re-sync");
		run_spec(desc, &s, "10.20.0.0/16:53", 0);
		apply_or_die("B full", rules_b, 1, &a);
		check_plan("B -> B (full)", &a, 0, 0, RULES_B_N);
		off_model = 0;
		describe(desc, sizeof(desc), &s, "after a full re-sync");
		run_spec(desc, &s, "10.20.30.40:53/udp", 0);
	}
}

/* A first load into maps just created: kmaps_apply makes every added
 * entry's keys itself, the port entries' too.  The key two twins share
 * goes to the protocol-specific one, also when the any-protocol entry
 * comes after it, and only once; a full re-sync finds nothing to write.
 * Run on fresh maps (counters zero). */
static const char rules_twins[] =
	"10.20.30.40:53/udp\n"
	"10.20.30.40:53\n"
	"[2001:db8:20::1]:53/tcp\n"
	"[2001:db8:20::1]:53\n"
	"10.20.0.0/16:5353/udp\n"
	"10.20.0.0/16:5353\n";
#define RULES_TWINS_N 6

static const struct target targets_twins[] = {
	{ 4, "10.20.30.40", 53, "10.20.30.40:53", "10.20.30.40:53/udp", NULL },
	{ 6, "2001:db8:20::1", 53, "[2001:db8:20::1]:53/tcp",
	  "[2001:db8:20::1]:53", NULL },
	{ 4, "10.20.31.1", 5353, "10.20.0.0/16:5353", "10.20.0.0/16:5353/udp",
	  NULL },
};

/* The twins loaded into maps that hold nothing (full: as a start-up's
 * full sync, whose filters and /24 table are built on a thread beside
 * the key writes, sync.c): every key written once, the flags, the
 * verdicts. */
static void first_load(int full)
{
	struct applied a;

	km.counters_fresh = 1;
	apply_or_die(full ? "twins, first load (full)" : "twins, first load",
		     rules_twins, full, &a);
	check_plan("first load of twins", &a, RULES_TWINS_N, 0, 0);
	xr_checks++;
	if (a.key_writes != RULES_TWINS_N)
		fail("a first load (full %d) of %d entries (%d keys) wrote %zu "
		     "keys", full, RULES_TWINS_N, RULES_TWINS_N, a.key_writes);
	check_flags("twins, first load", XDPFW_F_V4_PORT_EXACT |
		    XDPFW_F_V4_PORT_PREFIX | XDPFW_F_V6_PORT_EXACT);
	check_targets_against_oracle(targets_twins, 3);
	test_targets_light(targets_twins, 3);
}

static void test_first_load(void)
{
	struct applied a;

	first_load(0);
	apply_or_die("twins full", rules_twins, 1, &a);
	check_plan("twins -> twins (full)", &a, 0, 0, RULES_TWINS_N);
	xr_checks++;
	if (a.key_writes)
		fail("a full re-sync after a first load wrote %zu keys",
		     a.key_writes);
	apply_or_die("empty", "", 0, &a);
	check_plan("twins -> empty", &a, 0, RULES_TWINS_N, 0);
	first_load(1);
	apply_or_die("empty again", "", 0, &a);
	check_plan("twins -> empty again", &a, 0, RULES_TWINS_N, 0);
}

/* Lookups of absent kinds are skipped: v6-only and v4-only sets, then
 * nothing at all. */
static void test_skipped_lookups(void)
{
	static const char v6_only[] = "2001:db8:1::1\n"
				      "[2001:db8:3::1]:5000\n";
	static const char v4_only[] = "10.1.0.1\n"
				      "10.3.0.1:1000\n";
	static const struct target t_v6_only[] = {
		{ 4, "10.1.0.1", 80, NULL, NULL, NULL },
		{ 4, "10.3.0.1", 1000, NULL, NULL, NULL },
		{ 4, "10.20.30.40", 53, NULL, NULL, NULL },
		{ 4, "198.51.100.7", 11211, NULL, NULL, NULL },
		{ 6, "2001:db8:1::1", 80, "2001:db8:1::1", "2001:db8:1::1",
		  "2001:db8:1::1" },
		{ 6, "2001:db8:3::1", 5000, "[2001:db8:3::1]:5000",
		  "[2001:db8:3::1]:5000", NULL },
		{ 6, "2001:db8:20::1", 53, NULL, NULL, NULL },
	};
	static const struct target t_v4_only[] = {
		{ 4, "10.1.0.1", 80, "10.1.0.1", "10.1.0.1", "10.1.0.1" },
		{ 4, "10.3.0.1", 1000, "10.3.0.1:1000", "10.3.0.1:1000", NULL },
		{ 4, "10.20.30.40", 53, NULL, NULL, NULL },
		{ 6, "2001:db8:1::1", 80, NULL, NULL, NULL },
		{ 6, "2001:db8:3::1", 5000, NULL, NULL, NULL },
		{ 6, "2001:db8:99::1", 123, NULL, NULL, NULL },
	};
	static const struct target t_none[] = {
		{ 4, "10.1.0.1", 80, NULL, NULL, NULL },
		{ 4, "10.3.0.1", 1000, NULL, NULL, NULL },
		{ 4, "198.51.100.7", 11211, NULL, NULL, NULL },
		{ 6, "2001:db8:1::1", 80, NULL, NULL, NULL },
		{ 6, "2001:db8:3::1", 5000, NULL, NULL, NULL },
		{ 6, "2001:db8:99::1", 123, NULL, NULL, NULL },
	};
	struct applied a;
	size_t nkeys = 1;
	struct kop *keys = NULL;

	apply_or_die("v6 only", v6_only, 0, &a);
	check_plan("B -> v6 only", &a, 2, RULES_B_N, 0);
	check_flags("v6 only", XDPFW_F_V6_EXACT | XDPFW_F_V6_PORT_EXACT);
	check_targets_against_oracle(t_v6_only, 7);
	test_targets_light(t_v6_only, 7);

	apply_or_die("v4 only", v4_only, 0, &a);
	check_plan("v6 only -> v4 only", &a, 2, 2, 0);
	check_flags("v4 only", XDPFW_F_V4_EXACT | XDPFW_F_V4_PORT_EXACT);
	check_targets_against_oracle(t_v4_only, 6);
	test_targets_light(t_v4_only, 6);

	apply_or_die("empty", "# nothing\n", 0, &a);
	check_plan("v4 only -> empty", &a, 0, 2, 0);
	check_flags("empty", 0);
	check_in_force("empty", 0);
	xr_checks++;
	if (kmaps_dump_keys(&km, &keys, &nkeys) || nkeys)
		fail("empty set: the lookup maps still hold %zu keys", nkeys);
	free(keys);
	for (int m = 0; m < FMAP_N; m++) {
		for (uint32_t w = 0; w < fmap_words[m]; w++) {
			if (km.filter[m][w]) {
				xr_checks++;
				fail("empty set: filter %d word %u is 0x%llx", m, w,
				     (unsigned long long)km.filter[m][w]);
				break;
			}
		}
	}
	test_targets_light(t_none, 6);
	test_matrix(t_none, 6);
}

/* Each kind of entry alone: only its lookup may find anything, and the
 * kinds-present flags must let it run. */
static void test_each_kind_alone(void)
{
	static const struct {
		const char *rule;
		uint32_t flag;
		struct target t;
	} kinds[] = {
		{ "10.1.0.1", XDPFW_F_V4_EXACT, { 4, "10.1.0.1", 80 } },
		{ "10.2.0.0/16", XDPFW_F_V4_PREFIX, { 4, "10.2.3.4", 80 } },
		{ "10.3.0.1:1000", XDPFW_F_V4_PORT_EXACT, { 4, "10.3.0.1", 1000 } },
		{ "10.4.0.0/24:4000", XDPFW_F_V4_PORT_PREFIX,
		  { 4, "10.4.0.9", 4000 } },
		{ "2001:db8:1::1", XDPFW_F_V6_EXACT, { 6, "2001:db8:1::1", 80 } },
		{ "2001:db8:2::/48", XDPFW_F_V6_PREFIX, { 6, "2001:db8:2::9", 80 } },
		{ "[2001:db8:3::1]:5000", XDPFW_F_V6_PORT_EXACT,
		  { 6, "2001:db8:3::1", 5000 } },
		{ "[2001:db8:4::/48]:6000", XDPFW_F_V6_PORT_PREFIX,
		  { 6, "2001:db8:4::9", 6000 } },
	};
	enum { N = sizeof(kinds) / sizeof(kinds[0]) };
	struct target t[N];
	char text[64], what[96];
	struct applied a;

	for (int k = 0; k < N; k++) {
		snprintf(text, sizeof(text), "%s\n", kinds[k].rule);
		snprintf(what, sizeof(what), "only %s", kinds[k].rule);
		apply_or_die(what, text, 0, &a);
		check_flags(what, kinds[k].flag);
		for (int j = 0; j < N; j++) {
			t[j] = kinds[j].t;
			if (j != k)
				continue;
			t[j].r_tcp = t[j].r_udp = kinds[j].rule;
			if (!(kinds[j].flag & (XDPFW_F_V4_PORT | XDPFW_F_V6_PORT)))
				t[j].r_addr = kinds[j].rule;
		}
		check_targets_against_oracle(t, N);
		test_targets_light(t, N);
	}
}

/*
 * A change bigger than the free slots (old + added > capacity): the plan
 * deletes first and reuses freed slots.  The new rules enforce, each under
 * its own counter starting from zero; the old ones are gone.
 */
#define BIG_N 40

static char *big_set(int net)
{
	size_t cap = BIG_N * 48, o = 0;
	char *buf = malloc(cap);

	if (!buf)
		exit(1);
	for (int i = 1; i <= BIG_N; i++) {
		if (i % 2)
			o += (size_t)snprintf(buf + o, cap - o, "10.%d.0.%d\n", net, i);
		else
			o += (size_t)snprintf(buf + o, cap - o, "10.%d.0.%d:%d/udp\n",
					      net, i, 9000 + i);
	}
	return buf;
}

static void big_hit(int net, int i, int want_hit)
{
	char src[32], rule[48], desc[DESC_MAX];
	struct pkt_spec s;

	snprintf(src, sizeof(src), "10.%d.0.%d", net, i);
	if (i % 2)
		snprintf(rule, sizeof(rule), "10.%d.0.%d", net, i);
	else
		snprintf(rule, sizeof(rule), "10.%d.0.%d:%d/udp", net, i, 9000 + i);
	s = spec(4, src, IPPROTO_UDP, (uint16_t)(9000 + i));
	describe(desc, sizeof(desc), &s, want_hit ? "(big set)" : "(old big set)");
	run_spec(desc, &s, want_hit ? rule : NULL, 0);
}

static void test_capacity_transition(void)
{
	char *x = big_set(50), *y = big_set(51);
	struct applied a;

	apply_or_die("empty", "", 0, &a);
	apply_or_die("X", x, 0, &a);
	check_plan("empty -> X", &a, BIG_N, 0, 0);
	for (int i = 1; i <= BIG_N; i++)
		big_hit(50, i, 1);
	apply_or_die("Y", y, 0, &a);
	check_plan("X -> Y (delete first)", &a, BIG_N, BIG_N, 0);
	check_in_force("Y", BIG_N);
	for (int i = 1; i <= BIG_N; i++) {
		char rule[48];

		if (i % 2)
			snprintf(rule, sizeof(rule), "10.51.0.%d", i);
		else
			snprintf(rule, sizeof(rule), "10.51.0.%d:%d/udp", i, 9000 + i);
		check_fresh_counters("X -> Y", rule);
	}
	for (int i = 1; i <= BIG_N; i++) {
		big_hit(51, i, 1);
		big_hit(50, i, 0);
	}
	free(x);
	free(y);
}

/* The flags in force cannot be read (the cfg map's fd is not a map):
 * kmaps_apply must fail before it writes anything, not take the flags for
 * 0 and write keys the program would then never look up. */
static void test_unreadable_flags(void)
{
	int saved = km.fd[XMAP_CFG];
	struct xdpfw_v4_key key = { .prefixlen = XDPFW_V4_KEY_PLEN,
				    .addr = htonl(0xcb007163) }; /* 203.0.113.99 */
	struct kkey k;
	uint32_t slot;
	int err;

	apply_or_die("empty", "", 0, NULL);
	km.fd[XMAP_CFG] = -1;
	err = apply_rules("203.0.113.99\n", 0, NULL);
	km.fd[XMAP_CFG] = saved;
	xr_checks++;
	if (err != -EBADF)
		fail("apply with an unreadable cfg map: %d, expected -EBADF", err);
	xr_checks++;
	kkey_from_bytes(&k, KMAP_V4, &key);
	if (kmaps_lookup_key(&km, &k, &slot) != 0)
		fail("apply with an unreadable cfg map wrote 203.0.113.99 (slot %u)",
		     slot);
	check_in_force("after the refused apply", 0);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	struct applied a;
	int rc = xr_setup("test-xdp", argc, argv);

	if (rc >= 0)
		return rc;


	/* Fresh maps: no rules, everything passes. */
	check_flags("fresh maps", 0);
	{
		static const struct target none[] = {
			{ 4, "10.1.0.1", 80, NULL, NULL, NULL },
			{ 6, "2001:db8:1::1", 80, NULL, NULL, NULL },
		};

		test_targets_light(none, 2);
	}
	test_first_load();

	apply_or_die("A", rules_a, 0, &a);
	check_plan("empty -> A", &a, RULES_A_N, 0, 0);
	check_in_force("A", RULES_A_N);
	check_flags("A", XDPFW_F_V4_EXACT | XDPFW_F_V4_PREFIX |
				 XDPFW_F_V4_PORT_EXACT | XDPFW_F_V4_PORT_PREFIX |
				 XDPFW_F_V4_PORT_SHORT | /* 0.0.0.0/0:11211/udp */
				 XDPFW_F_V6_EXACT | XDPFW_F_V6_PREFIX |
				 XDPFW_F_V6_PORT_EXACT | XDPFW_F_V6_PORT_PREFIX |
				 XDPFW_F_V6_PORT_SHORT);
	check_targets_against_oracle(targets_a, N_TARGETS_A);
	test_matrix(targets_a, N_TARGETS_A);

	test_precedence_and_changes();
	test_skipped_lookups();
	test_each_kind_alone();
	test_capacity_transition();
	test_unreadable_flags();

	return xr_finish();
}
