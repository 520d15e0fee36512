// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frame builder for the tests and tools (see pkt.h).
 *
 * Layout: Ethernet, VLAN tags, then ARP, or IPv4 (+ NOP options) / IPv6
 * (+ extension headers), then the L4 header and payload.  A non-first
 * fragment carries only payload after the fragment's own headers (IPv4
 * header; IPv6 headers up to and including the fragment header).  A first
 * fragment's L4 checksum covers what the fragment carries, as if that were
 * the whole datagram.
 */
#include "pkt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define ETH_HDR 14
#define VLAN_HDR 4
#define IP4_HDR 20
#define IP6_HDR 40
#define TCP_HDR 20
#define UDP_HDR 8
#define ICMP_HDR 8
#define ARP_BODY 28

#define IP6_EXT_LEN 8  /* HOPOPTS, ROUTING, DSTOPTS, FRAGMENT */
#define IP6_AH_LEN 24  /* 12 fixed + 12 bytes ICV (HMAC-96) */

#define IP4_NONFIRST_OFFSET 185   /* 1480 bytes, in 8-byte units */
#define IP6_NONFIRST_OFFSET 1448  /* bytes, a multiple of 8 */

static const uint8_t default_src_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t default_dst_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero_mac[6];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One's-complement sum of big-endian 16-bit words, not yet folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int is_ip6_ext(uint8_t h)
{
	return h == IPPROTO_HOPOPTS || h == IPPROTO_ROUTING ||
	       h == IPPROTO_DSTOPTS || h == IPPROTO_FRAGMENT ||
	       h == IPPROTO_AH;
}

static size_t ip6_ext_len(uint8_t h)
{
	return h == IPPROTO_AH ? IP6_AH_LEN : IP6_EXT_LEN;
}

static size_t l4_hdr_len(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return TCP_HDR;
	case IPPROTO_UDP:
		return UDP_HDR;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return ICMP_HDR;
	default:
		return 0; /* anything else: raw payload */
	}
}

/* Payload bytes: the caller's, or a recognisable pattern. */
static void fill_payload(uint8_t *p, const struct pkt_spec *s)
{
	if (s->payload) {
		memcpy(p, s->payload, s->payload_len);
		return;
	}
	for (size_t i = 0; i < s->payload_len; i++)
		p[i] = (uint8_t)('a' + i % 26);
}

/*
 * Write the L4 header (payload already in place after it) and its checksum.
 * pseudo is the pseudo-header sum (0 for ICMPv4).
 */
static void put_l4(uint8_t *l4, const struct pkt_spec *s, size_t l4len,
		   uint32_t pseudo)
{
	uint16_t c;

	switch (s->l4proto) {
	case IPPROTO_TCP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, 0x01000000u);          /* seq */
		put32(l4 + 8, 0);                    /* ack */
		l4[12] = (TCP_HDR / 4) << 4;         /* data offset */
		l4[13] = s->payload_len ? 0x18 : 0x02; /* PSH|ACK or SYN */
		put16(l4 + 14, 65535);               /* window */
		put16(l4 + 16, 0);
		put16(l4 + 18, 0);                   /* urgent */
		c = csum_fold(csum_add(pseudo, l4, l4len));
		put16(l4 + 16, c);
		break;
	case IPPROTO_UDP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
		put16(l4 + 6, 0);
		c = csum_fold(csum_add(pseudo, l4, l4len));
		put16(l4 + 6, c ? c : 0xffff); /* 0 means "no checksum" */
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = s->l4proto == IPPROTO_ICMP ? 8 : 128; /* echo request */
		l4[1] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 4, s->sport); /* identifier */
		put16(l4 + 6, s->dport); /* sequence */
		c = csum_fold(csum_add(pseudo, l4, l4len));
		put16(l4 + 2, c);
		break;
	default:
		break;
	}
}

static uint32_t pseudo_sum(int family, const uint8_t *src, const uint8_t *dst,
			   uint8_t proto, size_t l4len)
{
	size_t alen = family == 4 ? 4 : 16;
	uint32_t sum = 0;

	sum = csum_add(sum, src, alen);
	sum = csum_add(sum, dst, alen);
	sum += proto;
	sum += (uint32_t)(l4len & 0xffff);
	sum += (uint32_t)(l4len >> 16);
	return sum;
}

static int build_arp(const struct pkt_spec *s, const uint8_t *smac,
		     uint8_t *p, size_t room)
{
	uint8_t spa[4] = { 0 }, tpa[4] = { 0 };

	if (room < ARP_BODY)
		return -ENOSPC;
	if (s->src && inet_pton(AF_INET, s->src, spa) != 1)
		return -EINVAL;
	if (s->dst && inet_pton(AF_INET, s->dst, tpa) != 1)
		return -EINVAL;
	put16(p, 1);       /* Ethernet */
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, 1);   /* request */
	memcpy(p + 8, smac, 6);
	memcpy(p + 14, spa, 4);
	memset(p + 18, 0, 6);
	memcpy(p + 24, tpa, 4);
	return ARP_BODY;
}

static int build_ip4(const struct pkt_spec *s, uint8_t *p, size_t room)
{
	size_t ihl = IP4_HDR + (size_t)s->ip4_opt_len;
	size_t l4hdr = l4_hdr_len(s->l4proto);
	size_t l4len, total;
	uint8_t src[4], dst[4];
	uint16_t frag = 0;

	if (s->ip4_opt_len < 0 || s->ip4_opt_len > 40 || s->ip4_opt_len % 4)
		return -EINVAL;
	if (s->l4proto == IPPROTO_ICMPV6)
		return -EINVAL;
	if (inet_pton(AF_INET, s->src ? s->src : "192.0.2.1", src) != 1 ||
	    inet_pton(AF_INET, s->dst ? s->dst : "192.0.2.2", dst) != 1)
		return -EINVAL;
	if (s->frag == PKT_FRAG_NONFIRST) {
		l4len = s->payload_len; /* payload only */
		frag = IP4_NONFIRST_OFFSET;
	} else {
		l4len = l4hdr + s->payload_len;
		if (s->frag == PKT_FRAG_FIRST)
			frag = 0x2000; /* MF */
	}
	total = ihl + l4len;
	if (total > 65535)
		return -EINVAL;
	if (room < total)
		return -ENOSPC;

	p[0] = (uint8_t)(0x40 | ihl / 4);
	p[1] = 0;
	put16(p + 2, (uint16_t)total);
	put16(p + 4, 0x1234);    /* id */
	put16(p + 6, frag);
	p[8] = 64;               /* ttl */
	p[9] = s->l4proto;
	put16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	memset(p + IP4_HDR, 1, (size_t)s->ip4_opt_len); /* NOP options */
	put16(p + 10, csum_fold(csum_add(0, p, ihl)));

	if (s->frag == PKT_FRAG_NONFIRST) {
		fill_payload(p + ihl, s);
	} else {
		fill_payload(p + ihl + l4hdr, s);
		put_l4(p + ihl, s, l4len,
		       s->l4proto == IPPROTO_ICMP ?
			       0 :
			       pseudo_sum(4, src, dst, s->l4proto, l4len));
	}
	return (int)total;
}

static void put_ip6_ext(uint8_t *h, uint8_t type, uint8_t next,
			enum pkt_frag frag)
{
	memset(h, 0, ip6_ext_len(type));
	h[0] = next;
	switch (type) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_DSTOPTS:
		h[1] = 0;   /* (0 + 1) * 8 bytes */
		h[2] = 1;   /* PadN */
		h[3] = 4;   /* of 4 bytes */
		break;
	case IPPROTO_ROUTING:
		h[1] = 0;
		h[2] = 0;   /* type 0, segments left 0: skipped by receivers */
		h[3] = 0;
		break;
	case IPPROTO_FRAGMENT:
		h[1] = 0;
		if (frag == PKT_FRAG_NONFIRST)
			put16(h + 2, IP6_NONFIRST_OFFSET); /* M = 0 */
		else if (frag == PKT_FRAG_FIRST)
			put16(h + 2, 1);                   /* offset 0, M = 1 */
		put32(h + 4, 0x12345678);               /* identification */
		break;
	case IPPROTO_AH:
		h[1] = IP6_AH_LEN / 4 - 2;
		put32(h + 4, 0x100);                   /* SPI */
		put32(h + 8, 1);                       /* sequence */
		break;
	}
}

static int build_ip6(const struct pkt_spec *s, uint8_t *p, size_t room)
{
	uint8_t chain[PKT_MAX_IP6_EXT + 1];
	size_t n = 0, hdrs = 0, ext_end, l4hdr = l4_hdr_len(s->l4proto);
	size_t l4len, plen, frag_at = (size_t)-1;
	uint8_t src[16], dst[16];
	int has_frag = 0;

	if (s->n_ip6_ext < 0 || s->n_ip6_ext > PKT_MAX_IP6_EXT)
		return -EINVAL;
	if (s->l4proto == IPPROTO_ICMP || is_ip6_ext(s->l4proto))
		return -EINVAL;
	if (inet_pton(AF_INET6, s->src ? s->src : "2001:db8::1", src) != 1 ||
	    inet_pton(AF_INET6, s->dst ? s->dst : "2001:db8::2", dst) != 1)
		return -EINVAL;
	for (int i = 0; i < s->n_ip6_ext; i++) {
		if (!is_ip6_ext(s->ip6_ext[i]))
			return -EINVAL;
		has_frag |= s->ip6_ext[i] == IPPROTO_FRAGMENT;
		chain[n++] = s->ip6_ext[i];
	}
	/* A fragment without a fragment header: add one last. */
	if (s->frag != PKT_FRAG_NONE && !has_frag)
		chain[n++] = IPPROTO_FRAGMENT;

	/* Headers present in the frame: a non-first fragment stops after the
	 * (first) fragment header; the rest is payload. */
	for (size_t i = 0; i < n; i++) {
		hdrs += ip6_ext_len(chain[i]);
		if (chain[i] == IPPROTO_FRAGMENT && frag_at == (size_t)-1) {
			frag_at = i;
			if (s->frag == PKT_FRAG_NONFIRST)
				break;
		}
	}
	l4len = s->frag == PKT_FRAG_NONFIRST ? 0 : l4hdr;
	plen = hdrs + l4len + s->payload_len;
	if (plen > 65535)
		return -EINVAL;
	if (room < IP6_HDR + plen)
		return -ENOSPC;

	put32(p, 0x60000000u);
	put16(p + 4, (uint16_t)plen);
	p[6] = n ? chain[0] : s->l4proto;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);

	ext_end = IP6_HDR;
	for (size_t i = 0; i < n; i++) {
		uint8_t next = i + 1 < n ? chain[i + 1] : s->l4proto;

		put_ip6_ext(p + ext_end, chain[i], next,
			    i == frag_at ? s->frag : PKT_FRAG_NONE);
		ext_end += ip6_ext_len(chain[i]);
		if (i == frag_at && s->frag == PKT_FRAG_NONFIRST)
			break;
	}

	if (s->frag == PKT_FRAG_NONFIRST) {
		fill_payload(p + ext_end, s);
	} else {
		l4len = l4hdr + s->payload_len;
		fill_payload(p + ext_end + l4hdr, s);
		put_l4(p + ext_end, s, l4len,
		       pseudo_sum(6, src, dst, s->l4proto, l4len));
	}
	return (int)(IP6_HDR + plen);
}

struct pkt_spec pkt_spec_of(int family, const char *src, uint8_t proto,
			    uint16_t sport)
{
	struct pkt_spec s;

	memset(&s, 0, sizeof(s));
	s.family = family;
	s.src = src;
	s.dst = family == 4 ? "192.0.2.2" : "2001:db8:ffff::2";
	s.l4proto = proto;
	s.sport = sport;
	s.dport = 33333;
	s.payload_len = 5;
	return s;
}

int pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap)
{
	const uint8_t *smac = s->src_mac, *dmac = s->dst_mac;
	size_t off;
	uint16_t ethertype;
	int n;

	if (s->n_vlan < 0 || s->n_vlan > PKT_MAX_VLAN)
		return -EINVAL;
	switch (s->family) {
	case 0:
		ethertype = 0x0806;
		break;
	case 4:
		ethertype = 0x0800;
		break;
	case 6:
		ethertype = 0x86dd;
		break;
	default:
		return -EINVAL;
	}
	if (!memcmp(smac, zero_mac, 6))
		smac = default_src_mac;
	if (!memcmp(dmac, zero_mac, 6))
		dmac = s->family == 0 ? bcast_mac : default_dst_mac;

	off = ETH_HDR + (size_t)s->n_vlan * VLAN_HDR;
	if (cap < off)
		return -ENOSPC;
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	for (int i = 0; i < s->n_vlan; i++) {
		uint16_t tpid = s->vlan_tpid[i] ? s->vlan_tpid[i] : 0x8100;

		/* TPID in the type field before the tag, then the TCI. */
		put16(buf + ETH_HDR - 2 + i * VLAN_HDR, tpid);
		put16(buf + ETH_HDR + i * VLAN_HDR, (uint16_t)(100 + i)); /* VID */
	}
	put16(buf + off - 2, ethertype);

	if (s->family == 0)
		n = build_arp(s, smac, buf + off, cap - off);
	else if (s->family == 4)
		n = build_ip4(s, buf + off, cap - off);
	else
		n = build_ip6(s, buf + off, cap - off);
	if (n < 0)
		return n;
	return (int)off + n;
}
