// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference model of the datapath (see oracle.h).  Written from the
 * README ("The rules file": the most specific entry counts; "Address entries
 * also drop fragments and ICMP from that source; port entries need the
 * TCP/UDP header"; "Exceptions win": an "!ENTRY" saves a packet that a
 * blocking entry matched, whatever that entry, and counts it) and the
 * reasons of enum
 * xdpfw_total, with plain offsets into the frame: nothing here comes from
 * ebpf/.
 */
#include "oracle.h"

#include <netinet/in.h>
#include <string.h>

#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define VLAN_MAX_TAGS 2
#define IP4_MIN_HDR 20
#define IP6_HDR_LEN 40
#define IP6_FRAG_LEN 8
#define TCP_HDR_LEN 20
#define UDP_HDR_LEN 8

int oracle_addr_in(const struct xdpfw_rule *r, int family, const uint8_t *a)
{
	int bits = r->prefixlen, i;

	if (r->family != family)
		return 0;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (r->addr[i] != a[i])
			return 0;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		if ((r->addr[i] & mask) != (a[i] & mask))
			return 0;
	}
	return 1;
}

int oracle_is_except(const struct xdpfw_rule *r)
{
	return (r->flags & XDPFW_RULE_EXCEPT) != 0;
}

/* The most specific rule of rules[0..n) that matches, among the
 * exceptions (except = 1) or the blocking entries (except = 0). */
static const struct xdpfw_rule *best_match(const struct xdpfw_rule *rules,
					   size_t n, int except, int family,
					   const uint8_t *src, int has_l4,
					   uint8_t proto, uint16_t sport)
{
	const struct xdpfw_rule *best = NULL;
	long best_score = -1;

	for (size_t i = 0; i < n; i++) {
		const struct xdpfw_rule *r = &rules[i];
		long score;

		if (oracle_is_except(r) != except)
			continue;
		if (!oracle_addr_in(r, family, src))
			continue;
		if (r->port && (!has_l4 || r->port != sport ||
				(r->proto && r->proto != proto)))
			continue;
		score = (r->port ? 1L << 16 : 0) + r->prefixlen * 2L +
			(r->proto ? 1 : 0);
		if (score > best_score) {
			best = r;
			best_score = score;
		}
	}
	return best;
}

const struct xdpfw_rule *oracle_match(const struct xdpfw_rule *rules,
				      size_t n, int family, const uint8_t *src,
				      int has_l4, uint8_t proto, uint16_t sport)
{
	return best_match(rules, n, 0, family, src, has_l4, proto, sport);
}

const struct xdpfw_rule *oracle_except(const struct xdpfw_rule *rules,
				       size_t n, int family,
				       const uint8_t *src, int has_l4,
				       uint8_t proto, uint16_t sport)
{
	return best_match(rules, n, 1, family, src, has_l4, proto, sport);
}

const struct xdpfw_rule *oracle_decide(const struct xdpfw_rule *rules,
				       size_t n, int family,
				       const uint8_t *src, int has_l4,
				       uint8_t proto, uint16_t sport)
{
	const struct xdpfw_rule *block, *save;

	block = oracle_match(rules, n, family, src, has_l4, proto, sport);
	if (!block)
		return NULL; /* a miss never looks at the exceptions */
	save = oracle_except(rules, n, family, src, has_l4, proto, sport);
	return save ? save : block;
}

int oracle_drops(const struct xdpfw_rule *counted)
{
	return counted && !oracle_is_except(counted);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The TCP or UDP header at off; other protocols carry no port. */
static void parse_l4(const uint8_t *f, size_t len, size_t off, uint8_t proto,
		     struct oracle_pkt *p)
{
	size_t need;

	if (proto == IPPROTO_TCP)
		need = TCP_HDR_LEN;
	else if (proto == IPPROTO_UDP)
		need = UDP_HDR_LEN;
	else
		return;
	if (len < off + need) {
		p->reason = XDPFW_T_BAD_L4;
		return;
	}
	p->has_l4 = 1;
	p->proto = proto;
	p->sport = get16(f + off);
}

static void parse_ip4(const uint8_t *f, size_t len, size_t off,
		      struct oracle_pkt *p)
{
	size_t hl;

	if (len < off + IP4_MIN_HDR || f[off] >> 4 != 4 ||
	    (f[off] & 15) < IP4_MIN_HDR / 4) {
		p->reason = XDPFW_T_BAD_IP4;
		return;
	}
	p->family = XDPFW_FAMILY_V4;
	memcpy(p->src, f + off + 12, 4);
	hl = (size_t)(f[off] & 15) * 4;
	if (len < off + hl) {
		p->reason = XDPFW_T_BAD_IP4; /* options cut off */
		return;
	}
	/* Fragment offset (13 bits after the flags) > 0: no L4 header. */
	if (get16(f + off + 6) & 0x1fff)
		return;
	parse_l4(f, len, off + hl, f[off + 9], p);
}

static int ip6_is_ext(uint8_t h)
{
	switch (h) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
		return 1;
	default:
		return 0;
	}
}

static void parse_ip6(const uint8_t *f, size_t len, size_t off,
		      struct oracle_pkt *p)
{
	uint8_t next;

	if (len < off + IP6_HDR_LEN || f[off] >> 4 != 6) {
		p->reason = XDPFW_T_BAD_IP6;
		return;
	}
	p->family = XDPFW_FAMILY_V6;
	memcpy(p->src, f + off + 8, 16);
	next = f[off + 6];
	off += IP6_HDR_LEN;
	for (int walked = 0; ip6_is_ext(next); walked++) {
		size_t hl;

		if (walked == XDPFW_IP6_EXT_MAX) {
			p->reason = XDPFW_T_IP6_EXT_DEPTH;
			return;
		}
		if (next == IPPROTO_FRAGMENT) {
			if (len < off + IP6_FRAG_LEN) {
				p->reason = XDPFW_T_BAD_IP6_EXT;
				return;
			}
			/* Offset: the top 13 bits; M and reserved ignored. */
			if (get16(f + off + 2) >> 3)
				return; /* non-first fragment: no L4 header */
			hl = IP6_FRAG_LEN;
		} else {
			if (len < off + 2) {
				p->reason = XDPFW_T_BAD_IP6_EXT;
				return;
			}
			/* AH counts 4-byte words minus 2 (RFC 4302), the
			 * others 8-byte units minus 1 (RFC 8200). */
			if (next == IPPROTO_AH)
				hl = ((size_t)f[off + 1] + 2) * 4;
			else
				hl = ((size_t)f[off + 1] + 1) * 8;
			if (len < off + hl) {
				p->reason = XDPFW_T_BAD_IP6_EXT;
				return;
			}
		}
		next = f[off];
		off += hl;
	}
	parse_l4(f, len, off, next, p);
}

void oracle_parse_frame(const uint8_t *f, size_t len, struct oracle_pkt *p)
{
	size_t off = ETH_HDR_LEN;
	uint16_t type;
	int tags = 0;

	memset(p, 0, sizeof(*p));
	if (len < ETH_HDR_LEN) {
		p->reason = XDPFW_T_BAD_ETH;
		return;
	}
	type = get16(f + 12);
	while (type == 0x8100 || type == 0x88a8) {
		if (tags == VLAN_MAX_TAGS) {
			p->reason = XDPFW_T_VLAN_DEPTH;
			return;
		}
		if (len < off + VLAN_TAG_LEN) {
			p->reason = XDPFW_T_BAD_VLAN;
			return;
		}
		type = get16(f + off + 2);
		off += VLAN_TAG_LEN;
		tags++;
	}
	if (type == 0x0800)
		parse_ip4(f, len, off, p);
	else if (type == 0x86dd)
		parse_ip6(f, len, off, p);
	else
		p->reason = XDPFW_T_NON_IP;
}

const struct xdpfw_rule *oracle_frame(const struct xdpfw_rule *rules,
				      size_t n, const uint8_t *frame,
				      size_t len, int *reason)
{
	const struct xdpfw_rule *r = NULL;
	struct oracle_pkt p;

	oracle_parse_frame(frame, len, &p);
	if (p.family)
		r = oracle_decide(rules, n, p.family, p.src, p.has_l4, p.proto,
				  p.sport);
	*reason = oracle_drops(r) ? 0 : p.reason;
	return r;
}

int oracle_total_delta(int t, int refused, int dropped, int reason)
{
	if (refused)
		return 0;
	if (t == XDPFW_T_DROPPED)
		return dropped;
	if (t == XDPFW_T_PASSED)
		return !dropped;
	return !dropped && t == reason;
}
