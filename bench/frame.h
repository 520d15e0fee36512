/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ethernet + IPv4/IPv6 + TCP/UDP frames for the benchmark tools, with valid
 * IP and L4 checksums so that a receiving stack would accept them.
 * Header-only: every bench tool includes it once.
 */
#ifndef XB_FRAME_H
#define XB_FRAME_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct frame_spec {
	int family;             /* 4 or 6 */
	const char *src, *dst;  /* textual addresses */
	uint8_t proto;          /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t sport, dport;  /* host order */
	uint8_t smac[6], dmac[6];
	size_t payload;         /* bytes after the L4 header */
	uint32_t seq;           /* written into the first 4 payload bytes */
};

static inline uint32_t xb_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)(b[len - 1] << 8);
	return sum;
}

static inline uint16_t xb_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Build the frame into buf; returns its length or -errno. */
static inline int frame_build(const struct frame_spec *s, uint8_t *buf,
			      size_t cap)
{
	size_t l3 = s->family == 6 ? 40 : 20;
	size_t l4 = s->proto == IPPROTO_TCP ? 20 : 8;
	size_t len = 14 + l3 + l4 + s->payload;
	uint8_t *ip = buf + 14, *th = buf + 14 + l3, *pl = th + l4;
	uint8_t saddr[16], daddr[16];
	size_t alen = s->family == 6 ? 16 : 4;
	uint32_t sum;

	if (len < 60)
		len = 60; /* minimum Ethernet frame (without FCS) */
	if (len > cap || (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP))
		return -EINVAL;
	if (inet_pton(s->family == 6 ? AF_INET6 : AF_INET, s->src, saddr) != 1 ||
	    inet_pton(s->family == 6 ? AF_INET6 : AF_INET, s->dst, daddr) != 1)
		return -EINVAL;
	memset(buf, 0, len);
	memcpy(buf, s->dmac, 6);
	memcpy(buf + 6, s->smac, 6);
	buf[12] = s->family == 6 ? 0x86 : 0x08;
	buf[13] = s->family == 6 ? 0xdd : 0x00;

	/* L4 payload first: the checksum covers it. */
	if (s->payload >= 4) {
		pl[0] = (uint8_t)(s->seq >> 24);
		pl[1] = (uint8_t)(s->seq >> 16);
		pl[2] = (uint8_t)(s->seq >> 8);
		pl[3] = (uint8_t)s->seq;
	}
	th[0] = (uint8_t)(s->sport >> 8);
	th[1] = (uint8_t)s->sport;
	th[2] = (uint8_t)(s->dport >> 8);
	th[3] = (uint8_t)s->dport;
	if (s->proto == IPPROTO_TCP) {
		th[12] = 5 << 4;  /* data offset */
		th[13] = 0x10;    /* ACK */
		th[14] = 0xff;    /* window */
		th[15] = 0xff;
	} else {
		th[4] = (uint8_t)((l4 + s->payload) >> 8);
		th[5] = (uint8_t)(l4 + s->payload);
	}
	/* Pseudo-header + L4 header + payload. */
	sum = xb_csum_add(0, saddr, alen);
	sum = xb_csum_add(sum, daddr, alen);
	sum += s->proto;
	sum += (uint32_t)(l4 + s->payload);
	sum = xb_csum_add(sum, th, l4 + s->payload);
	{
		uint16_t c = xb_csum_fold(sum);

		if (s->proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		th[s->proto == IPPROTO_TCP ? 16 : 6] = (uint8_t)(c >> 8);
		th[s->proto == IPPROTO_TCP ? 17 : 7] = (uint8_t)c;
	}

	if (s->family == 6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((l4 + s->payload) >> 8);
		ip[5] = (uint8_t)(l4 + s->payload);
		ip[6] = s->proto;
		ip[7] = 64;
		memcpy(ip + 8, saddr, 16);
		memcpy(ip + 24, daddr, 16);
	} else {
		uint16_t tot = (uint16_t)(20 + l4 + s->payload), c;

		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = s->proto;
		memcpy(ip + 12, saddr, 4);
		memcpy(ip + 16, daddr, 4);
		c = xb_csum_fold(xb_csum_add(0, ip, 20));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	return (int)len;
}

#endif
