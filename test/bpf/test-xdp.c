// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real XDP program under BPF_PROG_TEST_RUN, with its maps filled by the
 * daemon's own pipeline (rules text -> ruleset -> ruleidx -> plan -> filters
 * -> kmaps_apply), fed with crafted frames.  Every case checks the verdict,
 * the one rule counter that moved (the most specific rule's), and the totals
 * (dropped / passed / reason).
 *
 * Parts, in order:
 *   - pkt.c itself (headers, checksums), and fresh maps: everything passes;
 *   - rule set A (every kind of entry) x hit/miss x TCP/UDP/ICMP x VLAN tags
 *     x IPv4 options and fragments | IPv6 extension headers and fragments;
 *   - malformed and non-IP frames;
 *   - representative frames truncated at every length, against an oracle
 *     that follows SPEC §2 and the reasons documented in enum xdpfw_total;
 *   - every case's expectation is also checked against the byte-level
 *     frame model of test/oracle.c (shared with test/fuzz/fuzz-xdp.c);
 *   - precedence (rule set B), a /udp entry removed and re-added through the
 *     plan, a key lost behind the daemon's back and repaired by a full
 *     re-sync;
 *   - skipped lookups: v6 only, v4 only, empty, each kind of entry alone;
 *   - a change larger than the free slots (the plan deletes first).
 * Run with -v to print every passing case too.
 *
 * Needs root (BPF); exits 77 when it is not, or when loading is refused with
 * EPERM.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "kmaps.h"
#include "loader.h"
#include "log.h"
#include "oracle.h"
#include "pkt.h"
#include "plan.h"
#include "ruleidx.h"
#include "rules.h"
#include "stats.h"
#include "sync.h"
#include "testlib.h"
#include "xdpfw.skel.h"

#define MAX_RULES 64
#define FRAME_MAX 512
#define ETH_HLEN_ 14

static struct xdpfw_bpf *skel;
static struct kmaps km;
static int prog_fd;
static struct ruleset cur; /* the rule set in force, for the oracle */
static int n_cases;
static int verbose;

struct snap {
	struct xdpfw_counter *slots;
	struct xdpfw_counter totals[XDPFW_TOTAL_MAX];
};
static struct snap before, after;


/* A failed check that is not a frame case (set-up, plan, maps). */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	tl_failures++;
	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- rules through the daemon's pipeline ---- */

struct applied {
	size_t added, removed, unchanged;
};

/*
 * What sync_rules() does after validation, minus the file and the log:
 * index the kernel's slot table, index the new rules, plan the diff (with
 * full = 1 also against every key the maps hold, as SIGHUP does), compute
 * the filters, apply.  On success the rules become the oracle's set.
 */
static int apply_rules(const char *text, int full, struct applied *res)
{
	struct sync_result sr;
	struct ruleset rs;
	int err;

	memset(&sr, 0, sizeof(sr));
	ruleset_init(&rs);
	err = rules_parse_buffer(&rs, "test-rules", text, strlen(text));
	if (err)
		goto out;
	if (rs.n_errors) {
		char line[512];

		for (size_t i = 0; i < rs.n_diags; i++) {
			rules_diag_format(&rs, &rs.diags[i], line, sizeof(line));
			fprintf(stderr, "%s\n", line);
		}
		err = -EINVAL;
		goto out;
	}
	err = sync_apply_ruleset(&km, &rs, full ? SYNC_FULL : SYNC_INCREMENTAL,
				 &sr);
	if (err)
		goto out;
	if (res) {
		res->added = sr.added;
		res->removed = sr.removed;
		res->unchanged = sr.unchanged;
	}
	ruleset_free(&cur);
	cur = rs;
	ruleset_init(&rs);
out:
	ruleset_free(&rs);
	return err;
}

static void apply_or_die(const char *what, const char *text, int full,
			 struct applied *res)
{
	int err = apply_rules(text, full, res);

	tl_checks++;
	if (err) {
		fail("applying rule set %s: %s", what, strerror(-err));
		exit(tl_finish("test-xdp"));
	}
}

static int parse_rule(const char *text, struct xdpfw_rule *out)
{
	char err[256];
	uint32_t col;

	if (rule_parse(text, strlen(text), out, err, sizeof(err), &col)) {
		fail("test bug: rule \"%s\" does not parse: %s (col %u)", text,
		     err, col);
		return -1;
	}
	return 0;
}

/* Slot of rule r in the kernel's table, or -1. */
static int slot_of(const struct xdpfw_rule *r)
{
	for (uint32_t s = 0; s < km.capacity; s++)
		if (km.table[s].family && rule_equal(&km.table[s], r))
			return (int)s;
	return -1;
}

static int slot_of_text(const char *text)
{
	struct xdpfw_rule r;

	if (parse_rule(text, &r))
		return -1;
	return slot_of(&r);
}

static const char *fmt_slot(uint32_t s, char *buf, size_t len)
{
	if (s >= km.capacity || !km.table[s].family)
		snprintf(buf, len, "slot %u (free)", s);
	else
		rule_format(&km.table[s], buf, len);
	return buf;
}

/* ---- the oracle: SPEC §2, written independently of the datapath ---- */

/* The most specific rule in force that matches (test/oracle.c); has_l4:
 * the packet carries its whole TCP/UDP header (proto, sport valid). */
static const struct xdpfw_rule *oracle(int family, const uint8_t *src,
				       int has_l4, uint8_t proto,
				       uint16_t sport)
{
	return oracle_match(cur.rules, cur.n, family, src, has_l4, proto,
			    sport);
}

static void spec_src(const struct pkt_spec *s, uint8_t *a)
{
	memset(a, 0, 16);
	inet_pton(s->family == 4 ? AF_INET : AF_INET6, s->src, a);
}

/* ---- running one frame ---- */

static int snapshot(struct snap *sn)
{
	int err = kmaps_read_counters(&km, sn->slots, sn->totals);

	if (err)
		fail("kmaps_read_counters: %s", strerror(-err));
	return err;
}

#define DESC_MAX 256

/* Set while a case departs on purpose from the rules in force (a key
 * removed behind the daemon's back): the frame model does not apply. */
static int off_model;

/*
 * A test of the test: the case's expectation (hand-written tables, or the
 * layouts of the truncation sweep) agrees with the frame model of
 * test/oracle.c, which parses the bytes themselves.  Appends to why.
 */
static void model_check(const uint8_t *frame, size_t len,
			const struct xdpfw_rule *want, int reason, char *why,
			size_t whylen, size_t *wl)
{
	const struct xdpfw_rule *m;
	char a[RULE_FMT_MAX], b[RULE_FMT_MAX];
	int m_reason;

	m = oracle_frame(cur.rules, cur.n, frame, len, &m_reason);
	if (m && want ? rule_equal(m, want) : !m && !want && m_reason == reason)
		return;
	if (m)
		rule_format(m, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "pass (reason %d)", m_reason);
	if (want)
		rule_format(want, b, sizeof(b));
	else
		snprintf(b, sizeof(b), "pass (reason %d)", reason);
	if (*wl < whylen)
		*wl += (size_t)snprintf(why + *wl, whylen - *wl,
					" [test bug: the frame model says %s, the case %s]",
					a, b);
}

/*
 * Run frame[0..len) and check: the verdict (DROP when want, else PASS);
 * exactly want's slot counted {1, len}; DROPPED or PASSED counted {1, len};
 * on a pass the reason counter (0: none) counted {1, len}; nothing else.
 * Frames shorter than an Ethernet header are refused by the kernel's test
 * run (EINVAL): then nothing may count.  Older kernels (5.10) run them:
 * then they are checked like any other frame (a PASS counted as bad_eth).
 */
static void run_frame(const char *desc, const uint8_t *frame, size_t len,
		      const struct xdpfw_rule *want, int reason)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = (__u32)len, .repeat = 1);
	char why[1024], a[RULE_FMT_MAX], b[RULE_FMT_MAX];
	size_t wl = 0;
	int want_slot = -1, err, refused = len < ETH_HLEN_;
	uint32_t want_verdict = want ? XDP_DROP : XDP_PASS;

#define WHY(...)                                                              \
	do {                                                                  \
		if (wl < sizeof(why))                                         \
			wl += (size_t)snprintf(why + wl, sizeof(why) - wl,    \
					       __VA_ARGS__);                  \
	} while (0)

	n_cases++;
	tl_checks++;
	why[0] = '\0';
	if (want) {
		want_slot = slot_of(want);
		if (want_slot < 0) {
			rule_format(want, a, sizeof(a));
			WHY(" [test bug: expected rule %s is not in the slot table]",
			    a);
		}
	}
	if (!refused && !off_model)
		model_check(frame, len, want, reason, why, sizeof(why), &wl);
	if (snapshot(&before))
		return;
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (refused && !err)
		refused = 0;
	if (refused) {
		if (!err || errno != EINVAL)
			WHY(" test run of a %zu-byte frame: %s (expected EINVAL)",
			    len, err ? strerror(errno) : "accepted");
		want_verdict = 0;
		want = NULL;
		want_slot = -1;
		reason = -1;
	} else if (err) {
		WHY(" test run failed: %s", strerror(errno));
	} else if (opts.retval != want_verdict) {
		WHY(" verdict %s, expected %s",
		    opts.retval == XDP_DROP ? "DROP" :
		    opts.retval == XDP_PASS ? "PASS" : "?",
		    want_verdict == XDP_DROP ? "DROP" : "PASS");
	}
	if (snapshot(&after))
		return;

	for (uint32_t s = 0; s < km.capacity; s++) {
		uint64_t dp = after.slots[s].packets - before.slots[s].packets;
		uint64_t db = after.slots[s].bytes - before.slots[s].bytes;
		int exp = (int)s == want_slot;

		if (dp != (uint64_t)exp || db != (exp ? len : 0))
			WHY(" rule %s counted +%llu pkts +%llu bytes (expected +%d/+%zu)",
			    fmt_slot(s, b, sizeof(b)), (unsigned long long)dp,
			    (unsigned long long)db, exp, exp ? len : 0);
	}
	if (want && want_slot >= 0 && !refused &&
	    !(after.slots[want_slot].packets - before.slots[want_slot].packets))
		WHY(" expected rule %s did not count",
		    fmt_slot((uint32_t)want_slot, b, sizeof(b)));
	for (int t = 0; t < XDPFW_TOTAL_MAX; t++) {
		uint64_t dp = after.totals[t].packets - before.totals[t].packets;
		uint64_t db = after.totals[t].bytes - before.totals[t].bytes;
		int exp = oracle_total_delta(t, refused, want != NULL, reason);

		if (dp != (uint64_t)exp || db != (exp ? len : 0))
			WHY(" total %s +%llu pkts +%llu bytes (expected +%d/+%zu)",
			    xdpfw_total_name[t], (unsigned long long)dp,
			    (unsigned long long)db, exp, exp ? len : 0);
	}
#undef WHY
	if (wl) {
		tl_failures++;
		fprintf(stderr, "FAIL: %s (len %zu):%s\n", desc, len, why);
	} else if (verbose) {
		printf("ok: %s (len %zu)\n", desc, len);
	}
}

/* Build s and run it whole; want_text: the rule that must count, or NULL. */
static void run_spec(const char *desc, const struct pkt_spec *s,
		     const char *want_text, int reason)
{
	uint8_t frame[FRAME_MAX];
	struct xdpfw_rule want;
	int len = pkt_build(s, frame, sizeof(frame));

	if (len < 0) {
		tl_checks++;
		fail("test bug: %s: pkt_build: %s", desc, strerror(-len));
		return;
	}
	if (want_text && parse_rule(want_text, &want))
		return;
	run_frame(desc, frame, (size_t)len, want_text ? &want : NULL, reason);
}

/* ---- frame specs ---- */

static struct pkt_spec spec(int family, const char *src, uint8_t proto,
			    uint16_t sport)
{
	struct pkt_spec s;

	memset(&s, 0, sizeof(s));
	s.family = family;
	s.src = src;
	s.dst = family == 4 ? "192.0.2.2" : "2001:db8:ffff::2";
	s.l4proto = proto;
	s.sport = sport;
	s.dport = 33333;
	s.payload_len = 5;
	return s;
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	case IPPROTO_NONE:
		return "no-next-header";
	default:
		return "proto?";
	}
}

static const char *ext_name(uint8_t h)
{
	switch (h) {
	case IPPROTO_HOPOPTS:
		return "hbh";
	case IPPROTO_ROUTING:
		return "rt";
	case IPPROTO_DSTOPTS:
		return "dst";
	case IPPROTO_FRAGMENT:
		return "frag";
	case IPPROTO_AH:
		return "ah";
	default:
		return "?";
	}
}

static const char *const frag_name[] = { "none", "first", "nonfirst" };

static void describe(char *buf, size_t len, const struct pkt_spec *s,
		     const char *extra)
{
	size_t o = 0;

#define ADD(...)                                                              \
	do {                                                                  \
		if (o < len)                                                  \
			o += (size_t)snprintf(buf + o, len - o, __VA_ARGS__); \
	} while (0)
	if (s->family == 0) {
		ADD("arp");
	} else {
		ADD("v%d %s %s:%u", s->family, proto_name(s->l4proto),
		    s->src ? s->src : "-", s->sport);
	}
	if (s->n_vlan) {
		ADD(" vlan=");
		for (int i = 0; i < s->n_vlan; i++)
			ADD("%s%04x", i ? "," : "",
			    s->vlan_tpid[i] ? s->vlan_tpid[i] : 0x8100);
	}
	if (s->ip4_opt_len)
		ADD(" opts=%d", s->ip4_opt_len);
	if (s->n_ip6_ext) {
		ADD(" ext=");
		for (int i = 0; i < s->n_ip6_ext; i++)
			ADD("%s%s", i ? "," : "", ext_name(s->ip6_ext[i]));
	}
	if (s->frag)
		ADD(" frag=%s", frag_name[s->frag]);
	if (extra && *extra)
		ADD(" %s", extra);
#undef ADD
}

/* ---- rule set A: one or more entries of every kind ---- */

static const char rules_a[] =
	"# v4 exact, prefix\n"
	"10.1.0.1\n"
	"10.2.0.0/16\n"
	"# the /24 filter: bits away from word and byte boundaries\n"
	"10.6.45.3\n"
	"10.7.200.0/22\n"
	"10.8.2.0/23\n"
	"# v4 ip:port any / tcp / udp\n"
	"10.3.0.1:1000\n"
	"10.3.0.2:2000/tcp\n"
	"10.3.0.3:3000/udp\n"
	"# a port entry inside an address prefix\n"
	"10.2.7.7:7000/tcp\n"
	"# v4 prefix:port\n"
	"10.4.0.0/24:4000\n"
	"10.4.1.0/24:4001/tcp\n"
	"# from anywhere\n"
	"0.0.0.0/0:11211/udp\n"
	"# v6 exact, prefix\n"
	"2001:db8:1::1\n"
	"2001:db8:2::/48\n"
	"# [v6]:port any / tcp / udp\n"
	"[2001:db8:3::1]:5000\n"
	"[2001:db8:3::2]:5001/tcp\n"
	"[2001:db8:3::3]:5002/udp\n"
	"[2001:db8:2::7]:7000/tcp\n"
	"# [v6/48]:port\n"
	"[2001:db8:4::/48]:6000\n"
	"[::/0]:123/udp\n";
#define RULES_A_N 20

struct target {
	int family;
	const char *src;
	uint16_t sport;
	const char *r_tcp, *r_udp; /* with the whole L4 header */
	const char *r_addr;        /* ICMP, non-first fragment, no L4 */
};

static const struct target targets_a[] = {
	/* v4 exact */
	{ 4, "10.1.0.1", 80, "10.1.0.1", "10.1.0.1", "10.1.0.1" },
	{ 4, "10.1.0.2", 80, NULL, NULL, NULL },     /* same /24 */
	{ 4, "10.1.1.1", 80, NULL, NULL, NULL },     /* other /24 */
	/* v4 prefix, both edges and just outside */
	{ 4, "10.2.0.0", 80, "10.2.0.0/16", "10.2.0.0/16", "10.2.0.0/16" },
	{ 4, "10.2.255.255", 80, "10.2.0.0/16", "10.2.0.0/16", "10.2.0.0/16" },
	{ 4, "10.1.255.255", 80, NULL, NULL, NULL },
	{ 4, "10.3.0.0", 80, NULL, NULL, NULL },
	/* neighbours in the /24 filter */
	{ 4, "10.6.45.3", 80, "10.6.45.3", "10.6.45.3", "10.6.45.3" },
	{ 4, "10.6.44.3", 80, NULL, NULL, NULL },
	{ 4, "10.6.46.3", 80, NULL, NULL, NULL },
	{ 4, "10.7.200.0", 80, "10.7.200.0/22", "10.7.200.0/22",
	  "10.7.200.0/22" },
	{ 4, "10.7.203.255", 80, "10.7.200.0/22", "10.7.200.0/22",
	  "10.7.200.0/22" },
	{ 4, "10.7.199.255", 80, NULL, NULL, NULL },
	{ 4, "10.7.204.0", 80, NULL, NULL, NULL },
	{ 4, "10.8.3.255", 80, "10.8.2.0/23", "10.8.2.0/23", "10.8.2.0/23" },
	{ 4, "10.8.1.255", 80, NULL, NULL, NULL },
	{ 4, "10.8.4.0", 80, NULL, NULL, NULL },
	/* v4 ip:port */
	{ 4, "10.3.0.1", 1000, "10.3.0.1:1000", "10.3.0.1:1000", NULL },
	{ 4, "10.3.0.1", 1001, NULL, NULL, NULL },
	{ 4, "10.3.0.9", 1000, NULL, NULL, NULL },
	{ 4, "10.3.0.2", 2000, "10.3.0.2:2000/tcp", NULL, NULL },
	{ 4, "10.3.0.3", 3000, NULL, "10.3.0.3:3000/udp", NULL },
	{ 4, "10.3.0.3", 2000, NULL, NULL, NULL },
	/* port entry inside an address prefix: port beats address */
	{ 4, "10.2.7.7", 7000, "10.2.7.7:7000/tcp", "10.2.0.0/16", "10.2.0.0/16" },
	/* v4 prefix:port */
	{ 4, "10.4.0.77", 4000, "10.4.0.0/24:4000", "10.4.0.0/24:4000", NULL },
	{ 4, "10.4.0.255", 4000, "10.4.0.0/24:4000", "10.4.0.0/24:4000", NULL },
	{ 4, "10.4.2.1", 4000, NULL, NULL, NULL },
	{ 4, "10.4.1.9", 4001, "10.4.1.0/24:4001/tcp", NULL, NULL },
	{ 4, "10.4.1.9", 4000, NULL, NULL, NULL },
	/* 0.0.0.0/0:port/udp; port beats address */
	{ 4, "198.51.100.7", 11211, NULL, "0.0.0.0/0:11211/udp", NULL },
	{ 4, "198.51.100.7", 11212, NULL, NULL, NULL },
	{ 4, "10.1.0.1", 11211, "10.1.0.1", "0.0.0.0/0:11211/udp", "10.1.0.1" },
	{ 4, "10.2.3.4", 11211, "10.2.0.0/16", "0.0.0.0/0:11211/udp",
	  "10.2.0.0/16" },
	/* a v6 port entry does not match v4 */
	{ 4, "198.51.100.7", 123, NULL, NULL, NULL },

	/* v6 exact */
	{ 6, "2001:db8:1::1", 80, "2001:db8:1::1", "2001:db8:1::1",
	  "2001:db8:1::1" },
	{ 6, "2001:db8:1::2", 80, NULL, NULL, NULL },
	/* v6 prefix */
	{ 6, "2001:db8:2::", 80, "2001:db8:2::/48", "2001:db8:2::/48",
	  "2001:db8:2::/48" },
	{ 6, "2001:db8:2:ffff:ffff:ffff:ffff:ffff", 80, "2001:db8:2::/48",
	  "2001:db8:2::/48", "2001:db8:2::/48" },
	{ 6, "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 80, NULL, NULL, NULL },
	{ 6, "2001:db8:3::", 80, NULL, NULL, NULL },
	{ 6, "2001:db8:2::7", 7000, "[2001:db8:2::7]:7000/tcp",
	  "2001:db8:2::/48", "2001:db8:2::/48" },
	/* [v6]:port */
	{ 6, "2001:db8:3::1", 5000, "[2001:db8:3::1]:5000",
	  "[2001:db8:3::1]:5000", NULL },
	{ 6, "2001:db8:3::1", 5001, NULL, NULL, NULL },
	{ 6, "2001:db8:3::2", 5001, "[2001:db8:3::2]:5001/tcp", NULL, NULL },
	{ 6, "2001:db8:3::3", 5002, NULL, "[2001:db8:3::3]:5002/udp", NULL },
	/* [v6/48]:port */
	{ 6, "2001:db8:4:0:1::9", 6000, "[2001:db8:4::/48]:6000",
	  "[2001:db8:4::/48]:6000", NULL },
	{ 6, "2001:db8:4:ffff::1", 6000, "[2001:db8:4::/48]:6000",
	  "[2001:db8:4::/48]:6000", NULL },
	{ 6, "2001:db8:5::1", 6000, NULL, NULL, NULL },
	/* [::/0]:port/udp; port beats address */
	{ 6, "2001:db8:99::1", 123, NULL, "[::/0]:123/udp", NULL },
	{ 6, "2001:db8:99::1", 124, NULL, NULL, NULL },
	{ 6, "2001:db8:1::1", 123, "2001:db8:1::1", "[::/0]:123/udp",
	  "2001:db8:1::1" },
	/* a v4 port entry does not match v6 */
	{ 6, "2001:db8:99::1", 11211, NULL, NULL, NULL },
};
#define N_TARGETS_A (sizeof(targets_a) / sizeof(targets_a[0]))

/* The hand-written expectations agree with the oracle (a test of the
 * test): otherwise the matrix would prove nothing. */
static void check_targets_against_oracle(const struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t src[16] = { 0 };
		const char *want[3] = { t[i].r_tcp, t[i].r_udp, t[i].r_addr };
		const struct xdpfw_rule *got[3];
		struct xdpfw_rule w;

		inet_pton(t[i].family == 4 ? AF_INET : AF_INET6, t[i].src, src);
		got[0] = oracle(t[i].family, src, 1, IPPROTO_TCP, t[i].sport);
		got[1] = oracle(t[i].family, src, 1, IPPROTO_UDP, t[i].sport);
		got[2] = oracle(t[i].family, src, 0, 0, 0);
		for (int k = 0; k < 3; k++) {
			tl_checks++;
			if (!want[k] && !got[k])
				continue;
			if (want[k] && !parse_rule(want[k], &w) && got[k] &&
			    rule_equal(&w, got[k]))
				continue;
			fail("test bug: target %s:%u case %d: table says %s, oracle "
			     "says another rule",
			     t[i].src, t[i].sport, k, want[k] ? want[k] : "none");
		}
	}
}

struct vlan_variant {
	int n;
	uint16_t tpid[PKT_MAX_VLAN];
};

static const struct vlan_variant vlans[] = {
	{ 0, { 0 } },
	{ 1, { 0x8100 } },
	{ 1, { 0x88a8 } },
	{ 2, { 0x88a8, 0x8100 } },
	{ 2, { 0x8100, 0x8100 } },
};
#define N_VLANS (sizeof(vlans) / sizeof(vlans[0]))

struct ip6_variant {
	int n;
	uint8_t ext[PKT_MAX_IP6_EXT];
	enum pkt_frag frag;
	int too_deep; /* more than XDPFW_IP6_EXT_MAX headers */
};

static const struct ip6_variant ip6v[] = {
	{ 0, { 0 }, PKT_FRAG_NONE, 0 },
	{ 1, { IPPROTO_HOPOPTS }, PKT_FRAG_NONE, 0 },
	{ 2, { IPPROTO_ROUTING, IPPROTO_DSTOPTS }, PKT_FRAG_NONE, 0 },
	{ 1, { IPPROTO_AH }, PKT_FRAG_NONE, 0 },
	{ 2, { IPPROTO_HOPOPTS, IPPROTO_AH }, PKT_FRAG_NONE, 0 },
	/* atomic fragment (offset 0, M 0): carries its L4 header */
	{ 1, { IPPROTO_FRAGMENT }, PKT_FRAG_NONE, 0 },
	{ 1, { IPPROTO_FRAGMENT }, PKT_FRAG_FIRST, 0 },
	{ 1, { IPPROTO_FRAGMENT }, PKT_FRAG_NONFIRST, 0 },
	{ 3, { IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, IPPROTO_DSTOPTS },
	  PKT_FRAG_FIRST, 0 },
	{ 3, { IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, IPPROTO_DSTOPTS },
	  PKT_FRAG_NONFIRST, 0 },
	/* the most the program walks */
	{ 6, { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
	       IPPROTO_FRAGMENT, IPPROTO_DSTOPTS },
	  PKT_FRAG_FIRST, 0 },
	{ 6, { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
	       IPPROTO_AH, IPPROTO_DSTOPTS },
	  PKT_FRAG_NONE, 0 },
	/* one more: the source is known, the L4 header is not looked for */
	{ 7, { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
	       IPPROTO_DSTOPTS, IPPROTO_AH, IPPROTO_DSTOPTS },
	  PKT_FRAG_NONE, 1 },
	{ 8, { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
	       IPPROTO_DSTOPTS, IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT },
	  PKT_FRAG_FIRST, 1 },
};
#define N_IP6V (sizeof(ip6v) / sizeof(ip6v[0]))

static const int ip4_opts[] = { 0, 4, 40 };
static const enum pkt_frag ip4_frags[] = { PKT_FRAG_NONE, PKT_FRAG_FIRST,
					   PKT_FRAG_NONFIRST };

static void run_target(const struct target *t, uint8_t proto,
		       const struct pkt_spec *s0, int has_l4, int too_deep)
{
	char desc[DESC_MAX];
	const char *want;
	int reason = 0;

	if (proto == IPPROTO_TCP && has_l4)
		want = t->r_tcp;
	else if (proto == IPPROTO_UDP && has_l4)
		want = t->r_udp;
	else
		want = t->r_addr;
	if (too_deep)
		reason = XDPFW_T_IP6_EXT_DEPTH;
	describe(desc, sizeof(desc), s0, NULL);
	run_spec(desc, s0, want, reason);
}

/* Every target x TCP/UDP/ICMP x VLAN tags x (IPv4 options x fragments |
 * IPv6 extension headers). */
static void test_matrix(const struct target *tg, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &tg[i];
		uint8_t protos[3] = { IPPROTO_TCP, IPPROTO_UDP,
				      t->family == 4 ? IPPROTO_ICMP :
						       IPPROTO_ICMPV6 };

		for (int p = 0; p < 3; p++) {
			for (size_t v = 0; v < N_VLANS; v++) {
				struct pkt_spec s = spec(t->family, t->src,
							 protos[p], t->sport);

				s.n_vlan = vlans[v].n;
				memcpy(s.vlan_tpid, vlans[v].tpid,
				       sizeof(s.vlan_tpid));
				if (t->family == 4) {
					for (size_t o = 0; o < 3; o++) {
						for (size_t f = 0; f < 3; f++) {
							s.ip4_opt_len = ip4_opts[o];
							s.frag = ip4_frags[f];
							run_target(t, protos[p], &s,
								   s.frag != PKT_FRAG_NONFIRST,
								   0);
						}
					}
					continue;
				}
				for (size_t e = 0; e < N_IP6V; e++) {
					s.n_ip6_ext = ip6v[e].n;
					memcpy(s.ip6_ext, ip6v[e].ext,
					       sizeof(s.ip6_ext));
					s.frag = ip6v[e].frag;
					run_target(t, protos[p], &s,
						   s.frag != PKT_FRAG_NONFIRST &&
							   !ip6v[e].too_deep,
						   ip6v[e].too_deep);
				}
			}
			/* Three tags: not parsed, passed whatever the rules. */
			{
				struct pkt_spec s = spec(t->family, t->src,
							 protos[p], t->sport);
				char desc[DESC_MAX];

				s.n_vlan = 3;
				s.vlan_tpid[0] = 0x88a8;
				s.vlan_tpid[1] = 0x8100;
				s.vlan_tpid[2] = 0x8100;
				describe(desc, sizeof(desc), &s, NULL);
				run_spec(desc, &s, NULL, XDPFW_T_VLAN_DEPTH);
			}
		}
	}
}

/* ---- truncation: every length of a frame ---- */

struct layout {
	size_t l3;          /* start of the IP header */
	size_t src_end;     /* end of the fixed IP header (source known) */
	size_t hdr_end[12]; /* ends of IPv4 options / each extension header */
	int n_hdr;
	int too_deep;       /* more extension headers than the program walks */
	int nonfirst;       /* no L4 header in the frame */
	size_t l4_end;      /* end of the TCP/UDP header, 0: not TCP/UDP */
};

static void layout_of(const struct pkt_spec *s, struct layout *L)
{
	size_t pos;

	memset(L, 0, sizeof(*L));
	L->l3 = 14 + 4 * (size_t)s->n_vlan;
	L->nonfirst = s->frag == PKT_FRAG_NONFIRST;
	if (s->family == 4) {
		L->src_end = L->l3 + 20;
		pos = L->src_end + (size_t)s->ip4_opt_len;
		L->hdr_end[L->n_hdr++] = pos; /* options: part of the header */
	} else {
		int has_frag = 0, n = s->n_ip6_ext;
		uint8_t chain[PKT_MAX_IP6_EXT + 1];

		memcpy(chain, s->ip6_ext, (size_t)n);
		for (int i = 0; i < n; i++)
			has_frag |= chain[i] == IPPROTO_FRAGMENT;
		if (s->frag != PKT_FRAG_NONE && !has_frag)
			chain[n++] = IPPROTO_FRAGMENT;
		L->src_end = L->l3 + 40;
		pos = L->src_end;
		for (int i = 0; i < n; i++) {
			if (i == XDPFW_IP6_EXT_MAX) {
				L->too_deep = 1;
				break;
			}
			pos += chain[i] == IPPROTO_AH ? 24 : 8;
			L->hdr_end[L->n_hdr++] = pos;
			if (chain[i] == IPPROTO_FRAGMENT && L->nonfirst)
				break;
		}
	}
	if (s->l4proto == IPPROTO_TCP)
		L->l4_end = pos + 20;
	else if (s->l4proto == IPPROTO_UDP)
		L->l4_end = pos + 8;
}

/*
 * Expected outcome of s truncated to n bytes (the header documentation of
 * enum xdpfw_total): the reason is that of the first incomplete header; the
 * source address is known once the fixed IP header is complete, and from
 * then on address entries apply; port entries need the whole TCP/UDP header.
 */
static const struct xdpfw_rule *expect_trunc(const struct pkt_spec *s,
					     const struct layout *L, size_t n,
					     int *reason)
{
	uint8_t src[16];
	int has_l4 = 0;

	*reason = 0;
	if (n < 14) {
		*reason = XDPFW_T_BAD_ETH;
		return NULL;
	}
	for (int i = 0; i < s->n_vlan && i < 2; i++) {
		if (n < 14 + 4 * (size_t)(i + 1)) {
			*reason = XDPFW_T_BAD_VLAN;
			return NULL;
		}
	}
	if (s->n_vlan > 2) {
		*reason = XDPFW_T_VLAN_DEPTH;
		return NULL;
	}
	if (n < L->src_end) {
		*reason = s->family == 4 ? XDPFW_T_BAD_IP4 : XDPFW_T_BAD_IP6;
		return NULL;
	}
	spec_src(s, src);
	for (int i = 0; i < L->n_hdr; i++) {
		if (n < L->hdr_end[i]) {
			*reason = s->family == 4 ? XDPFW_T_BAD_IP4 :
						   XDPFW_T_BAD_IP6_EXT;
			goto addr_only;
		}
	}
	if (L->too_deep) {
		*reason = XDPFW_T_IP6_EXT_DEPTH;
		goto addr_only;
	}
	if (L->nonfirst || !L->l4_end)
		goto addr_only;
	if (n < L->l4_end) {
		*reason = XDPFW_T_BAD_L4;
		goto addr_only;
	}
	has_l4 = 1;
addr_only:
	return oracle(s->family, src, has_l4, s->l4proto, s->sport);
}

static void sweep(const struct pkt_spec *s)
{
	uint8_t frame[FRAME_MAX];
	char desc[DESC_MAX], extra[64];
	struct layout L;
	int full = pkt_build(s, frame, sizeof(frame));

	if (full < 0) {
		tl_checks++;
		fail("test bug: sweep: pkt_build: %s", strerror(-full));
		return;
	}
	layout_of(s, &L);
	tl_checks++;
	if ((L.l4_end && !L.nonfirst && !L.too_deep &&
	     L.l4_end + s->payload_len != (size_t)full))
		fail("test bug: layout of a %d-byte frame ends its L4 header at %zu",
		     full, L.l4_end);
	for (size_t n = 0; n <= (size_t)full; n++) {
		const struct xdpfw_rule *want;
		int reason;

		want = expect_trunc(s, &L, n, &reason);
		snprintf(extra, sizeof(extra), "truncated to %zu of %d", n, full);
		describe(desc, sizeof(desc), s, extra);
		run_frame(desc, frame, n, want, reason);
	}
}

static void test_truncation(void)
{
	/* v4 UDP, two tags, 40 bytes of options: address, port, any-source
	 * port entries and a miss. */
	static const struct {
		const char *src;
		uint16_t sport;
	} v4src[] = {
		{ "10.1.0.1", 3000 },
		{ "10.3.0.3", 3000 },
		{ "198.51.100.7", 11211 },
		{ "192.0.2.55", 3000 },
	};
	static const struct {
		const char *src;
		uint16_t sport;
	} v6src[] = {
		{ "2001:db8:1::1", 5001 },
		{ "2001:db8:3::2", 5001 },
		{ "2001:db8:99::1", 5001 },
	};

	for (size_t i = 0; i < sizeof(v4src) / sizeof(v4src[0]); i++) {
		struct pkt_spec s = spec(4, v4src[i].src, IPPROTO_UDP,
					 v4src[i].sport);

		s.n_vlan = 2;
		s.vlan_tpid[0] = 0x88a8;
		s.vlan_tpid[1] = 0x8100;
		s.ip4_opt_len = 40;
		s.payload_len = 3;
		sweep(&s);
	}
	/* v6 TCP behind HBH, routing, AH, destination options, one tag. */
	for (size_t i = 0; i < sizeof(v6src) / sizeof(v6src[0]); i++) {
		struct pkt_spec s = spec(6, v6src[i].src, IPPROTO_TCP,
					 v6src[i].sport);

		s.n_vlan = 1;
		s.n_ip6_ext = 4;
		s.ip6_ext[0] = IPPROTO_HOPOPTS;
		s.ip6_ext[1] = IPPROTO_ROUTING;
		s.ip6_ext[2] = IPPROTO_AH;
		s.ip6_ext[3] = IPPROTO_DSTOPTS;
		s.payload_len = 3;
		sweep(&s);
	}
	/* Smaller sets: v4 TCP with one option word, v4 ICMP with options,
	 * v6 UDP first fragment, v6 ICMPv6 behind HBH, v6 with 7 headers. */
	{
		struct pkt_spec s = spec(4, "10.3.0.2", IPPROTO_TCP, 2000);

		s.ip4_opt_len = 4;
		s.payload_len = 0;
		sweep(&s);
		s.src = "10.2.9.9";
		sweep(&s);
	}
	{
		struct pkt_spec s = spec(4, "10.2.3.4", IPPROTO_ICMP, 1);

		s.n_vlan = 1;
		s.ip4_opt_len = 8;
		s.payload_len = 0;
		sweep(&s);
		s.src = "192.0.2.55";
		sweep(&s);
	}
	{
		struct pkt_spec s = spec(6, "2001:db8:99::1", IPPROTO_UDP, 123);

		s.n_ip6_ext = 2;
		s.ip6_ext[0] = IPPROTO_FRAGMENT;
		s.ip6_ext[1] = IPPROTO_DSTOPTS;
		s.frag = PKT_FRAG_FIRST;
		s.payload_len = 0;
		sweep(&s);
		s.frag = PKT_FRAG_NONFIRST;
		s.src = "2001:db8:2::1";
		s.payload_len = 4;
		sweep(&s);
	}
	{
		struct pkt_spec s = spec(6, "2001:db8:2::5", IPPROTO_ICMPV6, 1);

		s.n_ip6_ext = 1;
		s.ip6_ext[0] = IPPROTO_HOPOPTS;
		s.payload_len = 0;
		sweep(&s);
		s.src = "2001:db8:99::5";
		sweep(&s);
	}
	{
		struct pkt_spec s = spec(6, "2001:db8:1::1", IPPROTO_UDP, 5002);

		s.n_ip6_ext = ip6v[N_IP6V - 2].n;
		memcpy(s.ip6_ext, ip6v[N_IP6V - 2].ext, sizeof(s.ip6_ext));
		s.payload_len = 0;
		sweep(&s);
		s.src = "2001:db8:99::5";
		sweep(&s);
	}
}

/* ---- malformed and non-IP frames ---- */

static void run_bytes(const char *desc, const uint8_t *frame, size_t len,
		      const char *want_text, int reason)
{
	struct xdpfw_rule want;

	if (want_text && parse_rule(want_text, &want))
		return;
	run_frame(desc, frame, len, want_text ? &want : NULL, reason);
}

static int build(const struct pkt_spec *s, uint8_t *frame)
{
	int len = pkt_build(s, frame, FRAME_MAX);

	if (len < 0) {
		fail("test bug: pkt_build: %s", strerror(-len));
		exit(tl_finish("test-xdp"));
	}
	return len;
}

static void test_malformed(void)
{
	uint8_t f[FRAME_MAX];
	struct pkt_spec s;
	int len;

	/* ARP, with and without tags */
	s = spec(0, "10.1.0.1", 0, 0);
	s.dst = "10.1.0.2";
	len = build(&s, f);
	run_bytes("arp request from a blocked address", f, (size_t)len, NULL,
		  XDPFW_T_NON_IP);
	s.n_vlan = 2;
	s.vlan_tpid[0] = 0x88a8;
	len = build(&s, f);
	run_bytes("arp request, two tags", f, (size_t)len, NULL,
		  XDPFW_T_NON_IP);

	/* LLDP ethertype on an IPv4 body */
	s = spec(4, "10.1.0.1", IPPROTO_UDP, 80);
	len = build(&s, f);
	f[12] = 0x88;
	f[13] = 0xcc;
	run_bytes("lldp ethertype", f, (size_t)len, NULL, XDPFW_T_NON_IP);

	/* IHL < 5 and a wrong version: the source is not trusted */
	s = spec(4, "10.1.0.1", IPPROTO_UDP, 80);
	len = build(&s, f);
	f[14] = 0x44;
	run_bytes("v4 ihl 4 from a blocked address", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);
	f[14] = 0x40;
	run_bytes("v4 ihl 0 from a blocked address", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);
	f[14] = 0x65;
	run_bytes("v4 ethertype, version 6", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);
	/* IHL 15 in a frame that ends before 60 bytes of header: the source
	 * is known, the options are not complete. */
	s = spec(4, "10.1.0.1", IPPROTO_UDP, 80);
	s.payload_len = 0;
	len = build(&s, f);
	f[14] = 0x4f;
	run_bytes("v4 ihl 15, 28-byte packet, blocked address", f, (size_t)len,
		  "10.1.0.1", 0);
	s.src = "10.3.0.3";
	s.sport = 3000;
	len = build(&s, f);
	f[14] = 0x4f;
	run_bytes("v4 ihl 15, 28-byte packet, port entry", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP4);

	s = spec(6, "2001:db8:1::1", IPPROTO_UDP, 80);
	len = build(&s, f);
	f[14] = 0x40;
	run_bytes("v6 ethertype, version 4", f, (size_t)len, NULL,
		  XDPFW_T_BAD_IP6);

	/* A middle fragment (MF set, offset > 0): address entries only */
	s = spec(4, "10.3.0.3", IPPROTO_UDP, 3000);
	s.frag = PKT_FRAG_NONFIRST;
	s.payload_len = 16;
	len = build(&s, f);
	f[14 + 6] |= 0x20;
	run_bytes("v4 middle fragment, port entry", f, (size_t)len, NULL, 0);
	s.src = "10.2.0.1";
	len = build(&s, f);
	f[14 + 6] |= 0x20;
	run_bytes("v4 middle fragment, prefix entry", f, (size_t)len,
		  "10.2.0.0/16", 0);
	/* DF set, no fragment: port entries apply */
	s = spec(4, "10.3.0.3", IPPROTO_UDP, 3000);
	len = build(&s, f);
	f[14 + 6] |= 0x40;
	run_bytes("v4 DF, port entry", f, (size_t)len, "10.3.0.3:3000/udp", 0);

	/* Non-TCP/UDP protocols: address entries only */
	s = spec(4, "10.1.0.1", 47 /* GRE */, 0);
	len = build(&s, f);
	run_bytes("v4 gre from a blocked address", f, (size_t)len, "10.1.0.1", 0);
	s = spec(4, "10.4.0.1", 47, 0);
	len = build(&s, f);
	run_bytes("v4 gre from a port-entry prefix", f, (size_t)len, NULL, 0);
	s = spec(6, "2001:db8:2::9", IPPROTO_NONE, 0);
	len = build(&s, f);
	run_bytes("v6 no-next-header from a blocked prefix", f, (size_t)len,
		  "2001:db8:2::/48", 0);
	s = spec(6, "2001:db8:99::1", IPPROTO_NONE, 0);
	s.n_ip6_ext = 1;
	s.ip6_ext[0] = IPPROTO_DSTOPTS;
	len = build(&s, f);
	run_bytes("v6 dstopts then no-next-header, unlisted", f, (size_t)len,
		  NULL, 0);

	/* A TCP header claims port 11211 but the rule is UDP only */
	s = spec(4, "198.51.100.7", IPPROTO_TCP, 11211);
	len = build(&s, f);
	run_bytes("v4 tcp from the udp-only port", f, (size_t)len, NULL, 0);

	/* The IPv6 fragment header's offset ignores the M and reserved bits:
	 * offset 0 with reserved bits set is still a first fragment. */
	s = spec(6, "2001:db8:3::3", IPPROTO_UDP, 5002);
	s.n_ip6_ext = 1;
	s.ip6_ext[0] = IPPROTO_FRAGMENT;
	s.frag = PKT_FRAG_FIRST;
	len = build(&s, f);
	f[14 + 40 + 3] |= 0x06;
	run_bytes("v6 first fragment, reserved bits set, port entry", f,
		  (size_t)len, "[2001:db8:3::3]:5002/udp", 0);

	/* The frame's bytes, not the IP lengths, bound parsing: a v4 total
	 * length shorter than the headers changes nothing here. */
	s = spec(4, "10.3.0.1", IPPROTO_TCP, 1000);
	len = build(&s, f);
	f[14 + 2] = 0;
	f[14 + 3] = 20;
	run_bytes("v4 tot_len 20 with a whole tcp header in the frame", f,
		  (size_t)len, "10.3.0.1:1000", 0);
}

/* ---- precedence and changes through the plan ---- */

static const char rules_b[] =
	"10.20.0.0/16\n"
	"10.20.30.0/24\n"
	"10.20.30.40\n"
	"10.20.30.40:53\n"
	"10.20.30.40:53/udp\n"
	"10.20.0.0/16:53\n"
	"10.20.30.0/24:53/tcp\n"
	"10.20.0.0/16:5353/udp\n"
	"10.20.30.0/24:5353\n"
	"2001:db8::/32\n"
	"2001:db8:20::/48\n"
	"2001:db8:20::1\n"
	"[2001:db8:20::1]:53\n"
	"[2001:db8:20::1]:53/udp\n"
	"[2001:db8::/32]:53\n"
	"[2001:db8:20::/48]:53/tcp\n";
#define RULES_B_N 16

/* rules_b without its two /udp host entries */
static const char rules_b2[] =
	"10.20.0.0/16\n"
	"10.20.30.0/24\n"
	"10.20.30.40\n"
	"10.20.30.40:53\n"
	"10.20.0.0/16:53\n"
	"10.20.30.0/24:53/tcp\n"
	"10.20.0.0/16:5353/udp\n"
	"10.20.30.0/24:5353\n"
	"2001:db8::/32\n"
	"2001:db8:20::/48\n"
	"2001:db8:20::1\n"
	"[2001:db8:20::1]:53\n"
	"[2001:db8::/32]:53\n"
	"[2001:db8:20::/48]:53/tcp\n";

static const struct target targets_b[] = {
	{ 4, "10.20.30.40", 53, "10.20.30.40:53", "10.20.30.40:53/udp",
	  "10.20.30.40" },
	{ 4, "10.20.30.40", 54, "10.20.30.40", "10.20.30.40", "10.20.30.40" },
	{ 4, "10.20.30.41", 53, "10.20.30.0/24:53/tcp", "10.20.0.0/16:53",
	  "10.20.30.0/24" },
	{ 4, "10.20.31.1", 53, "10.20.0.0/16:53", "10.20.0.0/16:53",
	  "10.20.0.0/16" },
	{ 4, "10.20.31.1", 80, "10.20.0.0/16", "10.20.0.0/16", "10.20.0.0/16" },
	/* longer prefix wins over the protocol-specific shorter one */
	{ 4, "10.20.30.41", 5353, "10.20.30.0/24:5353", "10.20.30.0/24:5353",
	  "10.20.30.0/24" },
	{ 4, "10.20.31.1", 5353, "10.20.0.0/16", "10.20.0.0/16:5353/udp",
	  "10.20.0.0/16" },
	{ 4, "10.21.0.1", 53, NULL, NULL, NULL },
	{ 6, "2001:db8:20::1", 53, "[2001:db8:20::1]:53",
	  "[2001:db8:20::1]:53/udp", "2001:db8:20::1" },
	{ 6, "2001:db8:20::2", 53, "[2001:db8:20::/48]:53/tcp",
	  "[2001:db8::/32]:53", "2001:db8:20::/48" },
	{ 6, "2001:db8:21::2", 53, "[2001:db8::/32]:53", "[2001:db8::/32]:53",
	  "2001:db8::/32" },
	{ 6, "2001:db8:20::1", 80, "2001:db8:20::1", "2001:db8:20::1",
	  "2001:db8:20::1" },
	{ 6, "2001:db8:21::2", 80, "2001:db8::/32", "2001:db8::/32",
	  "2001:db8::/32" },
	{ 6, "2001:db9::1", 53, NULL, NULL, NULL },
};
#define N_TARGETS_B (sizeof(targets_b) / sizeof(targets_b[0]))

/* Targets of rules_b2: the UDP keys of the host entries fall back to the
 * any-protocol entries. */
static const struct target targets_b2[] = {
	{ 4, "10.20.30.40", 53, "10.20.30.40:53", "10.20.30.40:53",
	  "10.20.30.40" },
	{ 4, "10.20.30.41", 53, "10.20.30.0/24:53/tcp", "10.20.0.0/16:53",
	  "10.20.30.0/24" },
	{ 6, "2001:db8:20::1", 53, "[2001:db8:20::1]:53", "[2001:db8:20::1]:53",
	  "2001:db8:20::1" },
};
#define N_TARGETS_B2 (sizeof(targets_b2) / sizeof(targets_b2[0]))

/* Each target, plain and behind one tag, TCP/UDP/ICMP. */
static void test_targets_light(const struct target *tg, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &tg[i];
		uint8_t protos[3] = { IPPROTO_TCP, IPPROTO_UDP,
				      t->family == 4 ? IPPROTO_ICMP :
						       IPPROTO_ICMPV6 };

		for (int p = 0; p < 3; p++) {
			for (int v = 0; v < 2; v++) {
				struct pkt_spec s = spec(t->family, t->src,
							 protos[p], t->sport);

				s.n_vlan = v;
				run_target(t, protos[p], &s, 1, 0);
				/* non-first fragment: address entries only */
				s.frag = PKT_FRAG_NONFIRST;
				run_target(t, protos[p], &s, 0, 0);
			}
		}
	}
}

static void check_plan(const char *what, const struct applied *a,
		       size_t added, size_t removed, size_t unchanged)
{
	tl_checks++;
	if (a->added != added || a->removed != removed ||
	    a->unchanged != unchanged)
		fail("%s: plan added %zu removed %zu unchanged %zu, expected "
		     "%zu/%zu/%zu",
		     what, a->added, a->removed, a->unchanged, added, removed,
		     unchanged);
}

static size_t table_count(void)
{
	size_t n = 0;

	for (uint32_t s = 0; s < km.capacity; s++)
		n += km.table[s].family != 0;
	return n;
}

static void check_in_force(const char *what, size_t n)
{
	tl_checks++;
	if (table_count() != n)
		fail("%s: slot table holds %zu rules, expected %zu", what,
		     table_count(), n);
}

static void check_flags(const char *what, uint32_t want)
{
	uint32_t got = kmaps_flags(&km);

	tl_checks++;
	if (got != want)
		fail("%s: cfg flags 0x%x, expected 0x%x", what, got, want);
}

/* A rule that was just added counts from zero, whatever its slot counted
 * for an earlier rule. */
static void check_fresh_counters(const char *what, const char *rule)
{
	int slot = slot_of_text(rule);

	tl_checks++;
	if (slot < 0) {
		fail("%s: %s is not in the slot table", what, rule);
		return;
	}
	if (snapshot(&before))
		return;
	if (before.slots[slot].packets || before.slots[slot].bytes)
		fail("%s: the new rule %s starts with %llu packets in slot %d",
		     what, rule, (unsigned long long)before.slots[slot].packets,
		     slot);
}

static void test_precedence_and_changes(void)
{
	struct applied a;
	int s_any, s_udp, s_any6, s_udp6;
	char desc[DESC_MAX];
	struct pkt_spec s;

	apply_or_die("B", rules_b, 0, &a);
	check_plan("A -> B", &a, RULES_B_N, RULES_A_N, 0);
	check_in_force("B", RULES_B_N);
	check_targets_against_oracle(targets_b, N_TARGETS_B);
	test_targets_light(targets_b, N_TARGETS_B);

	/* The /udp entries go: their keys pass to the any-protocol entries,
	 * whose slots (and counters) stay. */
	s_any = slot_of_text("10.20.30.40:53");
	s_udp = slot_of_text("10.20.30.40:53/udp");
	s_any6 = slot_of_text("[2001:db8:20::1]:53");
	s_udp6 = slot_of_text("[2001:db8:20::1]:53/udp");
	apply_or_die("B2", rules_b2, 0, &a);
	check_plan("B -> B2", &a, 0, 2, RULES_B_N - 2);
	check_in_force("B2", RULES_B_N - 2);
	tl_checks++;
	if (s_any < 0 || slot_of_text("10.20.30.40:53") != s_any ||
	    s_any6 < 0 || slot_of_text("[2001:db8:20::1]:53") != s_any6)
		fail("B -> B2: an unchanged rule moved to another slot");
	tl_checks++;
	if (s_udp < 0 || km.table[s_udp].family || s_udp6 < 0 ||
	    km.table[s_udp6].family)
		fail("B -> B2: the slot of a removed rule was not freed");
	check_targets_against_oracle(targets_b2, N_TARGETS_B2);
	test_targets_light(targets_b2, N_TARGETS_B2);

	/* ... and come back: the protocol-specific entry takes the key again. */
	apply_or_die("B again", rules_b, 0, &a);
	check_plan("B2 -> B", &a, 2, 0, RULES_B_N - 2);
	check_fresh_counters("B2 -> B", "10.20.30.40:53/udp");
	check_fresh_counters("B2 -> B", "[2001:db8:20::1]:53/udp");
	test_targets_light(targets_b, 1);
	test_targets_light(targets_b + 8, 1);

	/* A key lost behind the program's back: an incremental plan trusts
	 * the slot table and writes nothing, the full re-sync (SIGHUP) puts
	 * it back. */
	{
		struct xdpfw_v4_port_key k = { .port = htons(53),
					       .proto = IPPROTO_UDP };

		inet_pton(AF_INET, "10.20.30.40", &k.addr);
		off_model = 1;
		tl_checks++;
		if (bpf_map_delete_elem(km.fd[KMAP_V4_PORT], &k))
			fail("deleting the key of 10.20.30.40:53/udp: %s",
			     strerror(errno));
		s = spec(4, "10.20.30.40", IPPROTO_UDP, 53);
		describe(desc, sizeof(desc), &s, "key deleted behind the daemon");
		run_spec(desc, &s, "10.20.0.0/16:53", 0);
		apply_or_die("B incremental", rules_b, 0, &a);
		check_plan("B -> B (incremental)", &a, 0, 0, RULES_B_N);
		describe(desc, sizeof(desc), &s, "after an incremental re-sync");
		run_spec(desc, &s, "10.20.0.0/16:53", 0);
		apply_or_die("B full", rules_b, 1, &a);
		check_plan("B -> B (full)", &a, 0, 0, RULES_B_N);
		off_model = 0;
		describe(desc, sizeof(desc), &s, "after a full re-sync");
		run_spec(desc, &s, "10.20.30.40:53/udp", 0);
	}
}

/* Lookups of absent kinds are skipped: v6-only and v4-only sets, then
 * nothing at all. */
static void test_skipped_lookups(void)
{
	static const char v6_only[] = "2001:db8:1::1\n"
				      "[2001:db8:3::1]:5000\n";
	static const char v4_only[] = "10.1.0.1\n"
				      "10.3.0.1:1000\n";
	static const struct target t_v6_only[] = {
		{ 4, "10.1.0.1", 80, NULL, NULL, NULL },
		{ 4, "10.3.0.1", 1000, NULL, NULL, NULL },
		{ 4, "10.20.30.40", 53, NULL, NULL, NULL },
		{ 4, "198.51.100.7", 11211, NULL, NULL, NULL },
		{ 6, "2001:db8:1::1", 80, "2001:db8:1::1", "2001:db8:1::1",
		  "2001:db8:1::1" },
		{ 6, "2001:db8:3::1", 5000, "[2001:db8:3::1]:5000",
		  "[2001:db8:3::1]:5000", NULL },
		{ 6, "2001:db8:20::1", 53, NULL, NULL, NULL },
	};
	static const struct target t_v4_only[] = {
		{ 4, "10.1.0.1", 80, "10.1.0.1", "10.1.0.1", "10.1.0.1" },
		{ 4, "10.3.0.1", 1000, "10.3.0.1:1000", "10.3.0.1:1000", NULL },
		{ 4, "10.20.30.40", 53, NULL, NULL, NULL },
		{ 6, "2001:db8:1::1", 80, NULL, NULL, NULL },
		{ 6, "2001:db8:3::1", 5000, NULL, NULL, NULL },
		{ 6, "2001:db8:99::1", 123, NULL, NULL, NULL },
	};
	static const struct target t_none[] = {
		{ 4, "10.1.0.1", 80, NULL, NULL, NULL },
		{ 4, "10.3.0.1", 1000, NULL, NULL, NULL },
		{ 4, "198.51.100.7", 11211, NULL, NULL, NULL },
		{ 6, "2001:db8:1::1", 80, NULL, NULL, NULL },
		{ 6, "2001:db8:3::1", 5000, NULL, NULL, NULL },
		{ 6, "2001:db8:99::1", 123, NULL, NULL, NULL },
	};
	struct applied a;
	size_t nkeys = 1;
	struct kop *keys = NULL;

	apply_or_die("v6 only", v6_only, 0, &a);
	check_plan("B -> v6 only", &a, 2, RULES_B_N, 0);
	check_flags("v6 only", XDPFW_F_V6_EXACT | XDPFW_F_V6_PORT_EXACT);
	check_targets_against_oracle(t_v6_only, 7);
	test_targets_light(t_v6_only, 7);

	apply_or_die("v4 only", v4_only, 0, &a);
	check_plan("v6 only -> v4 only", &a, 2, 2, 0);
	check_flags("v4 only", XDPFW_F_V4_EXACT | XDPFW_F_V4_PORT_EXACT);
	check_targets_against_oracle(t_v4_only, 6);
	test_targets_light(t_v4_only, 6);

	apply_or_die("empty", "# nothing\n", 0, &a);
	check_plan("v4 only -> empty", &a, 0, 2, 0);
	check_flags("empty", 0);
	check_in_force("empty", 0);
	tl_checks++;
	if (kmaps_dump_keys(&km, &keys, &nkeys) || nkeys)
		fail("empty set: the lookup maps still hold %zu keys", nkeys);
	free(keys);
	for (int m = 0; m < FMAP_N; m++) {
		for (uint32_t w = 0; w < fmap_words[m]; w++) {
			if (km.filter[m][w]) {
				tl_checks++;
				fail("empty set: filter %d word %u is 0x%llx", m, w,
				     (unsigned long long)km.filter[m][w]);
				break;
			}
		}
	}
	test_targets_light(t_none, 6);
	test_matrix(t_none, 6);
}

/* Each kind of entry alone: only its lookup may find anything, and the
 * kinds-present flags must let it run. */
static void test_each_kind_alone(void)
{
	static const struct {
		const char *rule;
		uint32_t flag;
		struct target t;
	} kinds[] = {
		{ "10.1.0.1", XDPFW_F_V4_EXACT, { 4, "10.1.0.1", 80 } },
		{ "10.2.0.0/16", XDPFW_F_V4_PREFIX, { 4, "10.2.3.4", 80 } },
		{ "10.3.0.1:1000", XDPFW_F_V4_PORT_EXACT, { 4, "10.3.0.1", 1000 } },
		{ "10.4.0.0/24:4000", XDPFW_F_V4_PORT_PREFIX,
		  { 4, "10.4.0.9", 4000 } },
		{ "2001:db8:1::1", XDPFW_F_V6_EXACT, { 6, "2001:db8:1::1", 80 } },
		{ "2001:db8:2::/48", XDPFW_F_V6_PREFIX, { 6, "2001:db8:2::9", 80 } },
		{ "[2001:db8:3::1]:5000", XDPFW_F_V6_PORT_EXACT,
		  { 6, "2001:db8:3::1", 5000 } },
		{ "[2001:db8:4::/48]:6000", XDPFW_F_V6_PORT_PREFIX,
		  { 6, "2001:db8:4::9", 6000 } },
	};
	enum { N = sizeof(kinds) / sizeof(kinds[0]) };
	struct target t[N];
	char text[64], what[96];
	struct applied a;

	for (int k = 0; k < N; k++) {
		snprintf(text, sizeof(text), "%s\n", kinds[k].rule);
		snprintf(what, sizeof(what), "only %s", kinds[k].rule);
		apply_or_die(what, text, 0, &a);
		check_flags(what, kinds[k].flag);
		for (int j = 0; j < N; j++) {
			t[j] = kinds[j].t;
			if (j != k)
				continue;
			t[j].r_tcp = t[j].r_udp = kinds[j].rule;
			if (!(kinds[j].flag & (XDPFW_F_V4_PORT | XDPFW_F_V6_PORT)))
				t[j].r_addr = kinds[j].rule;
		}
		check_targets_against_oracle(t, N);
		test_targets_light(t, N);
	}
}

/*
 * A change bigger than the free slots (old + added > capacity): the plan
 * deletes first and reuses freed slots.  The new rules enforce, each under
 * its own counter starting from zero; the old ones are gone.
 */
#define BIG_N 40

static char *big_set(int net)
{
	size_t cap = BIG_N * 48, o = 0;
	char *buf = malloc(cap);

	if (!buf)
		exit(1);
	for (int i = 1; i <= BIG_N; i++) {
		if (i % 2)
			o += (size_t)snprintf(buf + o, cap - o, "10.%d.0.%d\n", net, i);
		else
			o += (size_t)snprintf(buf + o, cap - o, "10.%d.0.%d:%d/udp\n",
					      net, i, 9000 + i);
	}
	return buf;
}

static void big_hit(int net, int i, int want_hit)
{
	char src[32], rule[48], desc[DESC_MAX];
	struct pkt_spec s;

	snprintf(src, sizeof(src), "10.%d.0.%d", net, i);
	if (i % 2)
		snprintf(rule, sizeof(rule), "10.%d.0.%d", net, i);
	else
		snprintf(rule, sizeof(rule), "10.%d.0.%d:%d/udp", net, i, 9000 + i);
	s = spec(4, src, IPPROTO_UDP, (uint16_t)(9000 + i));
	describe(desc, sizeof(desc), &s, want_hit ? "(big set)" : "(old big set)");
	run_spec(desc, &s, want_hit ? rule : NULL, 0);
}

static void test_capacity_transition(void)
{
	char *x = big_set(50), *y = big_set(51);
	struct applied a;

	apply_or_die("empty", "", 0, &a);
	apply_or_die("X", x, 0, &a);
	check_plan("empty -> X", &a, BIG_N, 0, 0);
	for (int i = 1; i <= BIG_N; i++)
		big_hit(50, i, 1);
	apply_or_die("Y", y, 0, &a);
	check_plan("X -> Y (delete first)", &a, BIG_N, BIG_N, 0);
	check_in_force("Y", BIG_N);
	for (int i = 1; i <= BIG_N; i++) {
		char rule[48];

		if (i % 2)
			snprintf(rule, sizeof(rule), "10.51.0.%d", i);
		else
			snprintf(rule, sizeof(rule), "10.51.0.%d:%d/udp", i, 9000 + i);
		check_fresh_counters("X -> Y", rule);
	}
	for (int i = 1; i <= BIG_N; i++) {
		big_hit(51, i, 1);
		big_hit(50, i, 0);
	}
	free(x);
	free(y);
}

/* ---- pkt.c: headers and checksums, checked independently ---- */

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

static void test_pkt_builder(void)
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
				fail("pkt: v4 %s opts %d: bad Ethernet/IPv4 header",
				     proto_name(protos4[i]), opt);
			if (protos4[i] != IPPROTO_ICMP) {
				ps = sum16(ip + 12, 8, 0);
				ps += protos4[i] + (uint32_t)(tot - ihl);
			}
			tl_checks++;
			if (sum16(ip + ihl, tot - ihl, ps) != 0xffff)
				fail("pkt: v4 %s opts %d: bad L4 checksum",
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
			fail("pkt: v6 %s: bad extension header chain",
			     proto_name(protos6[i]));
		ps = sum16(ip + 8, 32, 0) + protos6[i] + (uint32_t)(plen + 40 - l4);
		tl_checks++;
		if (sum16(ip + l4, plen + 40 - l4, ps) != 0xffff)
			fail("pkt: v6 %s: bad L4 checksum", proto_name(protos6[i]));
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
			fail("pkt: v6 non-first fragment: bad layout (%d bytes)",
			     len);
		s = spec(4, "10.9.8.7", IPPROTO_UDP, 1);
		s.frag = PKT_FRAG_NONFIRST;
		s.payload_len = 16;
		len = build(&s, f);
		tl_checks++;
		if (len != 14 + 20 + 16 || !((f[20] & 0x1f) | f[21]) ||
		    (f[20] & 0x20))
			fail("pkt: v4 non-first fragment: bad layout (%d bytes)",
			     len);
		s.frag = PKT_FRAG_FIRST;
		len = build(&s, f);
		tl_checks++;
		if (len != 14 + 20 + 8 + 16 || f[20] != 0x20 || f[21] != 0)
			fail("pkt: v4 first fragment: bad flags");
	}
	{
		struct pkt_spec s = spec(4, "10.9.8.7", IPPROTO_TCP, 1);

		tl_checks++;
		s.ip4_opt_len = 6;
		if (pkt_build(&s, f, sizeof(f)) != -EINVAL)
			fail("pkt: 6 bytes of options accepted");
		s.ip4_opt_len = 0;
		tl_checks++;
		if (pkt_build(&s, f, 40) != -ENOSPC)
			fail("pkt: a 40-byte buffer was enough for 59 bytes");
	}
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	struct applied a;
	int err;

	verbose = argc > 1 && !strcmp(argv[1], "-v");
	if (geteuid() != 0) {
		printf("test-xdp: not root, skipping\n");
		return TL_SKIP;
	}
	log_init();
	log_set_level(LOG_LVL_WARNING);
	log_bridge_libbpf();

	err = loader_load(&skel, NULL, MAX_RULES);
	if (err == -EPERM) {
		printf("test-xdp: loading BPF refused (EPERM), skipping\n");
		return TL_SKIP;
	}
	if (err) {
		fprintf(stderr, "test-xdp: loader_load: %s\n", strerror(-err));
		return 1;
	}
	err = kmaps_from_skel(&km, skel);
	if (err) {
		fprintf(stderr, "test-xdp: kmaps_from_skel: %s\n", strerror(-err));
		return 1;
	}
	prog_fd = bpf_program__fd(skel->progs.xdpfw_xdp);
	before.slots = calloc(km.capacity, sizeof(*before.slots));
	after.slots = calloc(km.capacity, sizeof(*after.slots));
	if (!before.slots || !after.slots) {
		fprintf(stderr, "test-xdp: out of memory\n");
		return 1;
	}
	ruleset_init(&cur);

	test_pkt_builder();

	/* Fresh maps: no rules, everything passes. */
	check_flags("fresh maps", 0);
	{
		static const struct target none[] = {
			{ 4, "10.1.0.1", 80, NULL, NULL, NULL },
			{ 6, "2001:db8:1::1", 80, NULL, NULL, NULL },
		};

		test_targets_light(none, 2);
	}

	apply_or_die("A", rules_a, 0, &a);
	check_plan("empty -> A", &a, RULES_A_N, 0, 0);
	check_in_force("A", RULES_A_N);
	check_flags("A", XDPFW_F_V4_EXACT | XDPFW_F_V4_PREFIX |
				 XDPFW_F_V4_PORT_EXACT | XDPFW_F_V4_PORT_PREFIX |
				 XDPFW_F_V6_EXACT | XDPFW_F_V6_PREFIX |
				 XDPFW_F_V6_PORT_EXACT | XDPFW_F_V6_PORT_PREFIX);
	check_targets_against_oracle(targets_a, N_TARGETS_A);
	test_matrix(targets_a, N_TARGETS_A);
	test_malformed();
	test_truncation();

	test_precedence_and_changes();
	test_skipped_lookups();
	test_each_kind_alone();
	test_capacity_transition();

	printf("test-xdp: %d frames run\n", n_cases);
	free(before.slots);
	free(after.slots);
	ruleset_free(&cur);
	kmaps_close(&km);
	xdpfw_bpf__destroy(skel);
	return tl_finish("test-xdp");
}
