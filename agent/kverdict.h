/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the XDP program would do with a packet from a given source, worked
 * out from the live maps: the same filters and lookups, in the same order
 * (ebpf/xdpfw.bpf.c), done with bpf_map_lookup_elem() from user space, so
 * no counter moves.  For `xdpfw explain`: does the kernel agree?
 */
#ifndef XDPFW_KVERDICT_H
#define XDPFW_KVERDICT_H

#include <stdint.h>

#include "kmaps.h"

/* A packet as the program sees it after parsing. */
struct kv_pkt {
	uint8_t family;  /* XDPFW_FAMILY_V4 / _V6 */
	uint8_t has_l4;  /* a whole TCP/UDP header */
	uint8_t proto;   /* IPPROTO_TCP / _UDP when has_l4 */
	uint16_t sport;  /* host order */
	uint8_t addr[16]; /* network order; IPv4 in addr[0..3] */
};

struct kv_result {
	int matched;     /* a blocking entry's key matched */
	uint32_t slot;   /* its slot */
	int saved;       /* an exception's key matched too */
	uint32_t xslot;  /* the exception's slot */
};

/* 0, or -errno when a map cannot be read. */
int kverdict(struct kmaps *km, const struct kv_pkt *p, struct kv_result *out);

#endif
