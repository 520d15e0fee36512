/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Crafted Ethernet frames for the tests and tools: IPv4/IPv6, TCP/UDP/ICMP,
 * 0..3 VLAN tags, IPv4 options, IPv6 extension headers, fragments.  Valid
 * checksums, so a receiving stack accepts them.
 */
#ifndef XDPFW_TEST_PKT_H
#define XDPFW_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_MAX_VLAN 3
#define PKT_MAX_IP6_EXT 8

enum pkt_frag {
	PKT_FRAG_NONE,
	PKT_FRAG_FIRST,    /* offset 0, more fragments */
	PKT_FRAG_NONFIRST, /* offset > 0: no L4 header in the frame */
};

struct pkt_spec {
	int family;             /* 4 or 6; 0 = ARP (non-IP) */
	const char *src, *dst;  /* textual addresses of that family */
	uint8_t l4proto;        /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	uint16_t sport, dport;  /* host order */
	int n_vlan;             /* 0..PKT_MAX_VLAN tags */
	uint16_t vlan_tpid[PKT_MAX_VLAN]; /* outermost first; 0 = 0x8100 */
	int ip4_opt_len;        /* 0..40, multiple of 4 (NOP options) */
	uint8_t ip6_ext[PKT_MAX_IP6_EXT]; /* IPPROTO_HOPOPTS, _ROUTING,
					   * _DSTOPTS, _FRAGMENT, _AH, in order */
	int n_ip6_ext;
	enum pkt_frag frag;
	size_t payload_len;     /* bytes after the L4 header */
	const uint8_t *payload; /* payload_len bytes; NULL: a letter pattern */
	uint8_t src_mac[6], dst_mac[6]; /* all-zero = defaults */
};

/* The spec of a small frame from src (sport, proto) to the documentation
 * address of the same family, destination port 33333, 5 bytes of
 * payload: the tests' and benchmarks' starting point. */
struct pkt_spec pkt_spec_of(int family, const char *src, uint8_t proto,
			    uint16_t sport);

/* Build the frame into buf.  Returns its length, or -EINVAL / -ENOSPC. */
int pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap);

#endif
