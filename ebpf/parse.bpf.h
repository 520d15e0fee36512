/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing for the XDP program: Ethernet, up to two VLAN tags
 * (802.1Q / 802.1ad), IPv4 with options, IPv6 with up to XDPFW_IP6_EXT_MAX
 * extension headers, and the TCP/UDP source port.  Every step checks bounds
 * against data_end; nothing here reads past the frame.
 *
 * Outcome in struct xdpfw_pkt:
 *   family  0 when the source address is unknown (non-IP or broken IP header)
 *   has_l4  1 when the TCP/UDP header is complete (first fragment or whole)
 *   reason  XDPFW_T_* why a frame is non-IP or malformed, else 0
 */
#ifndef XDPFW_PARSE_BPF_H
#define XDPFW_PARSE_BPF_H

#include <linux/in6.h>

struct xdpfw_pkt {
	__u8 family;
	__u8 has_l4;
	__u8 l4proto;
	__u8 reason;
	__be16 sport;
	__u16 pad;
	union {
		__be32 v4;
		__u8 v6[16];
	} saddr __attribute__((aligned(8))); /* read as u64 words */
};

struct xdpfw_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct xdpfw_ip6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

#define XDPFW_IP4_OFFSET_MASK 0x1fff
#define XDPFW_IP6_OFFSET_MASK 0xfff8

static __always_inline int xdpfw_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) ||
	       proto == bpf_htons(ETH_P_8021AD);
}

static __always_inline void xdpfw_parse_l4(void *pos, void *data_end,
					   __u8 proto, struct xdpfw_pkt *p)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = pos;

		if ((void *)(tcp + 1) > data_end) {
			p->reason = XDPFW_T_BAD_L4;
			return;
		}
		p->sport = tcp->source;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *udp = pos;

		if ((void *)(udp + 1) > data_end) {
			p->reason = XDPFW_T_BAD_L4;
			return;
		}
		p->sport = udp->source;
	} else {
		return; /* ICMP, GRE, ...: address entries only */
	}
	p->l4proto = proto;
	p->has_l4 = 1;
}

static __always_inline void xdpfw_parse_ip4(void *pos, void *data_end,
					    struct xdpfw_pkt *p)
{
	struct iphdr *ip = pos;

	if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl < 5) {
		p->reason = XDPFW_T_BAD_IP4;
		return;
	}
	p->family = XDPFW_FAMILY_V4;
	p->saddr.v4 = ip->saddr;
	pos += ip->ihl * 4;
	if (pos > data_end) {
		p->reason = XDPFW_T_BAD_IP4; /* options cut off */
		return;
	}
	if (ip->frag_off & bpf_htons(XDPFW_IP4_OFFSET_MASK))
		return; /* non-first fragment: no L4 header */
	xdpfw_parse_l4(pos, data_end, ip->protocol, p);
}

static __always_inline int xdpfw_is_ip6_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_AH ||
	       nexthdr == IPPROTO_FRAGMENT;
}

static __always_inline void xdpfw_parse_ip6(void *pos, void *data_end,
					    struct xdpfw_pkt *p)
{
	struct ipv6hdr *ip6 = pos;
	__u8 nexthdr;
	int i;

	if ((void *)(ip6 + 1) > data_end || ip6->version != 6) {
		p->reason = XDPFW_T_BAD_IP6;
		return;
	}
	p->family = XDPFW_FAMILY_V6;
	__builtin_memcpy(p->saddr.v6, &ip6->saddr, 16);
	nexthdr = ip6->nexthdr;
	pos = ip6 + 1;

#pragma unroll
	for (i = 0; i < XDPFW_IP6_EXT_MAX; i++) {
		if (nexthdr == IPPROTO_FRAGMENT) {
			struct xdpfw_ip6_frag_hdr *f = pos;

			if ((void *)(f + 1) > data_end) {
				p->reason = XDPFW_T_BAD_IP6_EXT;
				return;
			}
			if (f->frag_off & bpf_htons(XDPFW_IP6_OFFSET_MASK))
				return; /* non-first fragment: no L4 header */
			nexthdr = f->nexthdr;
			pos = f + 1;
		} else if (xdpfw_is_ip6_ext(nexthdr)) {
			struct ipv6_opt_hdr *h = pos;
			__u32 len;

			if ((void *)(h + 1) > data_end) {
				p->reason = XDPFW_T_BAD_IP6_EXT;
				return;
			}
			len = nexthdr == IPPROTO_AH ? (h->hdrlen + 2) * 4 :
						      (h->hdrlen + 1) * 8;
			nexthdr = h->nexthdr;
			pos += len;
			if (pos > data_end) {
				p->reason = XDPFW_T_BAD_IP6_EXT;
				return;
			}
		} else {
			break;
		}
	}
	if (xdpfw_is_ip6_ext(nexthdr)) {
		p->reason = XDPFW_T_IP6_EXT_DEPTH;
		return;
	}
	xdpfw_parse_l4(pos, data_end, nexthdr, p);
}

/*
 * The frames nearly all traffic is made of, in about 35 instructions: no
 * VLAN tag, IPv4 without options or IPv6 without extension headers, not a
 * later fragment, a TCP or UDP header with at least 20 bytes from it on.
 * 1 with p filled as xdpfw_parse_full fills it; 0 (p untouched): not such
 * a frame, parse it in full.  (test/unit/test-parse.c holds the two to
 * the same answer on every frame it can make.)
 */
static __always_inline int xdpfw_parse_common(void *data, void *data_end,
					      struct xdpfw_pkt *p)
{
	struct ethhdr *eth = data;
	__be16 *sport;
	__u8 proto;

	if (data + sizeof(*eth) + sizeof(struct iphdr) +
		    sizeof(struct tcphdr) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if (*(__u8 *)ip != 0x45 || /* version 4, no options */
		    (ip->frag_off & bpf_htons(XDPFW_IP4_OFFSET_MASK)))
			return 0;
		proto = ip->protocol;
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			return 0;
		sport = (void *)(ip + 1);
		p->family = XDPFW_FAMILY_V4;
		p->saddr.v4 = ip->saddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) + sizeof(struct tcphdr) > data_end ||
		    (*(__u8 *)ip6 & 0xf0) != 0x60)
			return 0;
		proto = ip6->nexthdr;
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			return 0;
		sport = (void *)(ip6 + 1);
		p->family = XDPFW_FAMILY_V6;
		__builtin_memcpy(p->saddr.v6, &ip6->saddr, 16);
	} else {
		return 0;
	}
	p->has_l4 = 1;
	p->l4proto = proto;
	p->sport = *sport; /* TCP's and UDP's first field */
	return 1;
}

/* Any frame: every header above, bounds checked at each step. */
static __always_inline void xdpfw_parse_full(void *data, void *data_end,
					     struct xdpfw_pkt *p)
{
	struct ethhdr *eth = data;
	void *pos;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > data_end) {
		p->reason = XDPFW_T_BAD_ETH;
		return;
	}
	proto = eth->h_proto;
	pos = eth + 1;

#pragma unroll
	for (i = 0; i < 2; i++) {
		struct xdpfw_vlan_hdr *vh = pos;

		if (!xdpfw_is_vlan(proto))
			break;
		if ((void *)(vh + 1) > data_end) {
			p->reason = XDPFW_T_BAD_VLAN;
			return;
		}
		proto = vh->encap_proto;
		pos = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP))
		xdpfw_parse_ip4(pos, data_end, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		xdpfw_parse_ip6(pos, data_end, p);
	else if (xdpfw_is_vlan(proto))
		p->reason = XDPFW_T_VLAN_DEPTH;
	else
		p->reason = XDPFW_T_NON_IP;
}

/*
 * Fill p (zeroed by the caller) from the frame.  p stays in memory (the
 * empty asm takes its address): held in registers, each of its fields
 * became a value merged over every early return of the parse, and the
 * program set them all again on each way out, some 150 instructions on a
 * common TCP frame.  Measured with bench-datapath --variant: both changes
 * together 5-10 ns a packet off every case (docs/bench/round2-sessions.md,
 * session 5).
 */
static __always_inline void xdpfw_parse(void *data, void *data_end,
					struct xdpfw_pkt *p)
{
	asm volatile("" : : "r"(p) : "memory");
	if (!xdpfw_parse_common(data, data_end, p))
		xdpfw_parse_full(data, data_end, p);
}

#endif /* XDPFW_PARSE_BPF_H */
