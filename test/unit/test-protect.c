// SPDX-License-Identifier: GPL-2.0-only
/*
 * Operator safety in user space: the "!ENTRY" grammar and its canonical
 * form, the warnings about entries that are probably not what was meant,
 * the `protect` value, resolving protected addresses from a fake /proc and
 * /etc, and what they add to a rule set (exceptions, warnings naming the
 * covering entry's line, no duplicate of a file's own exception).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "config.h"
#include "protect.h"
#include "ruleload.h"
#include "rules.h"
#include "testlib.h"

static void parse_ok(const char *in, const char *canon, int except)
{
	struct xdpfw_rule r;
	char err[256], out[RULE_FMT_MAX];
	uint32_t col = 0;

	CHECK_MSG(!rule_parse(in, strlen(in), &r, err, sizeof(err), &col),
		  "%s: %s", in, err);
	CHECK_INT(!!(r.flags & XDPFW_RULE_EXCEPT), except);
	rule_format(&r, out, sizeof(out));
	CHECK_STR(out, canon);
}

static void parse_bad(const char *in, uint32_t want_col, const char *want)
{
	struct xdpfw_rule r;
	char err[256];
	uint32_t col = 0;

	CHECK_MSG(rule_parse(in, strlen(in), &r, err, sizeof(err), &col) ==
			  -EINVAL,
		  "%s parsed", in);
	CHECK_MSG(col == want_col, "%s: column %u, expected %u", in, col,
		  want_col);
	CHECK_MSG(strstr(err, want) != NULL, "%s: \"%s\" lacks \"%s\"", in, err,
		  want);
}

static void test_exception_grammar(void)
{
	parse_ok("!198.51.100.7", "!198.51.100.7", 1);
	parse_ok("!198.51.100.0/24:53/UDP", "!198.51.100.0/24:53/udp", 1);
	parse_ok("![2001:DB8::7]:53/udp", "![2001:db8::7]:53/udp", 1);
	parse_ok("!2001:db8::/32", "!2001:db8::/32", 1);
	parse_ok("198.51.100.7", "198.51.100.7", 0);
	/* Errors point into the text after the '!' (columns count it). */
	parse_bad("!", 2, "expected an IPv4 or IPv6 address");
	parse_bad("!!1.2.3.4", 2, "another \"!\"");
	parse_bad("! 1.2.3.4", 2, "found a blank");
	parse_bad("!1.2.3.4/33", 10, "prefix");
	parse_bad("1.2.3.4!", 1, "");
}

/* An exception and a blocking entry of the same address are two rules
 * with keys in different maps; the exception has no filter bits. */
static void test_exception_keys(void)
{
	struct xdpfw_rule b, x;
	struct kkey kb[2], kx[2];
	char err[256];
	uint32_t col;

	rule_parse("10.0.0.0/8:53", 13, &b, err, sizeof(err), &col);
	rule_parse("!10.0.0.0/8:53", 14, &x, err, sizeof(err), &col);
	CHECK_INT(rule_kkeys(&b, kb), 2);
	CHECK_INT(rule_kkeys(&x, kx), 2);
	CHECK_INT(kb[0].map, KMAP_V4_PLPM);
	CHECK_INT(kx[0].map, KMAP_V4_XCPT);
	CHECK_INT(kx[0].v4_plpm.prefixlen, XDPFW_PLPM_FIXED_BITS + 8);
	CHECK_INT(ntohs(kx[0].v4_plpm.port), 53);
	CHECK_INT(kx[0].proto, 6);
	CHECK_INT(kx[1].proto, 17);
	/* /8: shorter than the filter's shortest IPv4 class (/16) */
	CHECK_INT(rule_flags(&x), XDPFW_F_V4_XCPT_PORT | XDPFW_F_V4_XCPT_WILD);

	rule_parse("!2001:db8::/32", 14, &x, err, sizeof(err), &col);
	CHECK_INT(rule_kkeys(&x, kx), 1);
	CHECK_INT(kx[0].map, KMAP_V6_XCPT);
	CHECK_INT(kx[0].v6_plpm.port, 0);
	CHECK_INT(kx[0].v6_plpm.proto, 0);
	CHECK_INT(kx[0].v6_plpm.prefixlen, XDPFW_PLPM_FIXED_BITS + 32);
	CHECK_INT(rule_flags(&x), XDPFW_F_V6_XCPT_ADDR);
	{
		struct filters ff;
		struct filters *f = filters_alloc(&ff) ? NULL : &ff;

		if (f) {
			uint32_t a[4], idx;
			size_t set = 0;

			filters_add(f, &x);
			CHECK_INT(f->flags, XDPFW_F_V6_XCPT_ADDR);
			for (size_t i = 0; i < fmap_words[FMAP_V6F]; i++)
				if (f->w[FMAP_V6F][i]) {
					CHECK_MSG(0, "an exception set a blocking filter bit");
					break;
				}
			/* One bit in the exception filter: the /32 class. */
			for (size_t i = 0; i < fmap_words[FMAP_X]; i++)
				set += (size_t)__builtin_popcountll(f->w[FMAP_X][i]);
			CHECK_INT(set, 1);
			memcpy(a, x.addr, 16);
			idx = xdpfw_v6_hash(a, 32) >> (32 - XDPFW_X_BITMAP_LOG);
			CHECK((f->w[FMAP_X][idx >> 6] >> (idx & 63)) & 1);
			filters_free(f);
		}
	}
}

/* Warnings: one per warned line, naming the hint; none for the careful
 * spellings. */
static void test_warnings(void)
{
	static const char text[] =
		"0.0.0.0/0\n"            /* 1: everything */
		"::/0\n"                 /* 2: everything */
		"2001:db8::1:53\n"       /* 3: the port trap */
		"[2001:db8::1:54]\n"     /* careful: no warning */
		"2001:db8::1:55/128\n"   /* careful */
		"0.0.0.0/0:53/udp\n"     /* a port: fine */
		"!0.0.0.0/0\n"           /* an exception: fine */
		"2001:db8::dead:beef\n"; /* not a port */
	struct ruleset rs;

	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "w.txt", text, strlen(text)), 0);
	CHECK_INT(rs.n_errors, 0);
	CHECK_INT(rs.n_warnings, 3);
	CHECK_INT(rs.n, 8);
	if (rs.n_diags == 3) {
		CHECK_INT(rs.diags[0].line, 1);
		CHECK(strstr(rs.diags[0].msg, "0.0.0.0/0 without a port") != NULL);
		CHECK_INT(rs.diags[1].line, 2);
		CHECK(strstr(rs.diags[1].msg, "::/0 without a port") != NULL);
		CHECK_INT(rs.diags[2].line, 3);
		CHECK(strstr(rs.diags[2].msg, "[2001:db8::1]:53") != NULL);
	}
	ruleset_free(&rs);
}

static void test_protect_parse(void)
{
	struct protect_conf pc;
	char why[256];

	protect_conf_default(&pc);
	CHECK_INT(pc.kinds, PROTECT_BIT(XDPFW_PROTECT_SSH_PEERS) |
				    PROTECT_BIT(XDPFW_PROTECT_RESOLVERS) |
				    PROTECT_BIT(XDPFW_PROTECT_GATEWAYS));
	CHECK_INT(protect_parse("none", &pc, why, sizeof(why)), 0);
	CHECK_INT(pc.kinds, 0);
	CHECK_INT(pc.n_addrs, 0);
	CHECK_INT(protect_parse("gateways, 192.0.2.0/24 2001:db8::1", &pc, why,
				sizeof(why)), 0);
	CHECK_INT(pc.kinds, PROTECT_BIT(XDPFW_PROTECT_GATEWAYS));
	CHECK_INT(pc.n_addrs, 2);
	/* A bad value leaves the previous one in place. */
	CHECK_INT(protect_parse("ssh-peers 1.2.3.4:22", &pc, why, sizeof(why)),
		  -EINVAL);
	CHECK(strstr(why, "without a port") != NULL);
	CHECK_INT(pc.n_addrs, 2);
	CHECK_INT(protect_parse("none ssh-peers", &pc, why, sizeof(why)), -EINVAL);
	CHECK_INT(protect_parse("ssh-peer", &pc, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "\"ssh-peer\" is neither") != NULL);
	CHECK_INT(protect_parse("!1.2.3.4", &pc, why, sizeof(why)), -EINVAL);
	CHECK_INT(protect_parse(" , ", &pc, why, sizeof(why)), -EINVAL);
	protect_conf_free(&pc);
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	CHECK_MSG(f != NULL, "cannot write %s", path);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A fake /proc/net and /etc under a temporary root, as the kernel writes
 * them (addresses in memory order, ports in host order). */
static void make_root(char *root, size_t len)
{
	char sub[512];
	uint32_t peer, other;
	char tcp[1024];

	snprintf(root, len, "/tmp/xdpfw-test-protect-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	snprintf(sub, sizeof(sub), "%s/proc", root);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/proc/net", root);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/etc", root);
	mkdir(sub, 0700);
	inet_pton(AF_INET, "198.18.0.2", &peer);
	inet_pton(AF_INET, "198.18.0.3", &other);
	snprintf(tcp, sizeof(tcp),
		 "  sl  local_address rem_address   st tx_queue rx_queue\n"
		 "   0: 00000000:0016 00000000:0000 0A 00000000:00000000\n"
		 "   1: 0100A8C0:0016 %08X:C350 01 00000000:00000000\n"
		 "   2: 0100A8C0:0050 %08X:C351 01 00000000:00000000\n"
		 "   3: 0100A8C0:0016 %08X:C352 06 00000000:00000000\n",
		 peer, other, other);
	put(root, "/proc/net/tcp", tcp);
	put(root, "/proc/net/tcp6",
	    "  sl  local_address                         remote_address                        st\n"
	    "   0: 00000000000000000000000001000000:0016 B80D0120000000000000000007000000:D431 01 0\n");
	put(root, "/etc/resolv.conf",
	    "# comment\nsearch example.org\nnameserver 9.9.9.9\n"
	    "nameserver fe80::53%eth0\nnameserver not-an-address\n");
	put(root, "/proc/net/route",
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
	    "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
	put(root, "/proc/net/ipv6_route",
	    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
	    "fd000000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n"
	    "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n");
}

static int has(const struct protect_set *ps, const char *text, unsigned kind)
{
	char buf[RULE_FMT_MAX];

	for (size_t i = 0; i < ps->n; i++) {
		rule_format(&ps->v[i], buf, sizeof(buf));
		if (!strcmp(buf, text) && protect_kind_of(&ps->v[i]) == kind)
			return 1;
	}
	return 0;
}

static void test_protect_resolve(const char *root)
{
	struct protect_conf pc;
	struct protect_set ps;
	char why[256];

	protect_conf_default(&pc);
	CHECK_INT(protect_parse("ssh-peers resolvers gateways 9.9.9.9 10.0.0.0/8",
				&pc, why, sizeof(why)), 0);
	CHECK_INT(protect_resolve(&pc, root, &ps), 0);
	CHECK_MSG(has(&ps, "!198.18.0.2", XDPFW_PROTECT_SSH_PEERS),
		  "the ssh peer");
	CHECK_MSG(has(&ps, "!2001:db8::7", XDPFW_PROTECT_SSH_PEERS),
		  "the IPv6 ssh peer");
	CHECK_MSG(has(&ps, "!9.9.9.9", XDPFW_PROTECT_RESOLVERS), "the resolver");
	CHECK_MSG(has(&ps, "!fe80::53", XDPFW_PROTECT_RESOLVERS),
		  "the IPv6 resolver without its zone");
	CHECK_MSG(has(&ps, "!192.0.2.1", XDPFW_PROTECT_GATEWAYS), "the gateway");
	CHECK_MSG(has(&ps, "!fd00::1", XDPFW_PROTECT_GATEWAYS),
		  "the IPv6 gateway");
	CHECK_MSG(has(&ps, "!10.0.0.0/8", XDPFW_PROTECT_LITERAL), "the literal");
	/* 9.9.9.9 twice (resolver, literal): once, under the first. */
	CHECK_INT(ps.n, 7);
	protect_set_free(&ps);

	/* none: nothing, whatever the system has. */
	CHECK_INT(protect_parse("none", &pc, why, sizeof(why)), 0);
	CHECK_INT(protect_resolve(&pc, root, &ps), 0);
	CHECK_INT(ps.n, 0);
	protect_set_free(&ps);
	protect_conf_free(&pc);
}

/* A TCP connection from 127.0.0.1 to a listener on 127.0.0.1:22 (this
 * test's own: skipped when the port is taken or not ours to bind): the
 * live system's ssh-peers (sock_diag) name 127.0.0.1. */
static void test_ssh_peers_live(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(22),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int l = socket(AF_INET, SOCK_STREAM, 0), c = -1, s = -1, one = 1;
	struct protect_conf pc;
	struct protect_set ps;
	char why[256];

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1)) {
		printf("test-protect: no listener on 127.0.0.1:22 (%s), the live "
		       "ssh-peers check skipped\n", strerror(errno));
		if (l >= 0)
			close(l);
		return;
	}
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_INT(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(l, NULL, NULL);
	CHECK_MSG(s >= 0, "accept");
	protect_conf_default(&pc);
	CHECK_INT(protect_parse("ssh-peers", &pc, why, sizeof(why)), 0);
	CHECK_INT(protect_resolve(&pc, NULL, &ps), 0);
	CHECK_MSG(has(&ps, "!127.0.0.1", XDPFW_PROTECT_SSH_PEERS),
		  "the live ssh peer 127.0.0.1");
	protect_set_free(&ps);
	protect_conf_free(&pc);
	close(s);
	close(c);
	close(l);
}

/* What the guard adds to a set: the warnings on the covering entries'
 * lines, the exceptions (except where the file excepts the address
 * itself), and nothing that makes garbage look valid. */
static void test_finish(const char *root)
{
	static const char text[] = "198.18.0.0/24\n"  /* covers the peer */
				   "!9.9.9.9\n"        /* the file's own */
				   "9.0.0.0/8\n"      /* covers the resolver */
				   "9.0.0.0/8:53/udp\n"; /* a port: no warning */
	struct xdpfw_config cfg;
	struct ruleset rs;
	char why[256];

	config_init(&cfg);
	CHECK_INT(protect_parse("ssh-peers resolvers", &cfg.protect, why,
				sizeof(why)), 0);
	cfg.max_rules = 7;
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "f.txt", text, strlen(text)), 0);
	CHECK_INT(ruleset_finish(&rs, &cfg, root), 0);
	/* +2: 198.18.0.2 and 2001:db8::7; 9.9.9.9 is the file's, fe80::53 +1 */
	CHECK_INT(ruleset_n_from_files(&rs), 4);
	CHECK_INT(rs.n_protected, 3);
	CHECK_INT(rs.n, 7);
	{
		size_t found = 0;
		char line[512];

		for (size_t i = 0; i < rs.n_diags; i++) {
			rules_diag_format(&rs, &rs.diags[i], line, sizeof(line));
			if (strstr(line, "f.txt:1:1: warning: 198.18.0.0/24 covers "
					 "protected address 198.18.0.2 (protect: "
					 "ssh-peers)") ||
			    strstr(line, "f.txt:3:1: warning: 9.0.0.0/8 covers "
					 "protected address 9.9.9.9 (protect: "
					 "resolvers)") ||
			    strstr(line, "f.txt: warning: 7 entries fill 100%"))
				found++;
			else
				CHECK_MSG(0, "unexpected diagnostic: %s", line);
		}
		CHECK_INT(found, 3);
	}
	for (size_t i = 4; i < rs.n; i++) {
		CHECK(rs.rules[i].flags & XDPFW_RULE_EXCEPT);
		CHECK(protect_kind_of(&rs.rules[i]) != 0);
		CHECK(!strncmp(rs.files[rs.file_of[i]], "protect:", 8));
	}
	ruleset_free(&rs);
	config_free(&cfg);
}

/* The "covers protected address" warnings of a random set: found through
 * the index when every protected address is a host, by a walk over the
 * set otherwise (a prefix that covers nothing forces it): the same. */
static char *covers_text(const char *rules, const char *protect)
{
	struct xdpfw_config cfg;
	struct ruleset rs;
	char why[256], line[512], *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	config_init(&cfg);
	CHECK_INT(protect_parse(protect, &cfg.protect, why, sizeof(why)), 0);
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "f.txt", rules, strlen(rules)), 0);
	CHECK_INT(ruleset_finish(&rs, &cfg, "/nonexistent"), 0);
	for (size_t i = 0; i < rs.n_diags; i++) {
		rules_diag_format(&rs, &rs.diags[i], line, sizeof(line));
		if (strstr(line, " covers protected") && !strstr(line, "100.64."))
			fprintf(m, "%s\n", line);
	}
	fclose(m);
	ruleset_free(&rs);
	config_free(&cfg);
	return buf;
}

static void test_covered_index(void)
{
	unsigned seed = 77;

	for (int round = 0; round < 200; round++) {
		char rules[8192] = "", protect[512] = "", *a, *b, walk[600];
		size_t rl = 0, pl = 0;

		for (int i = 0; i < 60; i++) {
			unsigned r = (unsigned)rand_r(&seed), len = 8 + r % 25;
			uint32_t addr = (10u << 24) | ((r >> 8) & 0x3) << 16 |
					((r >> 10) & 0x3) << 8 | ((r >> 12) & 0x3);

			addr &= len == 32 ? ~0u : ~(~0u >> len);
			rl += (size_t)snprintf(rules + rl, sizeof(rules) - rl,
					       "%s%u.%u.%u.%u/%u%s\n",
					       r % 7 ? "" : "!", addr >> 24,
					       (addr >> 16) & 255, (addr >> 8) & 255,
					       addr & 255, len, r % 5 ? "" : ":80");
		}
		for (int j = 0; j < 3; j++) {
			unsigned r = (unsigned)rand_r(&seed);

			pl += (size_t)snprintf(protect + pl, sizeof(protect) - pl,
					       "%s10.%u.%u.%u", j ? " " : "",
					       r & 3, (r >> 2) & 3, (r >> 4) & 3);
		}
		snprintf(walk, sizeof(walk), "%s 100.64.0.0/10", protect);
		a = covers_text(rules, protect);
		b = covers_text(rules, walk);
		CHECK_MSG(!strcmp(a, b), "round %d: through the index:\n%s\n"
			  "walking:\n%s", round, a, b);
		free(a);
		free(b);
	}
}

int main(void)
{
	char root[64];

	test_covered_index();
	test_exception_grammar();
	test_exception_keys();
	test_warnings();
	test_protect_parse();
	make_root(root, sizeof(root));
	test_protect_resolve(root);
	test_ssh_peers_live();
	test_finish(root);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			fprintf(stderr, "test-protect: could not remove %s\n", root);
	}
	return tl_finish("test-protect");
}
