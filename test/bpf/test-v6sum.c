// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPv6 flags (xdpfw_v6_flags), the first IPv6 probe of the real XDP
 * program, under BPF_PROG_TEST_RUN with maps filled by the daemon's own
 * pipeline (xdprun.h).  A zero flags byte ends the lookup, so every
 * kind and length of IPv6 entry must leave its flag where the program
 * looks: entries of /48 and longer at their /48, /32 to /47 at their /32
 * (XDPFW_F_V6_SUM32), prefix:port entries shorter than /32 through
 * xdpfw_ports (XDPFW_F_V6_PORT_SHORT), address prefixes shorter than /32
 * with the summary bypassed (XDPFW_F_V6_PREFIX_WILD).
 *
 * Parts: rule set S (every length class, hits at both edges and misses
 * just outside, in /48s and /32s of their own); S plus a short
 * prefix:port entry; S plus a short address prefix; then back to S
 * through the plan (flags narrowed).  Each target is checked against the
 * oracle of test/oracle.c and run as TCP, UDP and ICMP.  And the filter
 * itself: the bits sit where the program's hash puts them, a miss source
 * has none.  Needs root (BPF); exits 77 when it is not.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "kmaps.h"
#include "xdprun.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Each entry in a /32 of its own (2001:db8:N::/48 shares one /32, so the
 * test uses 2a0N:: addresses), so that one bit missing fails a hit. */
static const char rules_s[] =
	"2a01:1:1::1\n"                 /* /128 at its /48 */
	"2a02:2:2::/48\n"               /* /48 */
	"2a03:3:3:3300::/56\n"          /* /56 at its /48 */
	"2a04:4:4:4::/64\n"             /* /64 at its /48 */
	"2a05:5::/32\n"                 /* /32: the /32 probe */
	"2a06:6:600::/40\n"             /* /40 at its /32 */
	"2a07:7:6::/47\n"               /* /47 at its /32 */
	"[2a08:8:8::8]:80\n"            /* endpoint at its /48 */
	"[2a09:9:9::/48]:90/udp\n"      /* prefix:port /48 */
	"[2a0a:a:a000::/36]:100/tcp\n"; /* prefix:port /36 at its /32 */
#define RULES_S_N 10

static const struct target targets_s[] = {
	{ 6, "2a01:1:1::1", 1, "2a01:1:1::1", "2a01:1:1::1", "2a01:1:1::1" },
	{ 6, "2a01:1:1::2", 1, NULL, NULL, NULL },
	{ 6, "2a02:2:2:ffff:ffff:ffff:ffff:ffff", 1, "2a02:2:2::/48",
	  "2a02:2:2::/48", "2a02:2:2::/48" },
	{ 6, "2a02:2:3::", 1, NULL, NULL, NULL },
	{ 6, "2a03:3:3:33ff::9", 1, "2a03:3:3:3300::/56",
	  "2a03:3:3:3300::/56", "2a03:3:3:3300::/56" },
	{ 6, "2a03:3:3:3400::9", 1, NULL, NULL, NULL },
	{ 6, "2a04:4:4:4:ffff::1", 1, "2a04:4:4:4::/64", "2a04:4:4:4::/64",
	  "2a04:4:4:4::/64" },
	{ 6, "2a05:5:ffff::1", 1, "2a05:5::/32", "2a05:5::/32",
	  "2a05:5::/32" },
	{ 6, "2a05:6::1", 1, NULL, NULL, NULL },
	{ 6, "2a06:6:6ff:ffff::1", 1, "2a06:6:600::/40", "2a06:6:600::/40",
	  "2a06:6:600::/40" },
	{ 6, "2a06:6:700::1", 1, NULL, NULL, NULL },
	{ 6, "2a07:7:6::1", 1, "2a07:7:6::/47", "2a07:7:6::/47",
	  "2a07:7:6::/47" },
	{ 6, "2a07:7:7:ffff::1", 1, "2a07:7:6::/47", "2a07:7:6::/47",
	  "2a07:7:6::/47" },
	{ 6, "2a07:7:8::1", 1, NULL, NULL, NULL },
	{ 6, "2a08:8:8::8", 80, "[2a08:8:8::8]:80", "[2a08:8:8::8]:80",
	  NULL },
	{ 6, "2a08:8:8::8", 81, NULL, NULL, NULL },
	{ 6, "2a09:9:9:9::9", 90, NULL, "[2a09:9:9::/48]:90/udp", NULL },
	{ 6, "2a0a:a:afff::1", 100, "[2a0a:a:a000::/36]:100/tcp", NULL,
	  NULL },
	{ 6, "2a0a:a:9fff::1", 100, NULL, NULL, NULL },
	/* the /32 of no entry */
	{ 6, "2a0f:f::1", 100, NULL, NULL, NULL },
};

/* The short entries: a packet anywhere may match them. */
static const struct target targets_port_short[] = {
	{ 6, "2a0f:f::1", 53, NULL, "[2000::/4]:53/udp", NULL },
	{ 6, "2a0f:f::1", 54, NULL, NULL, NULL },
	{ 6, "2a01:1:1::1", 53, "2a01:1:1::1", "[2000::/4]:53/udp",
	  "2a01:1:1::1" },
	{ 6, "2fff::1", 53, NULL, "[2000::/4]:53/udp", NULL },
	{ 6, "3fff::1", 53, NULL, NULL, NULL },
};

static const struct target targets_wild[] = {
	{ 6, "2b00:ff::1", 1, "2b00::/24", "2b00::/24", "2b00::/24" },
	{ 6, "2b00:100::1", 1, NULL, NULL, NULL },
	{ 6, "2a02:2:2::1", 1, "2a02:2:2::/48", "2a02:2:2::/48",
	  "2a02:2:2::/48" },
};

static uint32_t base_flags(void)
{
	return XDPFW_F_V6_EXACT | XDPFW_F_V6_PREFIX | XDPFW_F_V6_PORT_EXACT |
	       XDPFW_F_V6_PORT_PREFIX | XDPFW_F_V6_SUM32 |
	       XDPFW_F_V6_ODD; /* the /40 and the /47 */
}

static int sum_bit(const char *addr, unsigned cls)
{
	uint32_t a[4];

	if (inet_pton(AF_INET6, addr, a) != 1) {
		fail("bad test address %s", addr);
		return -1;
	}
	return xdpfw_v6f_byte(km.filter[FMAP_V6F], xdpfw_v6s_hash(a, cls)) != 0;
}

/* The bits the program reads, where it reads them. */
static void test_bits(void)
{
	static const struct {
		const char *addr;
		unsigned cls;
		int want;
	} b[] = {
		{ "2a01:1:1::", 48, 1 }, { "2a03:3:3::", 48, 1 },
		{ "2a04:4:4::", 48, 1 }, { "2a08:8:8::", 48, 1 },
		{ "2a09:9:9::", 48, 1 }, { "2a05:5::", 32, 1 },
		{ "2a06:6::", 32, 1 },   { "2a07:7::", 32, 1 },
		{ "2a0a:a::", 32, 1 },   { "2a0f:f::", 48, 0 },
		{ "2a0f:f::", 32, 0 },
	};

	for (size_t i = 0; i < N_OF(b); i++) {
		int got = sum_bit(b[i].addr, b[i].cls);

		xr_checks++;
		if (got != b[i].want)
			fail("summary bit of %s at /%u: %d, want %d", b[i].addr,
			     b[i].cls, got, b[i].want);
	}
}

int main(int argc, char **argv)
{
	struct applied a;
	char text[1024];
	int rc = xr_setup("test-v6sum", argc, argv);

	if (rc >= 0)
		return rc;

	apply_or_die("S", rules_s, 0, &a);
	check_plan("empty -> S", &a, RULES_S_N, 0, 0);
	check_flags("S", base_flags());
	test_bits();
	check_targets_against_oracle(targets_s, N_OF(targets_s));
	test_targets_light(targets_s, N_OF(targets_s));

	snprintf(text, sizeof(text), "%s[2000::/4]:53/udp\n", rules_s);
	apply_or_die("S + short port", text, 0, &a);
	check_flags("S + short port", base_flags() | XDPFW_F_V6_PORT_SHORT);
	check_targets_against_oracle(targets_port_short,
				     N_OF(targets_port_short));
	test_targets_light(targets_port_short, N_OF(targets_port_short));
	test_targets_light(targets_s, N_OF(targets_s));

	snprintf(text, sizeof(text), "%s2b00::/24\n", rules_s);
	apply_or_die("S + wild prefix", text, 0, &a);
	check_flags("S + wild prefix",
		    base_flags() | XDPFW_F_V6_PREFIX_WILD);
	check_targets_against_oracle(targets_wild, N_OF(targets_wild));
	test_targets_light(targets_wild, N_OF(targets_wild));

	apply_or_die("back to S", rules_s, 0, &a);
	check_flags("back to S", base_flags());
	test_targets_light(targets_s, N_OF(targets_s));
	test_bits();

	return xr_finish();
}
