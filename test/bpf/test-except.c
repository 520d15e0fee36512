// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exceptions ("!ENTRY") on the real XDP program under BPF_PROG_TEST_RUN,
 * maps filled by the daemon's own pipeline (the harness of xdprun.h).  An
 * exception saves a packet that a blocking entry matched, whatever that
 * entry: the packet passes and counts under the most specific exception
 * (with a port, then the longer prefix, then a protocol), and under
 * PASSED (plus its malformed reason), never under DROPPED.  A packet that
 * no blocking entry matches never looks at the exceptions: nothing counts.
 *
 * Parts, in order:
 *   - rule set E (IPv4 and IPv6, address and port exceptions, exceptions
 *     more general than the block, port vs address and protocol vs any
 *     exceptions, exceptions alone) x TCP/UDP/ICMP x VLAN tags x IPv4
 *     options and fragments | IPv6 extension headers and fragments;
 *   - malformed frames from saved and blocked sources, and every
 *     truncation of a few (a saved frame passes with its reason);
 *   - xdpfw_cfg.flags: each kind of exception alone, with and without a
 *     block, and none;
 *   - through the plan: an exception removed (the block's counter goes
 *     on), added back (counts from zero), "!X" -> "X" -> "!X";
 *     "X" and "!X" at once; "!X:53" and "!X:53/udp" taking the udp key
 *     from each other; an exception key deleted behind the daemon's back,
 *     put back by a full re-sync only.
 * Every expectation is also checked against the model of test/oracle.c.
 * Run with -v to print every passing case too.  Needs root (BPF); exits 77
 * when it is not, or when loading is refused with EPERM.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kmaps.h"
#include "pkt.h"
#include "xdprun.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- rule set E ---- */

static const char rules_e[] =
	"# v4: a /24 and a port entry in it; one host saved\n"
	"198.51.100.0/24\n"
	"198.51.100.0/24:53/udp\n"
	"!198.51.100.7\n"
	"# v6: a /48 and a port entry in it; udp/53 of one host saved\n"
	"2001:db8:7::/48\n"
	"[2001:db8:7::/48]:53/udp\n"
	"![2001:db8:7::7]:53/udp\n"
	"# an exception more general than the block\n"
	"10.9.1.1:80/tcp\n"
	"!10.9.0.0/16\n"
	"# port exceptions against an address exception\n"
	"10.10.0.0/16\n"
	"!10.10.0.0/24\n"
	"!10.10.0.0/16:443\n"
	"!10.10.0.5:443/tcp\n"
	"# protocol-specific against any-protocol port exceptions\n"
	"10.11.0.0/16\n"
	"!10.11.0.0/16:53\n"
	"!10.11.0.0/16:53/udp\n"
	"!10.11.5.0/24:53\n"
	"# exceptions that no blocking entry needs\n"
	"!10.12.0.1\n"
	"!10.12.0.0/16:22\n"
	"!2001:db8:9::1\n"
	"# v6 port exception against an address exception\n"
	"2001:db8:8::/48\n"
	"[2001:db8:8::/48]:443/tcp\n"
	"!2001:db8:8::/64\n"
	"![2001:db8:8::/48]:443\n";
#define RULES_E_N 23

/* Blocking entries of E: v4 prefixes, a v4 prefix:port, a v4 host:port;
 * v6 prefixes and prefix:port; exceptions of all four kinds. */
#define FLAGS_E                                                         \
	(XDPFW_F_V4_PREFIX | XDPFW_F_V4_PORT_PREFIX |                   \
	 XDPFW_F_V4_PORT_EXACT | XDPFW_F_V6_PREFIX |                    \
	 XDPFW_F_V6_PORT_PREFIX | XDPFW_F_V4_XCPT_ADDR |                \
	 XDPFW_F_V4_XCPT_PORT | XDPFW_F_V6_XCPT_ADDR | XDPFW_F_V6_XCPT_PORT)

/* { family, source, sport, tcp, udp, no L4 header }: the rule that counts
 * (a "!" rule: passed, saved; another: dropped; NULL: passed, uncounted). */
static const struct target targets_e[] = {
	/* the saved host: every port, protocol, ICMP, fragment */
	{ 4, "198.51.100.7", 53, "!198.51.100.7", "!198.51.100.7",
	  "!198.51.100.7" },
	{ 4, "198.51.100.7", 80, "!198.51.100.7", "!198.51.100.7",
	  "!198.51.100.7" },
	/* its neighbours stay blocked, each under the right rule */
	{ 4, "198.51.100.8", 53, "198.51.100.0/24", "198.51.100.0/24:53/udp",
	  "198.51.100.0/24" },
	{ 4, "198.51.100.6", 80, "198.51.100.0/24", "198.51.100.0/24",
	  "198.51.100.0/24" },
	{ 4, "198.51.101.7", 53, NULL, NULL, NULL },
	/* v6: only udp/53 of ::7 is saved; tcp/53 falls to the /48 */
	{ 6, "2001:db8:7::7", 53, "2001:db8:7::/48", "![2001:db8:7::7]:53/udp",
	  "2001:db8:7::/48" },
	{ 6, "2001:db8:7::7", 54, "2001:db8:7::/48", "2001:db8:7::/48",
	  "2001:db8:7::/48" },
	{ 6, "2001:db8:7::8", 53, "2001:db8:7::/48", "[2001:db8:7::/48]:53/udp",
	  "2001:db8:7::/48" },
	/* a /16 exception beats a host:port/tcp block; elsewhere: no block,
	 * nothing counts */
	{ 4, "10.9.1.1", 80, "!10.9.0.0/16", NULL, NULL },
	{ 4, "10.9.1.1", 81, NULL, NULL, NULL },
	{ 4, "10.9.1.2", 80, NULL, NULL, NULL },
	/* a port exception beats an address one, whatever the prefixes */
	{ 4, "10.10.0.5", 443, "!10.10.0.5:443/tcp", "!10.10.0.0/16:443",
	  "!10.10.0.0/24" },
	{ 4, "10.10.0.6", 443, "!10.10.0.0/16:443", "!10.10.0.0/16:443",
	  "!10.10.0.0/24" },
	{ 4, "10.10.1.6", 443, "!10.10.0.0/16:443", "!10.10.0.0/16:443",
	  "10.10.0.0/16" },
	{ 4, "10.10.0.6", 80, "!10.10.0.0/24", "!10.10.0.0/24",
	  "!10.10.0.0/24" },
	{ 4, "10.10.1.6", 80, "10.10.0.0/16", "10.10.0.0/16", "10.10.0.0/16" },
	/* a protocol beats any protocol at the same prefix; a longer prefix
	 * beats a protocol */
	{ 4, "10.11.1.1", 53, "!10.11.0.0/16:53", "!10.11.0.0/16:53/udp",
	  "10.11.0.0/16" },
	{ 4, "10.11.5.1", 53, "!10.11.5.0/24:53", "!10.11.5.0/24:53",
	  "10.11.0.0/16" },
	{ 4, "10.11.1.1", 54, "10.11.0.0/16", "10.11.0.0/16", "10.11.0.0/16" },
	/* exceptions alone: misses pay nothing, count nothing */
	{ 4, "10.12.0.1", 22, NULL, NULL, NULL },
	{ 4, "10.12.0.2", 22, NULL, NULL, NULL },
	{ 6, "2001:db8:9::1", 80, NULL, NULL, NULL },
	/* v6: the port exception (/48) beats the address one (/64) */
	{ 6, "2001:db8:8::1", 443, "![2001:db8:8::/48]:443",
	  "![2001:db8:8::/48]:443", "!2001:db8:8::/64" },
	{ 6, "2001:db8:8:1::1", 443, "![2001:db8:8::/48]:443",
	  "![2001:db8:8::/48]:443", "2001:db8:8::/48" },
	{ 6, "2001:db8:8::1", 80, "!2001:db8:8::/64", "!2001:db8:8::/64",
	  "!2001:db8:8::/64" },
	{ 6, "2001:db8:8:1::1", 80, "2001:db8:8::/48", "2001:db8:8::/48",
	  "2001:db8:8::/48" },
};

/* ---- malformed frames ---- */

static void test_malformed(void)
{
	uint8_t f[FRAME_MAX];
	struct pkt_spec s;
	int len;

	/* IHL 15 in a 28-byte packet: the source is known, the header is
	 * not complete; the /24 blocks it, the exception saves it and the
	 * reason counts too.  A blocked neighbour is dropped, no reason. */
	s = spec(4, "198.51.100.7", IPPROTO_UDP, 53);
	s.payload_len = 0;
	len = build(&s, f);
	f[14] = 0x4f;
	run_bytes("v4 ihl 15, 28-byte packet, saved host", f, (size_t)len,
		  "!198.51.100.7", XDPFW_T_BAD_IP4);
	s.src = "198.51.100.8";
	len = build(&s, f);
	f[14] = 0x4f;
	run_bytes("v4 ihl 15, 28-byte packet, blocked neighbour", f,
		  (size_t)len, "198.51.100.0/24", 0);
	/* IHL 4: the source is not trusted, nothing matches */
	s.src = "198.51.100.7";
	len = build(&s, f);
	f[14] = 0x44;
	run_bytes("v4 ihl 4, saved host", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);

	/* A UDP header cut short: no port, so only address exceptions
	 * apply.  ::7's port exception cannot save it: the /48 drops it. */
	s = spec(4, "198.51.100.7", IPPROTO_UDP, 53);
	s.payload_len = 0;
	len = build(&s, f);
	run_bytes("v4 udp header cut to 4 bytes, saved host", f,
		  (size_t)len - 4, "!198.51.100.7", XDPFW_T_BAD_L4);
	s = spec(6, "2001:db8:7::7", IPPROTO_UDP, 53);
	s.payload_len = 0;
	len = build(&s, f);
	run_bytes("v6 udp header cut to 4 bytes, port exception only", f,
		  (size_t)len - 4, "2001:db8:7::/48", 0);
	run_bytes("v6 udp header whole, port exception", f, (size_t)len,
		  "![2001:db8:7::7]:53/udp", 0);
	s = spec(4, "10.10.0.5", IPPROTO_TCP, 443);
	s.payload_len = 0;
	len = build(&s, f);
	run_bytes("v4 tcp header cut, address exception under a port one", f,
		  (size_t)len - 1, "!10.10.0.0/24", XDPFW_T_BAD_L4);

	/* Three VLAN tags: not parsed, no source, nothing counts. */
	s = spec(4, "198.51.100.8", IPPROTO_TCP, 80);
	s.n_vlan = 3;
	len = build(&s, f);
	run_bytes("three tags, blocked source", f, (size_t)len, NULL,
		  XDPFW_T_VLAN_DEPTH);
	/* ARP from the saved host: not IP. */
	s = spec(0, "198.51.100.7", 0, 0);
	s.dst = "198.51.100.1";
	len = build(&s, f);
	run_bytes("arp from the saved host", f, (size_t)len, NULL,
		  XDPFW_T_NON_IP);

	/* More IPv6 extension headers than the program walks: the source
	 * is known, the port is not; the address exception saves it. */
	s = spec(6, "2001:db8:8::1", IPPROTO_TCP, 443);
	s.n_ip6_ext = 7;
	s.ip6_ext[0] = IPPROTO_HOPOPTS;
	s.ip6_ext[1] = IPPROTO_DSTOPTS;
	s.ip6_ext[2] = IPPROTO_ROUTING;
	s.ip6_ext[3] = IPPROTO_AH;
	s.ip6_ext[4] = IPPROTO_DSTOPTS;
	s.ip6_ext[5] = IPPROTO_AH;
	s.ip6_ext[6] = IPPROTO_DSTOPTS;
	len = build(&s, f);
	run_bytes("v6 seven extension headers, address exception", f,
		  (size_t)len, "!2001:db8:8::/64", XDPFW_T_IP6_EXT_DEPTH);
	s.src = "2001:db8:8:1::1";
	len = build(&s, f);
	run_bytes("v6 seven extension headers, port exception unreachable",
		  f, (size_t)len, "2001:db8:8::/48", 0);

	/* Every truncation: address exceptions from the fixed IP header on,
	 * port exceptions only with the whole L4 header. */
	s = spec(4, "198.51.100.7", IPPROTO_UDP, 53);
	s.n_vlan = 2;
	s.vlan_tpid[0] = 0x88a8;
	s.vlan_tpid[1] = 0x8100;
	s.ip4_opt_len = 8;
	s.payload_len = 2;
	sweep(&s);
	s = spec(4, "10.10.0.5", IPPROTO_TCP, 443);
	s.ip4_opt_len = 4;
	s.payload_len = 0;
	sweep(&s);
	s.src = "10.10.1.6";
	sweep(&s);
	s = spec(6, "2001:db8:7::7", IPPROTO_UDP, 53);
	s.n_vlan = 1;
	s.n_ip6_ext = 2;
	s.ip6_ext[0] = IPPROTO_HOPOPTS;
	s.ip6_ext[1] = IPPROTO_AH;
	s.payload_len = 2;
	sweep(&s);
	s = spec(6, "2001:db8:8::1", IPPROTO_TCP, 443);
	s.n_ip6_ext = 1;
	s.ip6_ext[0] = IPPROTO_FRAGMENT;
	s.frag = PKT_FRAG_FIRST;
	s.payload_len = 0;
	sweep(&s);
}

/* ---- cfg flags: only the kinds of exception that exist ---- */

static void test_flags(void)
{
	static const struct {
		const char *rules;
		uint32_t flags;
		struct target t[2];
	} sets[] = {
		{ "198.51.100.0/24\n!198.51.100.7\n",
		  XDPFW_F_V4_PREFIX | XDPFW_F_V4_XCPT_ADDR,
		  { { 4, "198.51.100.7", 53, "!198.51.100.7", "!198.51.100.7",
		      "!198.51.100.7" },
		    { 4, "198.51.100.8", 53, "198.51.100.0/24",
		      "198.51.100.0/24", "198.51.100.0/24" } } },
		{ "198.51.100.0/24\n!198.51.100.7:53/udp\n",
		  XDPFW_F_V4_PREFIX | XDPFW_F_V4_XCPT_PORT,
		  { { 4, "198.51.100.7", 53, "198.51.100.0/24",
		      "!198.51.100.7:53/udp", "198.51.100.0/24" },
		    { 4, "198.51.100.7", 54, "198.51.100.0/24",
		      "198.51.100.0/24", "198.51.100.0/24" } } },
		{ "2001:db8:7::/48\n!2001:db8:7::7\n",
		  XDPFW_F_V6_PREFIX | XDPFW_F_V6_XCPT_ADDR,
		  { { 6, "2001:db8:7::7", 53, "!2001:db8:7::7",
		      "!2001:db8:7::7", "!2001:db8:7::7" },
		    { 6, "2001:db8:7::8", 53, "2001:db8:7::/48",
		      "2001:db8:7::/48", "2001:db8:7::/48" } } },
		{ "2001:db8:7::/48\n![2001:db8:7::7]:53/udp\n",
		  XDPFW_F_V6_PREFIX | XDPFW_F_V6_XCPT_PORT,
		  { { 6, "2001:db8:7::7", 53, "2001:db8:7::/48",
		      "![2001:db8:7::7]:53/udp", "2001:db8:7::/48" },
		    { 6, "2001:db8:7::8", 53, "2001:db8:7::/48",
		      "2001:db8:7::/48", "2001:db8:7::/48" } } },
		/* v4 exceptions do not save v6 packets and the reverse */
		{ "198.51.100.0/24\n2001:db8:7::/48\n!198.51.100.0/24:53\n"
		  "!2001:db8:7::/48\n",
		  XDPFW_F_V4_PREFIX | XDPFW_F_V6_PREFIX | XDPFW_F_V4_XCPT_PORT |
			  XDPFW_F_V6_XCPT_ADDR,
		  { { 4, "198.51.100.9", 53, "!198.51.100.0/24:53",
		      "!198.51.100.0/24:53", "198.51.100.0/24" },
		    { 6, "2001:db8:7::9", 53, "!2001:db8:7::/48",
		      "!2001:db8:7::/48", "!2001:db8:7::/48" } } },
		/* exceptions alone */
		{ "!198.51.100.7\n![2001:db8:7::7]:53\n",
		  XDPFW_F_V4_XCPT_ADDR | XDPFW_F_V6_XCPT_PORT,
		  { { 4, "198.51.100.7", 53, NULL, NULL, NULL },
		    { 6, "2001:db8:7::7", 53, NULL, NULL, NULL } } },
		/* the same address, blocked: no exception flag */
		{ "198.51.100.0/24\n198.51.100.7\n",
		  XDPFW_F_V4_PREFIX | XDPFW_F_V4_EXACT,
		  { { 4, "198.51.100.7", 53, "198.51.100.7", "198.51.100.7",
		      "198.51.100.7" },
		    { 4, "198.51.100.8", 53, "198.51.100.0/24",
		      "198.51.100.0/24", "198.51.100.0/24" } } },
	};
	char what[160];
	struct applied a;

	for (size_t i = 0; i < N_OF(sets); i++) {
		snprintf(what, sizeof(what), "flags set %zu", i);
		apply_or_die(what, sets[i].rules, 0, &a);
		check_flags(what, sets[i].flags);
		check_targets_against_oracle(sets[i].t, 2);
		test_targets_light(sets[i].t, 2);
	}
}

/* ---- through the plan ---- */

static const char set_x[] = "198.51.100.0/24\n"
			    "198.51.100.0/24:53/udp\n"
			    "!198.51.100.7\n";
static const char set_no_x[] = "198.51.100.0/24\n"
			       "198.51.100.0/24:53/udp\n";
static const char set_block_x[] = "198.51.100.0/24\n"
				  "198.51.100.0/24:53/udp\n"
				  "198.51.100.7\n";
static const char set_both[] = "198.51.100.0/24\n"
			       "198.51.100.0/24:53/udp\n"
			       "198.51.100.7\n"
			       "!198.51.100.7\n";

static const struct target t_saved[] = {
	{ 4, "198.51.100.7", 53, "!198.51.100.7", "!198.51.100.7",
	  "!198.51.100.7" },
	{ 4, "198.51.100.8", 53, "198.51.100.0/24", "198.51.100.0/24:53/udp",
	  "198.51.100.0/24" },
};
static const struct target t_reblocked[] = {
	{ 4, "198.51.100.7", 53, "198.51.100.0/24", "198.51.100.0/24:53/udp",
	  "198.51.100.0/24" },
};
/* udp/53: the port entry beats the host's address entry */
static const struct target t_blocked_x[] = {
	{ 4, "198.51.100.7", 53, "198.51.100.7", "198.51.100.0/24:53/udp",
	  "198.51.100.7" },
	{ 4, "198.51.100.7", 80, "198.51.100.7", "198.51.100.7",
	  "198.51.100.7" },
	{ 4, "198.51.100.8", 53, "198.51.100.0/24", "198.51.100.0/24:53/udp",
	  "198.51.100.0/24" },
};

/* Port exceptions sharing a key: "!X:53" owns the tcp and udp keys until
 * "!X:53/udp" takes the udp one, and gets it back when that goes. */
static const char set_port_any[] = "198.51.100.0/24\n"
				   "!198.51.100.7:53\n";
static const char set_port_both[] = "198.51.100.0/24\n"
				    "!198.51.100.7:53\n"
				    "!198.51.100.7:53/udp\n";
static const char set_port_udp[] = "198.51.100.0/24\n"
				   "!198.51.100.7:53/udp\n";
static const struct target t_port_any[] = {
	{ 4, "198.51.100.7", 53, "!198.51.100.7:53", "!198.51.100.7:53",
	  "198.51.100.0/24" },
	{ 4, "198.51.100.7", 54, "198.51.100.0/24", "198.51.100.0/24",
	  "198.51.100.0/24" },
};
static const struct target t_port_both[] = {
	{ 4, "198.51.100.7", 53, "!198.51.100.7:53", "!198.51.100.7:53/udp",
	  "198.51.100.0/24" },
};
static const struct target t_port_udp[] = {
	{ 4, "198.51.100.7", 53, "198.51.100.0/24", "!198.51.100.7:53/udp",
	  "198.51.100.0/24" },
};

static void test_shared_keys(void)
{
	static const struct {
		const char *what, *rules;
		size_t added, removed, unchanged;
		const struct target *t;
		size_t n;
	} steps[] = {
		{ "-> !X:53", set_port_any, 1, 0, 1, t_port_any,
		  N_OF(t_port_any) },
		{ "!X:53 -> +!X:53/udp", set_port_both, 1, 0, 2, t_port_both,
		  N_OF(t_port_both) },
		{ "-> !X:53/udp alone", set_port_udp, 0, 1, 2, t_port_udp,
		  N_OF(t_port_udp) },
		{ "-> both again", set_port_both, 1, 0, 2, t_port_both,
		  N_OF(t_port_both) },
		{ "-> !X:53 alone", set_port_any, 0, 1, 2, t_port_any,
		  N_OF(t_port_any) },
	};
	struct applied a;

	apply_or_die("/24 alone", "198.51.100.0/24\n", 0, &a);
	for (size_t i = 0; i < N_OF(steps); i++) {
		apply_or_die(steps[i].what, steps[i].rules, 0, &a);
		check_plan(steps[i].what, &a, steps[i].added, steps[i].removed,
			   steps[i].unchanged);
		check_flags(steps[i].what,
			    XDPFW_F_V4_PREFIX | XDPFW_F_V4_XCPT_PORT);
		check_targets_against_oracle(steps[i].t, steps[i].n);
		test_targets_light(steps[i].t, steps[i].n);
	}
}

/* The packets slot_of_text(rule) counted so far, or -1. */
static long long counted(const char *rule)
{
	int slot = slot_of_text(rule);

	if (slot < 0 || snapshot(&before))
		return -1;
	return (long long)before.slots[slot].packets;
}

/* Rule still in its slot, and its counter neither reset nor moved. */
static void check_kept(const char *what, const char *rule, int slot,
		       long long packets)
{
	long long now = counted(rule);

	xr_checks++;
	if (slot < 0 || slot_of_text(rule) != slot || now != packets)
		fail("%s: %s in slot %d with %lld packets, expected slot %d "
		     "with %lld (its counter goes on)",
		     what, rule, slot_of_text(rule), now, slot, packets);
}

static void test_transitions(void)
{
	struct applied a;
	long long n24, n24u;
	int s24, s24u;

	apply_or_die("X", set_x, 0, &a);
	check_in_force("X", 3);
	check_flags("X", XDPFW_F_V4_PREFIX | XDPFW_F_V4_PORT_PREFIX |
				 XDPFW_F_V4_XCPT_ADDR);
	check_targets_against_oracle(t_saved, N_OF(t_saved));
	test_targets_light(t_saved, N_OF(t_saved));

	/* The exception goes: .7 is blocked again, under the /24 whose
	 * counter (and slot) carries on. */
	s24 = slot_of_text("198.51.100.0/24");
	s24u = slot_of_text("198.51.100.0/24:53/udp");
	n24 = counted("198.51.100.0/24");
	n24u = counted("198.51.100.0/24:53/udp");
	xr_checks++;
	if (n24 <= 0 || n24u <= 0)
		fail("X: the blocks counted %lld and %lld packets, expected some",
		     n24, n24u);
	apply_or_die("X removed", set_no_x, 0, &a);
	check_plan("X -> no X", &a, 0, 1, 2);
	check_flags("no X", XDPFW_F_V4_PREFIX | XDPFW_F_V4_PORT_PREFIX);
	check_kept("X -> no X", "198.51.100.0/24", s24, n24);
	check_kept("X -> no X", "198.51.100.0/24:53/udp", s24u, n24u);
	check_targets_against_oracle(t_reblocked, N_OF(t_reblocked));
	test_targets_light(t_reblocked, N_OF(t_reblocked));
	xr_checks++;
	if (counted("198.51.100.0/24") <= n24)
		fail("no X: the /24 did not count the re-blocked host");

	/* ... and comes back, counting from zero. */
	apply_or_die("X again", set_x, 0, &a);
	check_plan("no X -> X", &a, 1, 0, 2);
	check_fresh_counters("no X -> X", "!198.51.100.7");
	check_flags("X again", XDPFW_F_V4_PREFIX | XDPFW_F_V4_PORT_PREFIX |
				       XDPFW_F_V4_XCPT_ADDR);
	test_targets_light(t_saved, N_OF(t_saved));

	/* "!X" -> "X": the same address, now blocked by its own entry. */
	apply_or_die("!X -> X", set_block_x, 0, &a);
	check_plan("!X -> X", &a, 1, 1, 2);
	check_fresh_counters("!X -> X", "198.51.100.7");
	check_flags("X blocked", XDPFW_F_V4_PREFIX | XDPFW_F_V4_PORT_PREFIX |
					 XDPFW_F_V4_EXACT);
	check_targets_against_oracle(t_blocked_x, N_OF(t_blocked_x));
	test_targets_light(t_blocked_x, N_OF(t_blocked_x));

	/* "X" -> "!X": saved again. */
	apply_or_die("X -> !X", set_x, 0, &a);
	check_plan("X -> !X", &a, 1, 1, 2);
	check_fresh_counters("X -> !X", "!198.51.100.7");
	check_flags("X saved", XDPFW_F_V4_PREFIX | XDPFW_F_V4_PORT_PREFIX |
				       XDPFW_F_V4_XCPT_ADDR);
	test_targets_light(t_saved, N_OF(t_saved));

	/* The exception's key lost behind the daemon's back: an incremental
	 * plan trusts the slot table, the full re-sync (SIGHUP) puts it
	 * back. */
	{
		struct xdpfw_v4_plpm_key k = {
			.prefixlen = XDPFW_PLPM_FIXED_BITS + 32,
		};
		char desc[DESC_MAX];
		struct pkt_spec s = spec(4, "198.51.100.7", IPPROTO_TCP, 80);

		inet_pton(AF_INET, "198.51.100.7", &k.addr);
		off_model = 1;
		xr_checks++;
		if (bpf_map_delete_elem(km.fd[KMAP_V4_XCPT], &k))
			fail("deleting the key of !198.51.100.7: %s",
			     strerror(errno));
		describe(desc, sizeof(desc), &s, "exception key deleted");
		run_spec(desc, &s, "198.51.100.0/24", 0);
		apply_or_die("X incremental", set_x, 0, &a);
		check_plan("X -> X (incremental)", &a, 0, 0, 3);
		describe(desc, sizeof(desc), &s, "after an incremental re-sync");
		run_spec(desc, &s, "198.51.100.0/24", 0);
		apply_or_die("X full", set_x, 1, &a);
		check_plan("X -> X (full)", &a, 0, 0, 3);
		off_model = 0;
		describe(desc, sizeof(desc), &s, "after a full re-sync");
		run_spec(desc, &s, "!198.51.100.7", 0);
	}

	/* Both at once: the exception wins over the exact block. */
	apply_or_die("X and !X", set_both, 0, &a);
	check_plan("!X -> X and !X", &a, 1, 0, 3);
	check_in_force("X and !X", 4);
	check_targets_against_oracle(t_saved, N_OF(t_saved));
	test_targets_light(t_saved, N_OF(t_saved));
}

int main(int argc, char **argv)
{
	struct applied a;
	int rc = xr_setup("test-except", argc, argv);

	if (rc >= 0)
		return rc;

	apply_or_die("E", rules_e, 0, &a);
	check_plan("empty -> E", &a, RULES_E_N, 0, 0);
	check_in_force("E", RULES_E_N);
	check_flags("E", FLAGS_E);
	check_targets_against_oracle(targets_e, N_OF(targets_e));
	test_matrix(targets_e, N_OF(targets_e));
	test_malformed();

	test_flags();
	test_transitions();
	test_shared_keys();

	/* Nothing in force: nothing counts. */
	{
		static const struct target none[] = {
			{ 4, "198.51.100.7", 53, NULL, NULL, NULL },
			{ 6, "2001:db8:7::7", 53, NULL, NULL, NULL },
		};

		apply_or_die("empty", "", 0, &a);
		check_flags("empty", 0);
		check_in_force("empty", 0);
		check_targets_against_oracle(none, N_OF(none));
		test_targets_light(none, N_OF(none));
	}
	return xr_finish();
}
