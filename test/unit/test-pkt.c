// SPDX-License-Identifier: GPL-2.0-only
/*
 * test/pkt.c, the frame builder every datapath test and benchmark uses:
 * Ethernet, VLAN, IPv4 with options, IPv6 with extension headers,
 * fragments, and IP and L4 checksums that verify.  No privilege needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pkt.h"
#include "testlib.h"

#define FRAME_MAX 512

#define FAIL(...)                                                      \
	do {                                                           \
		tl_failures++;                                         \
		fprintf(stderr, "FAIL: " __VA_ARGS__);                 \
		fputc('\n', stderr);                                   \
	} while (0)

static struct pkt_spec spec(int family, const char *src, uint8_t proto,
			    uint16_t sport)
{
	return pkt_spec_of(family, src, proto, sport);
}

static int build(const struct pkt_spec *s, uint8_t *f)
{
	int len = pkt_build(s, f, FRAME_MAX);

	tl_checks++;
	if (len < 0)
		FAIL("pkt_build: %s", strerror(-len));
	return len;
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" :
	       p == IPPROTO_ICMP ? "icmp" : "icmp6";
}

static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int main(void)
{
	static const uint8_t protos4[] = { IPPROTO_TCP, IPPROTO_UDP,
					   IPPROTO_ICMP };
	static const uint8_t protos6[] = { IPPROTO_TCP, IPPROTO_UDP,
					   IPPROTO_ICMPV6 };
	uint8_t f[FRAME_MAX];

	for (int i = 0; i < 3; i++) {
		for (int opt = 0; opt <= 40; opt += 20) {
			struct pkt_spec s = spec(4, "10.9.8.7", protos4[i], 1234);
			const uint8_t *ip;
			size_t ihl, tot;
			uint32_t ps = 0;
			int len;

			s.n_vlan = 1;
			s.ip4_opt_len = opt;
			s.payload_len = 7;
			len = build(&s, f);
			ip = f + 18;
			ihl = (size_t)(ip[0] & 15) * 4;
			tot = (size_t)ip[2] << 8 | ip[3];
			tl_checks++;
			if (f[12] != 0x81 || f[13] != 0x00 || f[16] != 0x08 ||
			    f[17] != 0x00 || ihl != 20 + (size_t)opt ||
			    tot + 18 != (size_t)len || ip[9] != protos4[i] ||
			    sum16(ip, ihl, 0) != 0xffff)
				FAIL("pkt: v4 %s opts %d: bad Ethernet/IPv4 header",
				     proto_name(protos4[i]), opt);
			if (protos4[i] != IPPROTO_ICMP) {
				ps = sum16(ip + 12, 8, 0);
				ps += protos4[i] + (uint32_t)(tot - ihl);
			}
			tl_checks++;
			if (sum16(ip + ihl, tot - ihl, ps) != 0xffff)
				FAIL("pkt: v4 %s opts %d: bad L4 checksum",
				     proto_name(protos4[i]), opt);
		}
	}
	for (int i = 0; i < 3; i++) {
		struct pkt_spec s = spec(6, "2001:db8:9::7", protos6[i], 1234);
		const uint8_t *ip = f + 14;
		size_t plen, l4;
		uint32_t ps;
		int len;

		s.n_ip6_ext = 3;
		s.ip6_ext[0] = IPPROTO_HOPOPTS;
		s.ip6_ext[1] = IPPROTO_AH;
		s.ip6_ext[2] = IPPROTO_ROUTING;
		s.payload_len = 9;
		len = build(&s, f);
		plen = (size_t)ip[4] << 8 | ip[5];
		l4 = 40 + 8 + 24 + 8;
		tl_checks++;
		if ((ip[0] >> 4) != 6 || plen + 54 != (size_t)len ||
		    ip[6] != IPPROTO_HOPOPTS || ip[40] != IPPROTO_AH ||
		    ip[40 + 8] != IPPROTO_ROUTING || ip[40 + 9] != 4 ||
		    ip[40 + 8 + 24] != protos6[i])
			FAIL("pkt: v6 %s: bad extension header chain",
			     proto_name(protos6[i]));
		ps = sum16(ip + 8, 32, 0) + protos6[i] + (uint32_t)(plen + 40 - l4);
		tl_checks++;
		if (sum16(ip + l4, plen + 40 - l4, ps) != 0xffff)
			FAIL("pkt: v6 %s: bad L4 checksum", proto_name(protos6[i]));
	}
	{
		/* Non-first fragments: only payload after the headers. */
		struct pkt_spec s = spec(6, "2001:db8:9::7", IPPROTO_TCP, 1);
		int len;

		s.frag = PKT_FRAG_NONFIRST;
		s.payload_len = 16;
		len = build(&s, f);
		tl_checks++;
		if (len != 14 + 40 + 8 + 16 || f[14 + 6] != IPPROTO_FRAGMENT ||
		    f[14 + 40] != IPPROTO_TCP || !(f[14 + 42] | f[14 + 43]) ||
		    (f[14 + 43] & 1))
			FAIL("pkt: v6 non-first fragment: bad layout (%d bytes)",
			     len);
		s = spec(4, "10.9.8.7", IPPROTO_UDP, 1);
		s.frag = PKT_FRAG_NONFIRST;
		s.payload_len = 16;
		len = build(&s, f);
		tl_checks++;
		if (len != 14 + 20 + 16 || !((f[20] & 0x1f) | f[21]) ||
		    (f[20] & 0x20))
			FAIL("pkt: v4 non-first fragment: bad layout (%d bytes)",
			     len);
		s.frag = PKT_FRAG_FIRST;
		len = build(&s, f);
		tl_checks++;
		if (len != 14 + 20 + 8 + 16 || f[20] != 0x20 || f[21] != 0)
			FAIL("pkt: v4 first fragment: bad flags");
	}
	{
		struct pkt_spec s = spec(4, "10.9.8.7", IPPROTO_TCP, 1);

		s.ip4_opt_len = 6;
		tl_checks++;
		if (pkt_build(&s, f, sizeof(f)) != -EINVAL)
			FAIL("pkt: 6 bytes of options accepted");
		s.ip4_opt_len = 0;
		tl_checks++;
		if (pkt_build(&s, f, 40) != -ENOSPC)
			FAIL("pkt: a 40-byte buffer was enough for 59 bytes");
	}
	return tl_finish("test-pkt");
}
