// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of one rules-file entry (agent/rules.c, SPEC §2): every
 * grammar branch of the valid entries (with their canonical form and a
 * round trip), every error message with its column, and the expiry
 * suffix ("ENTRY expires=TIME").  Whole files: test-rules-file.c; the
 * formatter: test-rules-format.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"
#include "test-rules.h"
#include "testlib.h"

/* ---- valid entries ------------------------------------------------------ */

struct valid_case {
	const char *in;
	const char *canon;
	int family, plen;
	const char *addr;
	int port, proto;
};

static const struct valid_case valid_cases[] = {
	/* IPv4 hosts */
	{ "203.0.113.7", "203.0.113.7", V4, 32, "203.0.113.7", 0, 0 },
	{ "0.0.0.0", "0.0.0.0", V4, 32, "0.0.0.0", 0, 0 },
	{ "255.255.255.255", "255.255.255.255", V4, 32, "255.255.255.255", 0, 0 },
	{ "1.2.3.4/32", "1.2.3.4", V4, 32, "1.2.3.4", 0, 0 },
	{ "10.0.0.0", "10.0.0.0", V4, 32, "10.0.0.0", 0, 0 },
	{ "100.200.10.0", "100.200.10.0", V4, 32, "100.200.10.0", 0, 0 },
	/* IPv4 prefixes */
	{ "10.0.0.0/8", "10.0.0.0/8", V4, 8, "10.0.0.0", 0, 0 },
	{ "10.0.0.0/24", "10.0.0.0/24", V4, 24, "10.0.0.0", 0, 0 },
	{ "198.51.100.0/24", "198.51.100.0/24", V4, 24, "198.51.100.0", 0, 0 },
	{ "0.0.0.0/0", "0.0.0.0/0", V4, 0, "0.0.0.0", 0, 0 },
	{ "128.0.0.0/1", "128.0.0.0/1", V4, 1, "128.0.0.0", 0, 0 },
	{ "192.168.1.128/25", "192.168.1.128/25", V4, 25, "192.168.1.128", 0, 0 },
	{ "192.168.1.254/31", "192.168.1.254/31", V4, 31, "192.168.1.254", 0, 0 },
	{ "100.64.0.0/10", "100.64.0.0/10", V4, 10, "100.64.0.0", 0, 0 },
	{ "224.0.0.0/4", "224.0.0.0/4", V4, 4, "224.0.0.0", 0, 0 },
	{ "1.0.0.0/8", "1.0.0.0/8", V4, 8, "1.0.0.0", 0, 0 },
	/* IPv4 with a port */
	{ "10.0.2.2:30000", "10.0.2.2:30000", V4, 32, "10.0.2.2", 30000, 0 },
	{ "10.0.2.2:30000/udp", "10.0.2.2:30000/udp", V4, 32, "10.0.2.2", 30000, UDP },
	{ "10.0.2.2:30000/tcp", "10.0.2.2:30000/tcp", V4, 32, "10.0.2.2", 30000, TCP },
	{ "10.0.2.2:1", "10.0.2.2:1", V4, 32, "10.0.2.2", 1, 0 },
	{ "10.0.2.2:65535", "10.0.2.2:65535", V4, 32, "10.0.2.2", 65535, 0 },
	{ "10.0.2.2:80/TCP", "10.0.2.2:80/tcp", V4, 32, "10.0.2.2", 80, TCP },
	{ "10.0.2.2:80/Udp", "10.0.2.2:80/udp", V4, 32, "10.0.2.2", 80, UDP },
	{ "10.0.2.2:80/uDP", "10.0.2.2:80/udp", V4, 32, "10.0.2.2", 80, UDP },
	{ "10.0.2.2:80/tCp", "10.0.2.2:80/tcp", V4, 32, "10.0.2.2", 80, TCP },
	{ "9.9.9.9:53/udp", "9.9.9.9:53/udp", V4, 32, "9.9.9.9", 53, UDP },
	{ "10.1.2.3:8080", "10.1.2.3:8080", V4, 32, "10.1.2.3", 8080, 0 },
	{ "99.99.99.99:65535/udp", "99.99.99.99:65535/udp", V4, 32, "99.99.99.99", 65535, UDP },
	{ "1.2.3.4/32:53", "1.2.3.4:53", V4, 32, "1.2.3.4", 53, 0 },
	{ "0.0.0.0:7", "0.0.0.0:7", V4, 32, "0.0.0.0", 7, 0 },
	/* IPv4 prefix with a port */
	{ "198.51.100.0/24:443/tcp", "198.51.100.0/24:443/tcp", V4, 24, "198.51.100.0", 443, TCP },
	{ "0.0.0.0/0:11211/udp", "0.0.0.0/0:11211/udp", V4, 0, "0.0.0.0", 11211, UDP },
	{ "172.16.0.0/12:22", "172.16.0.0/12:22", V4, 12, "172.16.0.0", 22, 0 },
	{ "10.20.30.40/30:1/tcp", "10.20.30.40/30:1/tcp", V4, 30, "10.20.30.40", 1, TCP },
	{ "0.0.0.0/0:1", "0.0.0.0/0:1", V4, 0, "0.0.0.0", 1, 0 },
	/* IPv6 without a port */
	{ "2001:db8::1", "2001:db8::1", V6, 128, "2001:db8::1", 0, 0 },
	{ "2001:DB8::1", "2001:db8::1", V6, 128, "2001:db8::1", 0, 0 },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", V6, 128, "2001:db8::1", 0, 0 },
	{ "2001:db8:0:0:0:0:0:1", "2001:db8::1", V6, 128, "2001:db8::1", 0, 0 },
	{ "2001:0db8:0000::0001", "2001:db8::1", V6, 128, "2001:db8::1", 0, 0 },
	{ "::", "::", V6, 128, "::", 0, 0 },
	{ "::1", "::1", V6, 128, "::1", 0, 0 },
	{ "1::", "1::", V6, 128, "1::", 0, 0 },
	{ "0:0:0:0:0:0:0:0", "::", V6, 128, "::", 0, 0 },
	{ "0:0:0:0:0:0:0:1", "::1", V6, 128, "::1", 0, 0 },
	{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", V6, 128, "2001:db8::1:0:0:1", 0, 0 },
	{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", V6, 128, "2001:db8:0:1:1:1:1:1", 0, 0 },
	{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", V6, 128, "1:2:3:4:5:6:7:8", 0, 0 },
	{ "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", V6, 128, "1:2:3:4:5:6:7:0", 0, 0 },
	{ "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8", V6, 128, "0:2:3:4:5:6:7:8", 0, 0 },
	{ "1:0:0:2:0:0:0:3", "1:0:0:2::3", V6, 128, "1:0:0:2::3", 0, 0 },
	{ "1:0:0:0:2:0:0:3", "1::2:0:0:3", V6, 128, "1::2:0:0:3", 0, 0 },
	{ "FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", V6, 128, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0 },
	{ "AbCd::eF01", "abcd::ef01", V6, 128, "abcd::ef01", 0, 0 },
	{ "fe80::1", "fe80::1", V6, 128, "fe80::1", 0, 0 },
	{ "::fffe:102:304", "::fffe:102:304", V6, 128, "::fffe:102:304", 0, 0 },
	{ "::102:304", "::102:304", V6, 128, "::102:304", 0, 0 },
	{ "64:ff9b::102:304", "64:ff9b::102:304", V6, 128, "64:ff9b::102:304", 0, 0 },
	{ "2001:db8::8:800:200c:417a", "2001:db8::8:800:200c:417a", V6, 128, "2001:db8::8:800:200c:417a", 0, 0 },
	{ "2001:db8:1:2:3:4:5:0", "2001:db8:1:2:3:4:5:0", V6, 128, "2001:db8:1:2:3:4:5:0", 0, 0 },
	{ "0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1", V6, 128, "0:1:0:1:0:1:0:1", 0, 0 },
	{ "::1:ffff:1:2", "::1:ffff:1:2", V6, 128, "::1:ffff:1:2", 0, 0 },
	/* IPv6 prefixes */
	{ "::/0", "::/0", V6, 0, "::", 0, 0 },
	{ "2001:db8::/32", "2001:db8::/32", V6, 32, "2001:db8::", 0, 0 },
	{ "2001:db8::/128", "2001:db8::", V6, 128, "2001:db8::", 0, 0 },
	{ "2001:db8::1/128", "2001:db8::1", V6, 128, "2001:db8::1", 0, 0 },
	{ "fe80::/10", "fe80::/10", V6, 10, "fe80::", 0, 0 },
	{ "ff00::/8", "ff00::/8", V6, 8, "ff00::", 0, 0 },
	{ "2001:db8:bad::/48", "2001:db8:bad::/48", V6, 48, "2001:db8:bad::", 0, 0 },
	{ "2001:db8::/33", "2001:db8::/33", V6, 33, "2001:db8::", 0, 0 },
	{ "8000::/1", "8000::/1", V6, 1, "8000::", 0, 0 },
	{ "::/127", "::/127", V6, 127, "::", 0, 0 },
	{ "2001:db8:abcd:12::/64", "2001:db8:abcd:12::/64", V6, 64, "2001:db8:abcd:12::", 0, 0 },
	{ "2001:DB8:ABCD:0012:0000:0000:0000:0000/64", "2001:db8:abcd:12::/64", V6, 64, "2001:db8:abcd:12::", 0, 0 },
	/* IPv6 in brackets */
	{ "[2001:db8::1]", "2001:db8::1", V6, 128, "2001:db8::1", 0, 0 },
	{ "[2001:db8::/32]", "2001:db8::/32", V6, 32, "2001:db8::", 0, 0 },
	{ "[::]", "::", V6, 128, "::", 0, 0 },
	{ "[::/0]", "::/0", V6, 0, "::", 0, 0 },
	{ "[2001:db8::1]:53", "[2001:db8::1]:53", V6, 128, "2001:db8::1", 53, 0 },
	{ "[2001:db8::1]:53/udp", "[2001:db8::1]:53/udp", V6, 128, "2001:db8::1", 53, UDP },
	{ "[2001:db8::1]:53/UDP", "[2001:db8::1]:53/udp", V6, 128, "2001:db8::1", 53, UDP },
	{ "[2001:db8::/48]:443", "[2001:db8::/48]:443", V6, 48, "2001:db8::", 443, 0 },
	{ "[2001:db8::/48]:443/tcp", "[2001:db8::/48]:443/tcp", V6, 48, "2001:db8::", 443, TCP },
	{ "[::/0]:123/udp", "[::/0]:123/udp", V6, 0, "::", 123, UDP },
	{ "[::]:1", "[::]:1", V6, 128, "::", 1, 0 },
	{ "[::1]:65535/tcp", "[::1]:65535/tcp", V6, 128, "::1", 65535, TCP },
	{ "[::1/128]:22", "[::1]:22", V6, 128, "::1", 22, 0 },
	{ "[2001:0DB8::0001]:80", "[2001:db8::1]:80", V6, 128, "2001:db8::1", 80, 0 },
	{ "[1:2:3:4:5:6:7:8]:8080", "[1:2:3:4:5:6:7:8]:8080", V6, 128, "1:2:3:4:5:6:7:8", 8080, 0 },
	{ "[fe80::/10]:5353/udp", "[fe80::/10]:5353/udp", V6, 10, "fe80::", 5353, UDP },
	{ "[1::]:1/tcp", "[1::]:1/tcp", V6, 128, "1::", 1, TCP },
	{ "[2001:db8:0:0:1:0:0:1]:9/Tcp", "[2001:db8::1:0:0:1]:9/tcp", V6, 128, "2001:db8::1:0:0:1", 9, TCP },
};

/* Valid entries that are warned about (README "The rules file"): every
 * address without a port, and IPv6 whose last group reads as a port. */
static int warned_valid(const char *in)
{
	static const char *const warned[] = {
		"0.0.0.0/0", "::/0", "[::/0]",
		"::2:3:4:5:6:7:8", "::1:ffff:1:2", "::fffe:102:304",
		"::102:304", "64:ff9b::102:304",
	};

	for (size_t i = 0; i < sizeof(warned) / sizeof(warned[0]); i++)
		if (!strcmp(in, warned[i]))
			return 1;
	return 0;
}

static void test_valid(void)
{
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];
		struct xdpfw_rule want, got;
		char err[320], canon[RULE_FMT_MAX], line[256];
		struct ruleset rs;
		uint32_t col = 77;
		int ret;

		n_cases++;
		make_rule(&want, c->family, c->plen, c->addr, c->port, c->proto);
		memset(&got, 0xa5, sizeof(got));
		ret = rule_parse(c->in, strlen(c->in), &got, err, sizeof(err), &col);
		CHECK_MSG(ret == 0, "%s: %s", c->in, err);
		if (ret)
			continue;
		CHECK_MSG(memcmp(&got, &want, sizeof(got)) == 0,
			  "%s: wrong struct", c->in);
		CHECK_INT(got.flags, 0);
		CHECK_INT(got.pad1, 0);
		format_str(&got, canon);
		CHECK_STR(canon, c->canon);
		CHECK_MSG(round_trip(&got), "%s", c->in);

		/* The same entry in a file, with blanks and a comment. */
		snprintf(line, sizeof(line), " \t%s \t# entry %zu\r\n", c->in, i);
		ruleset_init(&rs);
		CHECK_INT(rules_parse_buffer(&rs, "v.txt", line, strlen(line)), 0);
		CHECK_INT(rs.n, 1);
		CHECK_INT(rs.n_errors, 0);
		CHECK_MSG(rs.n_warnings == (size_t)warned_valid(c->in),
			  "%s: %zu warnings", c->in, rs.n_warnings);
		if (rs.n == 1) {
			CHECK(memcmp(&rs.rules[0], &want, sizeof(want)) == 0);
			CHECK_INT(rs.lines[0], 1);
		}
		ruleset_free(&rs);
	}
}

/* ---- errors ------------------------------------------------------------- */

struct err_case {
	const char *in;
	unsigned col;
	const char *msg; /* substring of the message */
};

static const struct err_case err_cases[] = {
	/* IPv4 addresses */
	{ "10.0.0.256", 1, "expected an IPv4 or IPv6 address, found \"10.0.0.256\"" },
	{ "300.1.2.3", 1, "expected an IPv4 or IPv6 address, found \"300.1.2.3\"" },
	{ "1.2.3", 1, "expected an IPv4 or IPv6 address, found \"1.2.3\"" },
	{ "1.2.3.4.5", 1, "found \"1.2.3.4.5\"" },
	{ "1..2.3", 1, "found \"1..2.3\"" },
	{ "1.2.3.", 1, "found \"1.2.3.\"" },
	{ ".1.2.3", 1, "found \".1.2.3\"" },
	{ "a.b.c.d", 1, "found \"a.b.c.d\"" },
	{ "1.2.3.4a", 1, "found \"1.2.3.4a\"" },
	{ "hello", 1, "expected an IPv4 or IPv6 address, found \"hello\"" },
	{ "hello world", 1, "found \"hello\"" },
	{ "example.com:80", 1, "found \"example.com\"" },
	{ "-1.2.3.4", 1, "found \"-1.2.3.4\"" },
	{ "+1.2.3.4", 1, "found \"+1.2.3.4\"" },
	{ "0x7f.0.0.1", 1, "found \"0x7f.0.0.1\"" },
	{ "1.2.3.1000", 1, "found \"1.2.3.1000\"" },
	{ "4294967295", 1, "found \"4294967295\"" },
	{ "127.1", 1, "found \"127.1\"" },
	{ "1.2.3.4]", 1, "found \"1.2.3.4]\"" },
	{ "1,2,3,4", 1, "found \"1,2,3,4\"" },
	{ "1.2.3.4,5.6.7.8", 1, "found \"1.2.3.4,5.6.7.8\"" },
	{ "/24", 1, "expected an IPv4 or IPv6 address, found \"/24\"" },
	{ ":80", 1, "expected an IPv4 or IPv6 address, found \":80\"" },
	{ "*", 1, "found \"*\"" },
	{ "any", 1, "found \"any\"" },
	{ "%eth0", 1, "found \"%eth0\"" },
	{ "1.2.3.4\"", 1, "found \"1.2.3.4\\\"\"" },
	{ "010.0.0.1", 1, "leading zero in IPv4 address is ambiguous (octal or decimal?), found \"010.0.0.1\"" },
	{ "10.0.0.01", 1, "leading zero in IPv4 address is ambiguous" },
	{ "10.00.0.1", 1, "leading zero in IPv4 address is ambiguous" },
	{ "10.0.0.0001", 1, "leading zero in IPv4 address is ambiguous" },
	/* IPv4 prefix lengths */
	{ "1.2.3.4/33", 9, "prefix length must be 0..32 for IPv4, found \"33\"" },
	{ "1.2.3.0/99999999999", 9, "prefix length must be 0..32 for IPv4, found \"99999999999\"" },
	{ "1.2.3.4/", 9, "expected a prefix length (0..32) after \"/\", found nothing" },
	{ "1.2.3.4/x", 9, "expected a prefix length (0..32) after \"/\", found \"x\"" },
	{ "1.2.3.4/-1", 9, "found \"-1\"" },
	{ "1.2.3.4/+8", 9, "found \"+8\"" },
	{ "1.2.3.4/24,1.2.3.5", 9, "found \"24,1.2.3.5\"" },
	{ "10.0.0.0/08", 10, "leading zero in prefix length is ambiguous, found \"08\"" },
	{ "10.0.0.0/024", 10, "leading zero in prefix length is ambiguous, found \"024\"" },
	{ "0.0.0.0/00", 9, "leading zero in prefix length is ambiguous" },
	{ "1.2.3.4/32/32", 11, "unexpected text after entry: \"/32\"" },
	{ "1.2.3.4/2 4", 11, "unexpected text after entry: \"4\"" },
	/* host bits */
	{ "10.0.0.1/24", 1, "host bits set below /24: 10.0.0.1/24 (did you mean 10.0.0.0/24?)" },
	{ "1.2.3.4/0", 1, "host bits set below /0: 1.2.3.4/0 (did you mean 0.0.0.0/0?)" },
	{ "192.168.1.1/31", 1, "(did you mean 192.168.1.0/31?)" },
	{ "255.255.255.255/1", 1, "(did you mean 128.0.0.0/1?)" },
	{ "10.0.0.1/24:80/tcp", 1, "host bits set below /24: 10.0.0.1/24:80/tcp (did you mean 10.0.0.0/24:80/tcp?)" },
	{ "2001:db8::1/64", 1, "host bits set below /64: 2001:db8::1/64 (did you mean 2001:db8::/64?)" },
	{ "::1/0", 1, "host bits set below /0: ::1/0 (did you mean ::/0?)" },
	{ "2001:db8::/28", 1, "(did you mean 2001:db0::/28?)" },
	{ "fe80::1:0/96", 1, "(did you mean fe80::/96?)" },
	{ "[2001:db8::1/48]:443", 2, "host bits set below /48: [2001:db8::1/48]:443 (did you mean [2001:db8::/48]:443?)" },
	{ "::ffff:0:0/80", 1, "(did you mean ::/80?)" },
	/* ports */
	{ "1.2.3.4:0", 9, "port must be 1..65535, found \"0\"" },
	{ "1.2.3.4:65536", 9, "port must be 1..65535, found \"65536\"" },
	{ "1.2.3.4:70000", 9, "port must be 1..65535, found \"70000\"" },
	{ "1.2.3.4:99999999999", 9, "port must be 1..65535" },
	{ "1.2.3.4:080", 9, "leading zero in port is ambiguous, found \"080\"" },
	{ "1.2.3.4:00", 9, "leading zero in port is ambiguous" },
	{ "1.2.3.4:", 9, "expected a port number (1..65535) after \":\", found nothing" },
	{ "1.2.3.4:http", 9, "expected a port number (1..65535) after \":\", found \"http\"" },
	{ "1.2.3.4:-1", 9, "found \"-1\"" },
	{ "1.2.3.4:+80", 9, "found \"+80\"" },
	{ "1.2.3.4:0x50", 9, "found \"0x50\"" },
	{ "1.2.3.4:\x01", 9, "found \"\\x01\"" },
	{ "1.2.3.4::", 9, "expected a port number (1..65535) after \":\", found nothing" },
	{ "1.2.3.4:80:90", 11, "unexpected text after entry: \":90\"" },
	{ "1.2.3.4:8 0", 11, "unexpected text after entry: \"0\"" },
	{ "[::1]:0", 7, "port must be 1..65535, found \"0\"" },
	{ "[::1]:65536", 7, "port must be 1..65535, found \"65536\"" },
	{ "[::1]:", 7, "expected a port number (1..65535) after \":\", found nothing" },
	{ "[::1]:007", 7, "leading zero in port is ambiguous" },
	{ "[::1]:80:90", 9, "unexpected text after entry: \":90\"" },
	/* protocols */
	{ "1.2.3.4:80/icmp", 12, "expected \"tcp\" or \"udp\" after \"/\", found \"icmp\"" },
	{ "1.2.3.4:80/", 12, "expected \"tcp\" or \"udp\" after \"/\", found nothing" },
	{ "1.2.3.4:80/tcpx", 12, "found \"tcpx\"" },
	{ "1.2.3.4:80/tc", 12, "found \"tc\"" },
	{ "1.2.3.4:80/tcp/udp", 12, "found \"tcp/udp\"" },
	{ "1.2.3.4:80/sctp", 12, "found \"sctp\"" },
	{ "1.2.3.4:80/6", 12, "found \"6\"" },
	{ "[::1]:53/icmp6", 10, "expected \"tcp\" or \"udp\" after \"/\", found \"icmp6\"" },
	{ "[::1]:80/", 10, "found nothing" },
	{ "[::1]:80/tcp]", 10, "found \"tcp]\"" },
	/* a protocol without a port */
	{ "1.2.3.4/udp", 9, "protocol needs a port: write ADDRESS:PORT/udp" },
	{ "1.2.3.4/TCP", 9, "protocol needs a port: write ADDRESS:PORT/tcp" },
	{ "1.2.3.0/24/tcp", 12, "protocol needs a port: write ADDRESS:PORT/tcp" },
	{ "2001:db8::/32/tcp", 15, "protocol needs a port: write [ADDRESS]:PORT/tcp" },
	{ "2001:db8::1/udp", 13, "protocol needs a port: write [ADDRESS]:PORT/udp" },
	{ "::/udp", 4, "protocol needs a port: write [ADDRESS]:PORT/udp" },
	{ "[2001:db8::1]/udp", 15, "protocol needs a port: write [ADDRESS]:PORT/udp" },
	{ "[2001:db8::1/udp]", 14, "protocol needs a port: write [ADDRESS]:PORT/udp" },
	/* text after the entry */
	{ "1.2.3.4 foo", 9, "unexpected text after entry: \"foo\"" },
	{ "1.2.3.4:80/tcp foo", 16, "unexpected text after entry: \"foo\"" },
	{ "[::1]:80 x", 10, "unexpected text after entry: \"x\"" },
	{ "2001:db8::1 x", 13, "unexpected text after entry: \"x\"" },
	{ "1.2.3.4\t\tbar", 10, "unexpected text after entry: \"bar\"" },
	{ "[::1] foo", 7, "unexpected text after entry: \"foo\"" },
	{ "1.2.3.4 :80", 9, "unexpected text after entry: \":80\"" },
	{ "10.0.0.0/8 x y", 12, "unexpected text after entry: \"x y\"" },
	{ "2001:db8::/64/64", 14, "unexpected text after entry: \"/64\"" },
	{ "1.2.3.4 0123456789012345678901234567890123456789xyz", 9, "\"0123456789012345678901234567890123456789...\"" },
	/* IPv6 addresses */
	{ "2001:db8::zz", 1, "expected an IPv4 or IPv6 address, found \"2001:db8::zz\"" },
	{ "2001:db8:::1", 1, "found \"2001:db8:::1\"" },
	{ "2001:db8::1::2", 1, "found \"2001:db8::1::2\"" },
	{ "12345::1", 1, "found \"12345::1\"" },
	{ "2001:00db8::1", 1, "found \"2001:00db8::1\"" },
	{ "g::1", 1, "found \"g::1\"" },
	{ ":::", 1, "found \":::\"" },
	{ "1:2", 1, "found \"1:2\"" },
	{ "fe80:1", 1, "found \"fe80:1\"" },
	{ "::1.2.3", 1, "found \"::1.2.3\"" },
	{ "::1.2.3.04", 1, "found \"::1.2.3.04\"" },
	{ "::1.2.3.256", 1, "found \"::1.2.3.256\"" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa", 1, "found \"1111:2222:3333:4444:5555:6666:7777:8888:...\"" },
	/* zone ids */
	{ "fe80::1%eth0", 1, "expected an IPv6 address without a zone id, found \"fe80::1%eth0\"" },
	{ "fe80::1%1", 1, "without a zone id" },
	{ "fe80::1%", 1, "without a zone id" },
	{ "[fe80::1%eth0]:80", 2, "expected an IPv6 address without a zone id, found \"fe80::1%eth0\"" },
	{ "fe80::1%eth0/64", 1, "without a zone id" },
	/* IPv4-mapped */
	{ "::ffff:1.2.3.4", 1, "IPv4-mapped IPv6 address: write the plain IPv4 address instead: 1.2.3.4" },
	{ "::ffff:102:304", 1, "IPv4-mapped IPv6 address: write the plain IPv4 address instead: 1.2.3.4" },
	{ "::FFFF:0102:0304", 1, "write the plain IPv4 address instead: 1.2.3.4" },
	{ "0:0:0:0:0:ffff:1.2.3.4", 1, "write the plain IPv4 address instead: 1.2.3.4" },
	{ "0000:0000:0000:0000:0000:ffff:0102:0304", 1, "instead: 1.2.3.4" },
	{ "::ffff:0:0/96", 1, "write the plain IPv4 address instead: 0.0.0.0/0" },
	{ "::ffff:10.0.0.0/104", 1, "instead: 10.0.0.0/8" },
	{ "::ffff:1.2.3.4/128", 1, "instead: 1.2.3.4" },
	{ "[::ffff:1.2.3.4]:80/tcp", 2, "instead: 1.2.3.4:80/tcp" },
	{ "[::ffff:1.2.3.0/120]:53", 2, "instead: 1.2.3.0/24:53" },
	{ "[::ffff:c000:201]", 2, "instead: 192.0.2.1" },
	/* embedded dotted quads that are not mapped */
	{ "::1.2.3.4", 1, "embedded IPv4 dotted quad in an IPv6 address: write it in hex as ::102:304" },
	{ "64:ff9b::192.0.2.33", 1, "write it in hex as 64:ff9b::c000:221" },
	{ "[::1.2.3.4]:80", 2, "write it in hex as [::102:304]:80" },
	{ "1:2:3:4:5:6:1.2.3.4", 1, "write it in hex as 1:2:3:4:5:6:102:304" },
	{ "::fffe:1.2.3.4", 1, "write it in hex as ::fffe:102:304" },
	{ "::0.0.0.0/96", 1, "write it in hex as ::/96" },
	/* brackets */
	{ "[2001:db8::1:53", 16, "expected \"]\" after IPv6 address, found nothing" },
	{ "[2001:db8::1 ]:53", 13, "expected \"]\" after IPv6 address, found \" ]:53\"" },
	{ "[", 2, "expected an IPv6 address after \"[\", found nothing" },
	{ "[]", 2, "expected an IPv6 address after \"[\", found \"]\"" },
	{ "[]:80", 2, "found \"]:80\"" },
	{ "[zz::1]:80", 2, "expected an IPv6 address after \"[\", found \"zz::1\"" },
	{ "[[::1]]", 2, "found \"[::1\"" },
	{ "[1.2.3.4]:80", 2, "expected an IPv6 address inside brackets, found IPv4 \"1.2.3.4\" (write IPv4 entries without brackets)" },
	{ "[1.2.3.4]", 2, "found IPv4 \"1.2.3.4\"" },
	{ "[::1]53", 6, "expected \":\" and a port after \"]\", found \"53\"" },
	{ "[::1]x", 6, "found \"x\"" },
	{ "[::1]]", 6, "found \"]\"" },
	{ "[::1]/64", 6, "the prefix length goes inside the brackets: [::1/64]" },
	{ "[2001:db8::]/48:443", 13, "the prefix length goes inside the brackets: [2001:db8::/48]:443" },
	{ "[2001:db8::]/48:443/udp", 13, "inside the brackets: [2001:db8::/48]:443/udp" },
	{ "[::1/129]", 6, "prefix length must be 0..128 for IPv6, found \"129\"" },
	{ "[::1/]", 6, "expected a prefix length (0..128) after \"/\", found nothing" },
	{ "[::1/x]:80", 6, "found \"x\"" },
	{ "[::/064]", 5, "leading zero in prefix length is ambiguous" },
	{ "[::1/128]/64", 10, "unexpected text after entry: \"/64\"" },
	/* a port on an IPv6 address without brackets */
	{ "2001:db8::1:53/udp", 1, "IPv6 address with a port must be in brackets: [2001:db8::1]:53/udp" },
	{ "2001:db8::/32:443", 1, "IPv6 address with a port must be in brackets: [2001:db8::/32]:443" },
	{ "2001:db8::/32:443/tcp", 1, "must be in brackets: [2001:db8::/32]:443/tcp" },
	{ "2001:db8::/32:http", 1, "must be in brackets: [2001:db8::/32]:PORT" },
	{ "1:2:3:4:5:6:7:8:53", 1, "must be in brackets: [1:2:3:4:5:6:7:8]:53" },
	{ "1:2:3:4:5:6:7:8:53/tcp", 1, "must be in brackets: [1:2:3:4:5:6:7:8]:53/tcp" },
	{ "::1:53/TCP", 1, "must be in brackets: [::1]:53/tcp" },
	{ "2001:db8:0:0:0:0:0:1:53", 1, "IPv6 address with a port must be in brackets: [2001:db8:0:0:0:0:0:1]:53" },
	/* IPv6 prefix lengths */
	{ "2001:db8::/129", 12, "prefix length must be 0..128 for IPv6, found \"129\"" },
	{ "2001:db8::/", 12, "expected a prefix length (0..128) after \"/\", found nothing" },
	{ "2001:db8::/08", 12, "leading zero in prefix length is ambiguous" },
	{ "::/-0", 4, "found \"-0\"" },
	{ "::/1000", 4, "prefix length must be 0..128 for IPv6, found \"1000\"" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct xdpfw_rule got;
		char err[320], line[256], diag[512], prefix[64];
		struct ruleset rs;
		uint32_t col = 0;
		int ret;

		n_cases++;
		memset(&got, 0xa5, sizeof(got));
		ret = rule_parse(c->in, strlen(c->in), &got, err, sizeof(err), &col);
		CHECK_MSG(ret == -EINVAL, "%s: accepted", c->in);
		if (ret != -EINVAL)
			continue;
		CHECK_MSG(col == c->col, "%s: column %u, expected %u (%s)", c->in,
			  col, c->col, err);
		CHECK_MSG(strstr(err, c->msg) != NULL,
			  "%s: message \"%s\" lacks \"%s\"", c->in, err, c->msg);

		/* As line 2 of a file: same message, line 2, same column. */
		snprintf(line, sizeof(line), "# first\n%s\n203.0.113.1\n", c->in);
		ruleset_init(&rs);
		CHECK_INT(rules_parse_buffer(&rs, "e.txt", line, strlen(line)), 0);
		CHECK_INT(rs.n_errors, 1);
		CHECK_INT(rs.n_warnings, 0);
		CHECK_INT(rs.n, 1);
		CHECK_INT(rs.n_lines, 3);
		CHECK_INT(rs.n_diags, 1);
		if (rs.n_diags == 1) {
			CHECK_INT(rs.diags[0].line, 2);
			CHECK_INT(rs.diags[0].col, c->col);
			CHECK_INT(rs.diags[0].severity, RULES_ERROR);
			CHECK_STR(rs.diags[0].msg, err);
			rules_diag_format(&rs, &rs.diags[0], diag, sizeof(diag));
			snprintf(prefix, sizeof(prefix), "e.txt:2:%u: ", c->col);
			CHECK_MSG(strncmp(diag, prefix, strlen(prefix)) == 0 &&
					  strcmp(diag + strlen(prefix), err) == 0,
				  "%s", diag);
		}
		ruleset_free(&rs);
	}

	/* The empty entry (rule_parse only; in a file it is a blank line). */
	{
		struct xdpfw_rule got;
		char err[320];
		uint32_t col = 0;

		n_cases++;
		CHECK_INT(rule_parse("", 0, &got, err, sizeof(err), &col), -EINVAL);
		CHECK_INT(col, 1);
		CHECK(strstr(err, "found nothing") != NULL);
		/* No message buffer: still an error and a column. */
		CHECK_INT(rule_parse("1.2.3.4:0", 9, &got, NULL, 0, &col), -EINVAL);
		CHECK_INT(col, 9);
		CHECK_INT(rule_parse("1.2.3.4:0", 9, &got, NULL, 0, NULL), -EINVAL);
		/* A short message buffer is cut, not overrun. */
		memset(err, 'x', sizeof(err));
		CHECK_INT(rule_parse("1.2.3.4:0", 9, &got, err, 8, &col), -EINVAL);
		CHECK_INT(strlen(err), 7);
		CHECK(err[8] == 'x');
		/* The length bounds the text: no NUL needed after it. */
		CHECK_INT(rule_parse("1.2.3.4:80junk", 10, &got, err, sizeof(err),
				     &col), 0);
		CHECK_INT(got.port, 80);
	}
}


/* ---- expiry: "ENTRY expires=TIME" ---------------------------------------- */

static void test_expiry(void)
{
	/* 2026-12-01T00:00:00Z = 1796083200 */
	static const char text[] =
		"203.0.113.7 expires=2026-12-01T00:00:00Z\n"   /* at now: gone */
		"203.0.113.8   expires=2026-12-01T00:00:01Z # c\n"
		"[2001:db8::1]:53/udp expires=2027-01-01T00:00:00Z\n"
		"198.51.100.0/24\n"
		"203.0.113.9 expires=2026-11-30T23:59:59Z\n";  /* past: gone */
	static const struct {
		const char *line, *msg;
		uint32_t col;
	} bad[] = {
		{ "1.2.3.4 expires=2026-12-01", "RFC 3339 UTC time", 9 },
		{ "1.2.3.4 expires=2026-12-01T00:00:00", "found \"2026-12-01T00", 9 },
		{ "1.2.3.4 expires=2026-02-30T00:00:00Z", "RFC 3339", 9 },
		{ "1.2.3.4 expires=2026-12-01T24:00:00Z", "RFC 3339", 9 },
		{ "1.2.3.4 expires=2026-12-01 00:00:00Z", "unexpected text", 0 },
		{ "expires=2026-12-01T00:00:00Z", "expected an entry before", 1 },
		{ "1.2.3.4 expires=", "RFC 3339", 9 },
	};
	struct ruleset rs;
	char buf[RULES_TIME_LEN + 1];
	int64_t t;

	n_cases += 3 + (int)(sizeof(bad) / sizeof(bad[0]));
	CHECK_INT(rules_parse_time("2026-12-01T00:00:00Z", 20, &t), 0);
	CHECK(t == 1796083200);
	rules_format_time(t, buf);
	CHECK_STR(buf, "2026-12-01T00:00:00Z");
	CHECK_INT(rules_parse_time("2024-02-29T12:34:56Z", 20, &t), 0);
	CHECK_INT(rules_parse_time("2023-02-29T12:34:56Z", 20, &t), -EINVAL);

	ruleset_init(&rs);
	rs.now = 1796083200;
	CHECK_INT(rules_parse_buffer(&rs, "x", text, strlen(text)), 0);
	CHECK_INT(rs.n, 3);
	CHECK_INT(rs.n_expired, 2);
	CHECK_INT(rs.n_errors, 0);
	CHECK(rs.expires && rs.expires[0] == 1796083201 &&
	      rs.expires[1] == 1798761600 && rs.expires[2] == 0);
	CHECK(rs.next_expiry == 1796083201);
	ruleset_free(&rs);
	/* now = 0 keeps everything (nothing is judged expired). */
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "x", text, strlen(text)), 0);
	CHECK_INT(rs.n, 5);
	CHECK_INT(rs.n_expired, 0);
	ruleset_free(&rs);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ruleset_init(&rs);
		CHECK_INT(rules_parse_buffer(&rs, "x", bad[i].line,
					     strlen(bad[i].line)), 0);
		CHECK_MSG(rs.n == 0 && rs.n_errors == 1 && rs.n_diags == 1 &&
				  strstr(rs.diags[0].msg, bad[i].msg) &&
				  (!bad[i].col || rs.diags[0].col == bad[i].col),
			  "expiry case %zu: %zu entries, %zu errors, %s", i, rs.n,
			  rs.n_errors, rs.n_diags ? rs.diags[0].msg : "-");
		ruleset_free(&rs);
	}
}

int main(void)
{
	test_expiry();
	test_valid();
	test_errors();
	printf("test-rules-entry: %d cases\n", n_cases);
	return tl_finish("test-rules-entry");
}
