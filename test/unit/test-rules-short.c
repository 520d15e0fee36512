// SPDX-License-Identifier: GPL-2.0-only
/*
 * The short way of the entry grammar against the full one: rule_v6_hex()
 * (agent/rules_entry.c), which reads IPv6 addresses of hex groups without
 * inet_pton(), must say yes to exactly the hex-and-colon strings that
 * inet_pton(AF_INET6) takes, with the same 16 bytes, and no to every other
 * string (a dotted quad, a zone, junk go to the full grammar).  On fixed
 * edge cases and on many generated and mutated addresses.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "testlib.h"

static int n_short, n_pure;

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static bool hex_and_colons(const char *s)
{
	return s[strspn(s, "0123456789abcdefABCDEF:")] == '\0';
}

/* The differential check of one string. */
static void check_one(const char *s)
{
	uint8_t a[16], b[16];
	bool fast = rule_v6_hex(s, strlen(s), a);
	bool full = inet_pton(AF_INET6, s, b) == 1;

	n_short += fast;
	if (hex_and_colons(s)) {
		n_pure++;
		CHECK_MSG(fast == full, "\"%s\": short %d, inet_pton %d", s,
			  fast, full);
		if (fast && full)
			CHECK_MSG(!memcmp(a, b, 16), "\"%s\": other bytes", s);
	} else {
		CHECK_MSG(!fast, "\"%s\": short way took a non-hex address", s);
	}
}

static const char *const edges[] = {
	"::", "::1", "1::", ":", ":::", "1:::2", "::1::", "1::2::3", ":1::",
	"1::2:", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
	"1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::",
	"::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", "1:2:3::5:6:7:8",
	"ffff:FFFF:abcd:ABCD:0:00:000:0000", "00000::", "12345::1",
	"2001:db8::1", "2001:DB8::", "fe80::1%eth0", "::ffff:1.2.3.4",
	"1.2.3.4", "", "g::", "2001:db8::/32", "2001:db8:: ", " ::1",
	"0:0:0:0:0:0:0:0", "0000:0000:0000:0000:0000:0000:0000:0000",
	"0000:0000:0000:0000:0000:0000:0000:00000", "1::2:3:4:5:6:7",
};

/* A random address as inet_ntop() writes it, or spelled out with leading
 * zeros and mixed case. */
static void gen(char *out, size_t len)
{
	uint8_t a[16];
	int z0 = (int)rnd(17), zn = (int)rnd(17);

	for (int i = 0; i < 16; i++)
		a[i] = (uint8_t)(i >= z0 && i < z0 + zn ? 0 :
				 rnd(4) ? rnd(256) : 0);
	if (rnd(2)) {
		inet_ntop(AF_INET6, a, out, (socklen_t)len);
		return;
	}
	out[0] = '\0';
	for (int g = 0; g < 8; g++) {
		char grp[8];

		snprintf(grp, sizeof(grp), rnd(2) ? "%0*x" : "%0*X",
			 (int)rnd(5), (unsigned)(a[2 * g] << 8 | a[2 * g + 1]));
		strcat(out, grp);
		if (g < 7)
			strcat(out, ":");
	}
}

/* One random edit: drop, insert, replace or double a byte, or cut. */
static void mutate(char *s, size_t cap)
{
	static const char alpha[] = "0123456789abcdefABCDEF:::.g%/ ";
	size_t n = strlen(s), at = n ? rnd((uint32_t)n) : 0;
	char ch = alpha[rnd(sizeof(alpha) - 1)];

	switch (rnd(5)) {
	case 0:
		if (n)
			memmove(s + at, s + at + 1, n - at);
		break;
	case 1:
		if (n + 2 < cap) {
			memmove(s + at + 1, s + at, n - at + 1);
			s[at] = ch;
		}
		break;
	case 2:
		if (n)
			s[at] = ch;
		break;
	case 3:
		if (n && n + 2 < cap) {
			memmove(s + at + 1, s + at, n - at + 1);
		}
		break;
	default:
		s[at] = '\0';
	}
}

int main(void)
{
	char s[96];

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		check_one(edges[i]);
	for (int i = 0; i < 400000; i++) {
		gen(s, sizeof(s));
		check_one(s);
		for (int m = (int)rnd(4); m > 0; m--)
			mutate(s, sizeof(s));
		check_one(s);
	}
	/* The short way did run, and on a good share of the strings. */
	CHECK_MSG(n_short > 400000, "short way took %d strings", n_short);
	printf("test-rules-short: %d strings of hex and colons, %d read the "
	       "short way\n", n_pure, n_short);
	return tl_finish("test-rules-short");
}
