// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the rules formatter (agent/rules.c): RFC 5952 text for
 * IPv6, the canonical form of each kind of entry, and format -> parse ->
 * format round trips over pseudo-random rules.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "test-rules.h"
#include "testlib.h"

/* ---- the formatter ------------------------------------------------------- */

struct fmt_case {
	int family, plen;
	const char *addr;
	int port, proto;
	const char *out;
};

static const struct fmt_case fmt_cases[] = {
	/* RFC 5952 */
	{ V6, 128, "2001:db8:0:0:1:0:0:1", 0, 0, "2001:db8::1:0:0:1" },
	{ V6, 128, "2001:0db8:0000::0001", 0, 0, "2001:db8::1" },
	{ V6, 128, "2001:db8:0:1:1:1:1:1", 0, 0, "2001:db8:0:1:1:1:1:1" },
	{ V6, 128, "::", 0, 0, "::" },
	{ V6, 128, "::1", 0, 0, "::1" },
	{ V6, 128, "1::", 0, 0, "1::" },
	{ V6, 128, "2001:DB8::ABCD", 0, 0, "2001:db8::abcd" },
	{ V6, 128, "1:0:0:2:0:0:0:3", 0, 0, "1:0:0:2::3" },
	{ V6, 128, "1:0:0:0:1:0:0:0", 0, 0, "1::1:0:0:0" },
	{ V6, 128, "0:0:0:1:0:0:0:0", 0, 0, "0:0:0:1::" },
	{ V6, 128, "0:0:1:0:0:0:1:0", 0, 0, "0:0:1::1:0" },
	{ V6, 128, "1:0:1:0:1:0:1:0", 0, 0, "1:0:1:0:1:0:1:0" },
	{ V6, 128, "0:1:2:3:4:5:6:7", 0, 0, "0:1:2:3:4:5:6:7" },
	{ V6, 128, "1:2:3:4:5:6:7:0", 0, 0, "1:2:3:4:5:6:7:0" },
	{ V6, 128, "0:0:2:3:4:5:6:7", 0, 0, "::2:3:4:5:6:7" },
	{ V6, 128, "1:2:3:4:5:6:0:0", 0, 0, "1:2:3:4:5:6::" },
	{ V6, 128, "10:200:3000:f:a0:b00:c000:1", 0, 0, "10:200:3000:f:a0:b00:c000:1" },
	/* never a dotted quad */
	{ V6, 128, "::ffff:1.2.3.4", 0, 0, "::ffff:102:304" },
	{ V6, 128, "::1.2.3.4", 0, 0, "::102:304" },
	{ V6, 128, "64:ff9b::192.0.2.33", 0, 0, "64:ff9b::c000:221" },
	/* prefixes and ports */
	{ V6, 48, "2001:db8::", 443, 0, "[2001:db8::/48]:443" },
	{ V6, 128, "2001:db8::1", 53, UDP, "[2001:db8::1]:53/udp" },
	{ V6, 0, "::", 123, UDP, "[::/0]:123/udp" },
	{ V6, 32, "2001:db8::", 0, 0, "2001:db8::/32" },
	{ V6, 128, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, TCP,
	  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535/tcp" },
	{ V6, 0, "::", 0, 0, "::/0" },
	{ V4, 32, "1.2.3.4", 0, 0, "1.2.3.4" },
	{ V4, 24, "10.0.0.0", 443, TCP, "10.0.0.0/24:443/tcp" },
	{ V4, 0, "0.0.0.0", 11211, UDP, "0.0.0.0/0:11211/udp" },
	{ V4, 32, "255.255.255.255", 65535, 0, "255.255.255.255:65535" },
	{ V4, 8, "10.0.0.0", 0, 0, "10.0.0.0/8" },
};

static void test_format(void)
{
	for (size_t i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		struct xdpfw_rule r;
		char buf[RULE_FMT_MAX];
		int len;

		n_cases++;
		make_rule(&r, c->family, c->plen, c->addr, c->port, c->proto);
		len = rule_format(&r, buf, sizeof(buf));
		CHECK_STR(buf, c->out);
		CHECK_INT(len, strlen(c->out));
	}

	/* snprintf semantics on a short buffer */
	{
		struct xdpfw_rule r;
		char buf[8];

		n_cases++;
		make_rule(&r, V6, 128, "2001:db8::1", 53, UDP);
		memset(buf, 'x', sizeof(buf));
		CHECK_INT(rule_format(&r, buf, 5), strlen("[2001:db8::1]:53/udp"));
		CHECK_STR(buf, "[200");
		CHECK(buf[5] == 'x');
		CHECK_INT(rule_format(&r, buf, 0), strlen("[2001:db8::1]:53/udp"));
		/* the longest entry fits RULE_FMT_MAX */
		make_rule(&r, V6, 127, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535, TCP);
		CHECK(rule_format(&r, NULL, 0) < RULE_FMT_MAX);
		/* a free slot prints something that does not parse */
		memset(&r, 0, sizeof(r));
		rule_format(&r, buf, sizeof(buf));
		CHECK(buf[0] != '\0');
	}
}

/* ---- pseudo-random round trip --------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static void mask_addr(struct xdpfw_rule *r)
{
	unsigned nbytes = r->family == V4 ? 4 : 16, plen = r->prefixlen;

	for (unsigned i = 0; i < nbytes; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		r->addr[i] &= (uint8_t)(0xff00u >> plen);
		plen = 0;
	}
}

static void random_rule(struct xdpfw_rule *r)
{
	static const uint8_t protos[3] = { 0, TCP, UDP };

	for (;;) {
		memset(r, 0, sizeof(*r));
		r->family = rnd() & 1 ? V4 : V6;
		if (r->family == V4) {
			uint32_t a = (uint32_t)rnd();

			memcpy(r->addr, &a, 4);
			r->prefixlen = rnd() & 1 ? 32 : (uint8_t)(rnd() % 33);
		} else {
			for (int g = 0; g < 8; g++) {
				uint16_t v;

				switch (rnd() % 4) {
				case 0:
				case 1:
					v = 0;
					break;
				case 2:
					v = (uint16_t)(rnd() & 0xf);
					break;
				default:
					v = (uint16_t)rnd();
					break;
				}
				r->addr[2 * g] = (uint8_t)(v >> 8);
				r->addr[2 * g + 1] = (uint8_t)v;
			}
			if (rnd() % 8 == 0) /* sometimes ::ffff:x:y-like */
				r->addr[10] = r->addr[11] = 0xff;
			r->prefixlen = rnd() & 1 ? 128 : (uint8_t)(rnd() % 129);
		}
		mask_addr(r);
		if (rnd() & 1) {
			r->port = (uint16_t)(1 + rnd() % 65535);
			r->proto = protos[rnd() % 3];
		}
		if (r->family == V6 && r->prefixlen >= 96) {
			static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

			if (memcmp(r->addr, mapped, 12) == 0)
				continue; /* rejected by design */
		}
		return;
	}
}

/* glibc's inet_ntop follows RFC 5952 except for its dotted forms. */
static int ntop_comparable(const uint8_t a[16])
{
	static const uint8_t z[12];

	if (memcmp(a, z, 12) == 0)
		return 0;
	if (memcmp(a, z, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
		return 0;
	return 1;
}

static void test_random_round_trip(void)
{
	size_t failures = 0, compared = 0;

	for (int i = 0; i < 10000; i++) {
		struct xdpfw_rule r;
		char ours[RULE_FMT_MAX], theirs[INET6_ADDRSTRLEN];

		n_cases++;
		random_rule(&r);
		if (!round_trip(&r))
			failures++;
		if (r.family == V6 && !r.port && r.prefixlen == 128 &&
		    ntop_comparable(r.addr)) {
			format_str(&r, ours);
			inet_ntop(AF_INET6, r.addr, theirs, sizeof(theirs));
			compared++;
			if (strcmp(ours, theirs) != 0) {
				fprintf(stderr, "format %s, inet_ntop %s\n", ours,
					theirs);
				failures++;
			}
		}
	}
	CHECK_INT(failures, 0);
	CHECK(compared > 500);

	/* Every valid case survives a round trip (done in test_valid) and so
	 * does every golden format case. */
	for (size_t i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		struct xdpfw_rule r;
		const struct fmt_case *c = &fmt_cases[i];

		make_rule(&r, c->family, c->plen, c->addr, c->port, c->proto);
		if (strchr(c->addr, '.') && c->family == V6)
			continue; /* mapped and dotted: rejected by design */
		CHECK_MSG(round_trip(&r), "%s", c->out);
	}
}


int main(void)
{
	test_format();
	test_random_round_trip();
	printf("test-rules-format: %d cases\n", n_cases);
	return tl_finish("test-rules-format");
}
