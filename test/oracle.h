/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A reference model of the datapath for the tests: the README's "The rules
 * file" (which rule decides a packet), the exceptions ("!ENTRY", which save
 * a packet a blocking entry matched) and the frame reasons documented at
 * enum xdpfw_total, written independently of ebpf/ (it never includes the
 * BPF parser).  Used by the harness of test/bpf/ (test-xdp, test-except)
 * and by test/fuzz/fuzz-xdp.c.
 */
#ifndef XDPFW_TEST_ORACLE_H
#define XDPFW_TEST_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "xdpfw_shared.h"

/* What the frame tells about its sender. */
struct oracle_pkt {
	uint8_t family;  /* 0: source unknown (non-IP, broken IP header) */
	uint8_t has_l4;  /* the whole TCP/UDP header is in the frame */
	uint8_t proto;   /* IPPROTO_TCP / _UDP when has_l4 */
	uint8_t reason;  /* XDPFW_T_* of a non-IP or malformed frame, else 0 */
	uint16_t sport;  /* host order, when has_l4 */
	uint8_t src[16]; /* network order; IPv4 in src[0..3] */
};

/* Does r's address/prefix cover a (of that family)? */
int oracle_addr_in(const struct xdpfw_rule *r, int family, const uint8_t *a);

/* Is r an exception ("!ENTRY")? */
int oracle_is_except(const struct xdpfw_rule *r);

/*
 * The blocking entry among rules[0..n) that matches a packet from src: the
 * most specific of those that match (a port beats no port, then the longer
 * prefix, then a protocol beats any protocol).  Port entries match only
 * when has_l4.  Exceptions are ignored.  NULL: none matches.
 */
const struct xdpfw_rule *oracle_match(const struct xdpfw_rule *rules,
				      size_t n, int family, const uint8_t *src,
				      int has_l4, uint8_t proto, uint16_t sport);

/*
 * The exception among rules[0..n) that matches a packet from src, the most
 * specific by the same order as oracle_match() (an exception with a port
 * beats one without, then the longer prefix, then a protocol beats any).
 * Blocking entries are ignored.  NULL: none matches.  Whether it saves the
 * packet is oracle_decide()'s business: only a blocked packet is saved.
 */
const struct xdpfw_rule *oracle_except(const struct xdpfw_rule *rules,
				       size_t n, int family,
				       const uint8_t *src, int has_l4,
				       uint8_t proto, uint16_t sport);

/*
 * The rule that counts a packet from src: the blocking entry that drops it,
 * or the exception that saves it when one also matches (exceptions always
 * win, however specific the blocking entry), or NULL when no blocking entry
 * matches (exceptions are then never looked at: nothing counts).  The
 * packet is dropped iff the result is not NULL and not an exception.
 */
const struct xdpfw_rule *oracle_decide(const struct xdpfw_rule *rules,
				       size_t n, int family,
				       const uint8_t *src, int has_l4,
				       uint8_t proto, uint16_t sport);

/*
 * Parse an Ethernet frame of len bytes as the datapath is documented to:
 * up to two VLAN tags (0x8100, 0x88a8), IPv4 with options (non-first
 * fragments carry no L4 header), IPv6 with up to XDPFW_IP6_EXT_MAX
 * extension headers (hop-by-hop, routing, fragment, destination options,
 * AH), the TCP or UDP source port.  The reason is that of the first
 * incomplete or unsupported header; the source address is known once the
 * fixed IP header is complete and sane.
 */
void oracle_parse_frame(const uint8_t *frame, size_t len,
			struct oracle_pkt *p);

/*
 * The expected outcome of a frame: the rule that counts it (oracle_decide():
 * the blocking entry that drops it, or the exception that saves it), or
 * NULL when no rule counts it.  *reason: the total it also counts under
 * when it passes (the frame's malformed reason, also for a frame an
 * exception saves; 0: none, and always 0 for a dropped frame).  The frame
 * is dropped iff oracle_drops() of the result.
 */
const struct xdpfw_rule *oracle_frame(const struct xdpfw_rule *rules,
				      size_t n, const uint8_t *frame,
				      size_t len, int *reason);

/* Does the rule oracle_frame()/oracle_decide() returned drop the packet? */
int oracle_drops(const struct xdpfw_rule *counted);

/* Packets a frame adds to total t (enum xdpfw_total): 1 to dropped when
 * a rule drops it, else (no rule matched, or an exception saved it) 1 to
 * passed and 1 to its malformed reason (when not 0); nothing at all when
 * the kernel refused the frame. */
int oracle_total_delta(int t, int refused, int dropped, int reason);

#endif
