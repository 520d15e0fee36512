// SPDX-License-Identifier: GPL-2.0-only
/*
 * ebpf/parse.bpf.h's short way for common frames (xdpfw_parse_common)
 * against its full parse (xdpfw_parse_full), compiled here as plain C:
 * on every frame the test can make -- each family, protocol, VLAN depth,
 * IPv4 options, IPv6 extension headers, fragments, every truncation, and
 * random bytes written over the headers -- the short way either declines
 * and leaves the packet untouched, or fills it exactly as the full parse
 * does.  No privilege needed.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#include "xdpfw_shared.h"
#pragma GCC diagnostic ignored "-Wunknown-pragmas" /* clang's unroll */
#include "../../ebpf/parse.bpf.h"
#include "pkt.h"
#include "testlib.h"

#define FRAME_MAX 512

static unsigned long taken, declined;

static void fail_frame(const char *why, const uint8_t *f, size_t len)
{
	tl_failures++;
	fprintf(stderr, "FAIL: %s; frame of %zu bytes:", why, len);
	for (size_t i = 0; i < len && i < 80; i++)
		fprintf(stderr, " %02x", f[i]);
	fputc('\n', stderr);
}

/* The two parses of the first len bytes of f must agree. */
static void check(const uint8_t *f, size_t len)
{
	/* The frame ends where the allocation does, so that a read past it
	 * is ASan's error; 2 bytes before it put the IP header on 4 bytes,
	 * as drivers do (NET_IP_ALIGN). */
	uint8_t *mem = malloc(len + 2), *buf = mem + 2;
	struct xdpfw_pkt full, fast, zero;

	if (!mem)
		abort();
	memcpy(buf, f, len);
	memset(&full, 0, sizeof(full));
	memset(&fast, 0, sizeof(fast));
	memset(&zero, 0, sizeof(zero));
	xdpfw_parse_full(buf, buf + len, &full);
	tl_checks++;
	if (xdpfw_parse_common(buf, buf + len, &fast)) {
		taken++;
		if (memcmp(&full, &fast, sizeof(full)))
			fail_frame("the short way parsed it differently", f, len);
	} else {
		declined++;
		if (memcmp(&fast, &zero, sizeof(zero)))
			fail_frame("the short way declined but wrote", f, len);
	}
	free(mem);
}

/* The frame, each of its truncations, and n copies with random bytes
 * over its first 80. */
static void check_all(const uint8_t *f, size_t len, int n)
{
	uint8_t m[FRAME_MAX];

	for (size_t l = 0; l <= len; l++)
		check(f, l);
	for (int i = 0; i < n; i++) {
		memcpy(m, f, len);
		for (int k = 0; k < 3; k++)
			m[rand() % (len < 80 ? len : 80)] = (uint8_t)rand();
		check(m, len);
	}
}

static void build_and_check(const struct pkt_spec *s)
{
	uint8_t f[FRAME_MAX];
	int len = pkt_build(s, f, sizeof(f));

	tl_checks++;
	if (len < 0) {
		tl_failures++;
		fprintf(stderr, "FAIL: pkt_build: %d\n", len);
		return;
	}
	check_all(f, (size_t)len, 200);
}

int main(void)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP };
	static const uint8_t ext6[][2] = {
		{ IPPROTO_HOPOPTS, 0 }, { IPPROTO_FRAGMENT, 0 },
		{ IPPROTO_ROUTING, IPPROTO_DSTOPTS },
	};

	srand(15);
	for (int fam = 4; fam <= 6; fam += 2) {
		const char *src = fam == 4 ? "198.51.100.7" : "2001:db8::7";

		for (size_t p = 0; p < sizeof(protos); p++) {
			uint8_t proto = protos[p] == IPPROTO_ICMP && fam == 6 ?
						IPPROTO_ICMPV6 : protos[p];

			for (int vl = 0; vl <= PKT_MAX_VLAN; vl++) {
				struct pkt_spec s = pkt_spec_of(fam, src, proto,
								40000);

				s.n_vlan = vl;
				build_and_check(&s);
				s.payload_len = 0;
				build_and_check(&s);
			}
			for (int fr = PKT_FRAG_FIRST; fr <= PKT_FRAG_NONFIRST;
			     fr++) {
				struct pkt_spec s = pkt_spec_of(fam, src, proto,
								40000);

				if (fam == 6) {
					s.ip6_ext[0] = IPPROTO_FRAGMENT;
					s.n_ip6_ext = 1;
				}
				s.frag = (enum pkt_frag)fr;
				build_and_check(&s);
			}
			if (fam == 4) {
				struct pkt_spec s = pkt_spec_of(fam, src, proto,
								40000);

				s.ip4_opt_len = 8;
				build_and_check(&s);
			} else {
				for (size_t e = 0; e < 3; e++) {
					struct pkt_spec s = pkt_spec_of(
						fam, src, proto, 40000);

					s.ip6_ext[0] = ext6[e][0];
					s.ip6_ext[1] = ext6[e][1];
					s.n_ip6_ext = ext6[e][1] ? 2 : 1;
					build_and_check(&s);
				}
			}
		}
	}
	{
		struct pkt_spec arp = pkt_spec_of(0, NULL, 0, 0);

		arp.dst = NULL;
		build_and_check(&arp);
	}
	/* Neither side of the comparison may be vacuous. */
	tl_checks++;
	if (taken < 500 || declined < 1000) {
		tl_failures++;
		fprintf(stderr, "FAIL: the short way took %lu frames and "
				"declined %lu: too few of one to compare\n",
			taken, declined);
	}
	printf("short way taken on %lu frames, declined on %lu\n", taken,
	       declined);
	return tl_finish("test-parse");
}
