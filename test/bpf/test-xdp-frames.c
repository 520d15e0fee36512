// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real XDP program under BPF_PROG_TEST_RUN with rule set A in force
 * (xdp-set-a.h), fed with malformed and non-IP frames, and with
 * representative frames truncated at every length, against an oracle that
 * follows SPEC §2 and the reasons documented in enum xdpfw_total.  The
 * harness is xdprun.h.  Run with -v to print every passing case too.
 *
 * Needs root (BPF); exits 77 when it is not, or when loading is refused with
 * EPERM.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"
#include "xdp-set-a.h"
#include "xdprun.h"

static void test_truncation(void)
{
	/* v4 UDP, two tags, 40 bytes of options: address, port, any-source
	 * port entries and a miss. */
	static const struct {
		const char *src;
		uint16_t sport;
	} v4src[] = {
		{ "10.1.0.1", 3000 },
		{ "10.3.0.3", 3000 },
		{ "198.51.100.7", 11211 },
		{ "192.0.2.55", 3000 },
	};
	static const struct {
		const char *src;
		uint16_t sport;
	} v6src[] = {
		{ "2001:db8:1::1", 5001 },
		{ "2001:db8:3::2", 5001 },
		{ "2001:db8:99::1", 5001 },
	};

	for (size_t i = 0; i < sizeof(v4src) / sizeof(v4src[0]); i++) {
		struct pkt_spec s = spec(4, v4src[i].src, IPPROTO_UDP,
					 v4src[i].sport);

		s.n_vlan = 2;
		s.vlan_tpid[0] = 0x88a8;
		s.vlan_tpid[1] = 0x8100;
		s.ip4_opt_len = 40;
		s.payload_len = 3;
		sweep(&s);
	}
	/* v6 TCP behind HBH, routing, AH, destination options, one tag. */
	for (size_t i = 0; i < sizeof(v6src) / sizeof(v6src[0]); i++) {
		struct pkt_spec s = spec(6, v6src[i].src, IPPROTO_TCP,
					 v6src[i].sport);

		s.n_vlan = 1;
		s.n_ip6_ext = 4;
		s.ip6_ext[0] = IPPROTO_HOPOPTS;
		s.ip6_ext[1] = IPPROTO_ROUTING;
		s.ip6_ext[2] = IPPROTO_AH;
		s.ip6_ext[3] = IPPROTO_DSTOPTS;
		s.payload_len = 3;
		sweep(&s);
	}
	/* Smaller sets: v4 TCP with one option word, v4 ICMP with options,
	 * v6 UDP first fragment, v6 ICMPv6 behind HBH, v6 with 7 headers. */
	{
		struct pkt_spec s = spec(4, "10.3.0.2", IPPROTO_TCP, 2000);

		s.ip4_opt_len = 4;
		s.payload_len = 0;
		sweep(&s);
		s.src = "10.2.9.9";
		sweep(&s);
	}
	{
		struct pkt_spec s = spec(4, "10.2.3.4", IPPROTO_ICMP, 1);

		s.n_vlan = 1;
		s.ip4_opt_len = 8;
		s.payload_len = 0;
		sweep(&s);
		s.src = "192.0.2.55";
		sweep(&s);
	}
	{
		struct pkt_spec s = spec(6, "2001:db8:99::1", IPPROTO_UDP, 123);

		s.n_ip6_ext = 2;
		s.ip6_ext[0] = IPPROTO_FRAGMENT;
		s.ip6_ext[1] = IPPROTO_DSTOPTS;
		s.frag = PKT_FRAG_FIRST;
		s.payload_len = 0;
		sweep(&s);
		s.frag = PKT_FRAG_NONFIRST;
		s.src = "2001:db8:2::1";
		s.payload_len = 4;
		sweep(&s);
	}
	{
		struct pkt_spec s = spec(6, "2001:db8:2::5", IPPROTO_ICMPV6, 1);

		s.n_ip6_ext = 1;
		s.ip6_ext[0] = IPPROTO_HOPOPTS;
		s.payload_len = 0;
		sweep(&s);
		s.src = "2001:db8:99::5";
		sweep(&s);
	}
	{
		struct pkt_spec s = spec(6, "2001:db8:1::1", IPPROTO_UDP, 5002);

		/* one header more than the program walks */
		static const uint8_t seven[] = {
			IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
			IPPROTO_AH,      IPPROTO_DSTOPTS, IPPROTO_AH,
			IPPROTO_DSTOPTS
		};

		s.n_ip6_ext = (int)sizeof(seven);
		memcpy(s.ip6_ext, seven, sizeof(seven));
		s.payload_len = 0;
		sweep(&s);
		s.src = "2001:db8:99::5";
		sweep(&s);
	}
}

/* ---- malformed and non-IP frames ---- */

static void test_malformed(void)
{
	uint8_t f[FRAME_MAX];
	struct pkt_spec s;
	int len;

	/* ARP, with and without tags */
	s = spec(0, "10.1.0.1", 0, 0);
	s.dst = "10.1.0.2";
	len = build(&s, f);
	run_bytes("arp request from a blocked address", f, (size_t)len, NULL,
		  XDPFW_T_NON_IP);
	s.n_vlan = 2;
	s.vlan_tpid[0] = 0x88a8;
	len = build(&s, f);
	run_bytes("arp request, two tags", f, (size_t)len, NULL,
		  XDPFW_T_NON_IP);

	/* LLDP ethertype on an IPv4 body */
	s = spec(4, "10.1.0.1", IPPROTO_UDP, 80);
	len = build(&s, f);
	f[12] = 0x88;
	f[13] = 0xcc;
	run_bytes("lldp ethertype", f, (size_t)len, NULL, XDPFW_T_NON_IP);

	/* IHL < 5 and a wrong version: the source is not trusted */
	s = spec(4, "10.1.0.1", IPPROTO_UDP, 80);
	len = build(&s, f);
	f[14] = 0x44;
	run_bytes("v4 ihl 4 from a blocked address", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);
	f[14] = 0x40;
	run_bytes("v4 ihl 0 from a blocked address", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);
	f[14] = 0x65;
	run_bytes("v4 ethertype, version 6", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);
	/* IHL 15 in a frame that ends before 60 bytes of header: the source
	 * is known, the options are not complete. */
	s = spec(4, "10.1.0.1", IPPROTO_UDP, 80);
	s.payload_len = 0;
	len = build(&s, f);
	f[14] = 0x4f;
	run_bytes("v4 ihl 15, 28-byte packet, blocked address", f, (size_t)len,
		  "10.1.0.1", 0);
	s.src = "10.3.0.3";
	s.sport = 3000;
	len = build(&s, f);
	f[14] = 0x4f;
	run_bytes("v4 ihl 15, 28-byte packet, port entry", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);

	s = spec(6, "2001:db8:1::1", IPPROTO_UDP, 80);
	len = build(&s, f);
	f[14] = 0x40;
	run_bytes("v6 ethertype, version 4", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP6);

	/* A middle fragment (MF set, offset > 0): address entries only */
	s = spec(4, "10.3.0.3", IPPROTO_UDP, 3000);
	s.frag = PKT_FRAG_NONFIRST;
	s.payload_len = 16;
	len = build(&s, f);
	f[14 + 6] |= 0x20;
	run_bytes("v4 middle fragment, port entry", f, (size_t)len, NULL, 0);
	s.src = "10.2.0.1";
	len = build(&s, f);
	f[14 + 6] |= 0x20;
	run_bytes("v4 middle fragment, prefix entry", f, (size_t)len,
		  "10.2.0.0/16", 0);
	/* DF set, no fragment: port entries apply */
	s = spec(4, "10.3.0.3", IPPROTO_UDP, 3000);
	len = build(&s, f);
	f[14 + 6] |= 0x40;
	run_bytes("v4 DF, port entry", f, (size_t)len, "10.3.0.3:3000/udp", 0);

	/* Non-TCP/UDP protocols: address entries only */
	s = spec(4, "10.1.0.1", 47 /* GRE */, 0);
	len = build(&s, f);
	run_bytes("v4 gre from a blocked address", f, (size_t)len, "10.1.0.1", 0);
	s = spec(4, "10.4.0.1", 47, 0);
	len = build(&s, f);
	run_bytes("v4 gre from a port-entry prefix", f, (size_t)len, NULL, 0);
	s = spec(6, "2001:db8:2::9", IPPROTO_NONE, 0);
	len = build(&s, f);
	run_bytes("v6 no-next-header from a blocked prefix", f, (size_t)len,
		  "2001:db8:2::/48", 0);
	s = spec(6, "2001:db8:99::1", IPPROTO_NONE, 0);
	s.n_ip6_ext = 1;
	s.ip6_ext[0] = IPPROTO_DSTOPTS;
	len = build(&s, f);
	run_bytes("v6 dstopts then no-next-header, unlisted", f, (size_t)len,
		  NULL, 0);

	/* A TCP header claims port 11211 but the rule is UDP only */
	s = spec(4, "198.51.100.7", IPPROTO_TCP, 11211);
	len = build(&s, f);
	run_bytes("v4 tcp from the udp-only port", f, (size_t)len, NULL, 0);

	/* The IPv6 fragment header's offset ignores the M and reserved bits:
	 * offset 0 with reserved bits set is still a first fragment. */
	s = spec(6, "2001:db8:3::3", IPPROTO_UDP, 5002);
	s.n_ip6_ext = 1;
	s.ip6_ext[0] = IPPROTO_FRAGMENT;
	s.frag = PKT_FRAG_FIRST;
	len = build(&s, f);
	f[14 + 40 + 3] |= 0x06;
	run_bytes("v6 first fragment, reserved bits set, port entry", f,
		  (size_t)len, "[2001:db8:3::3]:5002/udp", 0);

	/* The frame's bytes, not the IP lengths, bound parsing: a v4 total
	 * length shorter than the headers changes nothing here. */
	s = spec(4, "10.3.0.1", IPPROTO_TCP, 1000);
	len = build(&s, f);
	f[14 + 2] = 0;
	f[14 + 3] = 20;
	run_bytes("v4 tot_len 20 with a whole tcp header in the frame", f,
		  (size_t)len, "10.3.0.1:1000", 0);
}

int main(int argc, char **argv)
{
	struct applied a;
	int rc = xr_setup("test-xdp-frames", argc, argv);

	if (rc >= 0)
		return rc;
	apply_or_die("A", rules_a, 0, &a);
	check_in_force("A", RULES_A_N);
	test_malformed();
	test_truncation();
	return xr_finish();
}
