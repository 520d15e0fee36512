// SPDX-License-Identifier: GPL-2.0-only
/*
 * The harness of the BPF_PROG_TEST_RUN tests (see xdprun.h): state, the
 * daemon's pipeline, one frame against its expectation and the frame model,
 * frame matrices (VLAN tags, IPv4 options and fragments, IPv6 extension
 * headers), truncation sweeps, checks of the plan and the slot table.
 */
#include "xdprun.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "compile.h"
#include "kverdict.h"
#include "loader.h"
#include "log.h"
#include "oracle.h"
#include "plan.h"
#include "ruleidx.h"
#include "stats.h"
#include "sync.h"
#include "testlib.h"
#include "v4tbl.h"
#include "xdpfw.skel.h"

#define ETH_HLEN_ 14

struct xdpfw_bpf *skel;
struct kmaps km;
int prog_fd;
struct ruleset cur;
int n_cases;
int verbose;
int xr_checks, xr_failures;
int off_model;
struct snap before, after;
static const char *xr_name = "xdprun";
static int xr_loaded;

void fail(const char *fmt, ...)
{
	va_list ap;

	xr_failures++;
	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- rules through the daemon's pipeline ---- */

int apply_rules(const char *text, int full, struct applied *res)
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
		res->key_writes = sr.writes.key_writes;
		res->slot_writes = sr.writes.slot_writes;
	}
	ruleset_free(&cur);
	cur = rs;
	ruleset_init(&rs);
out:
	ruleset_free(&rs);
	return err;
}

void apply_or_die(const char *what, const char *text, int full,
		  struct applied *res)
{
	int err = apply_rules(text, full, res);

	xr_checks++;
	if (err) {
		fail("applying rule set %s: %s", what, strerror(-err));
		exit(xr_finish());
	}
}

/* The slot table in runs of 3 entries at most, from its whole mapping:
 * the daemon's windows (kmaps_slot_run) in small. */
static const struct xdpfw_rule *small_run(void *ctx, uint32_t s, uint32_t *n)
{
	(void)ctx;
	if (s >= km.capacity) {
		errno = EINVAL;
		return NULL;
	}
	*n = km.capacity - s < 3 ? km.capacity - s : 3 - s % 3;
	return &km.table[s];
}

static int audit_run(struct audit *a, int small)
{
	int r = audit_begin(a, &km, AUDIT_ALL_MAPS, 1);

	if (small) {
		a->run = small_run;
		a->seen_max = 2; /* phase 0's keys compared 2 at a time */
	}
	while (r == 0)
		r = audit_step(a, &km, small ? 5 : 16384);
	return r;
}

uint32_t v4t_word_of(const char *addr)
{
	struct in_addr a;
	uint32_t w = 0;

	inet_pton(AF_INET, addr, &a);
	if (kmaps_v4tbl_word(&km, ntohl(a.s_addr) >> 8, &w))
		fail("reading the word of %s", addr);
	return w;
}

/* A UDP frame and an ICMP one from src: oracle, program and kverdict
 * agree. */
void probe_v4(const char *what, const char *src)
{
	struct kv_pkt kp = { .family = 4, .has_l4 = 1, .proto = IPPROTO_UDP,
			     .sport = 999 };
	const struct xdpfw_rule *want;
	struct kv_result res;
	uint8_t frame[FRAME_MAX];
	char desc[DESC_MAX];
	struct pkt_spec s;
	size_t len;
	int r;

	inet_pton(AF_INET, src, kp.addr);
	want = oracle(4, kp.addr, 1, IPPROTO_UDP, 999);
	s = spec(4, src, IPPROTO_UDP, 999);
	len = (size_t)build(&s, frame);
	snprintf(desc, sizeof(desc), "%s: udp from %s", what, src);
	run_frame(desc, frame, len, want, 0);
	s = spec(4, src, IPPROTO_ICMP, 0);
	len = (size_t)build(&s, frame);
	snprintf(desc, sizeof(desc), "%s: icmp from %s", what, src);
	run_frame(desc, frame, len, oracle(4, kp.addr, 0, 0, 0), 0);
	r = kverdict(&km, &kp, &res);
	xr_checks++;
	if (r || res.matched != !!want ||
	    (want && (int)res.slot != slot_of(want)))
		fail("%s: kverdict on %s: %d, matched %d slot %u", what, src, r,
		     res.matched, res.slot);
}

int v4t_words_wrong(size_t *bad)
{
	struct v4tbl_ix ix;
	int err = v4tbl_ix_build(&ix, km.table, NULL, km.capacity);

	*bad = 0;
	if (!err)
		err = kmaps_v4tbl_compare(&km, &ix, NULL, NULL, bad);
	v4tbl_ix_free(&ix);
	return err;
}

void check_v4t_table(const char *what)
{
	size_t bad;
	int err = v4t_words_wrong(&bad);

	xr_checks++;
	if (err || bad)
		fail("%s: the /24 table: %s, %zu words wrong", what,
		     strerror(-err), bad);
}

int audit_all(struct audit *a)
{
	struct audit s;
	int r = audit_run(a, 0), rs = audit_run(&s, 1);

	/* The same audit in small runs, key flushes and steps: the same
	 * findings. */
	xr_checks++;
	if (rs != r || s.missing != a->missing || s.foreign != a->foreign ||
	    s.rules != a->rules || s.keys != a->keys ||
	    s.needs_full != a->needs_full || s.v4_bad != a->v4_bad ||
	    s.filter_bad != a->filter_bad ||
	    s.upserts.n != a->upserts.n || s.deletes.n != a->deletes.n)
		fail("the audit in small runs (%d: %zu missing, %zu foreign, "
		     "%zu /24 words, %zu filter words) differs from the whole "
		     "(%d: %zu, %zu, %zu, %zu)", rs, s.missing, s.foreign, s.v4_bad,
		     s.filter_bad, r, a->missing, a->foreign, a->v4_bad,
		     a->filter_bad);
	audit_free(&s);
	return r;
}

int parse_rule(const char *text, struct xdpfw_rule *out)
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

int slot_of(const struct xdpfw_rule *r)
{
	for (uint32_t s = 0; s < km.capacity; s++)
		if (km.table[s].family && rule_equal(&km.table[s], r))
			return (int)s;
	return -1;
}

int slot_of_text(const char *text)
{
	struct xdpfw_rule r;

	if (parse_rule(text, &r))
		return -1;
	return slot_of(&r);
}

const char *fmt_slot(uint32_t s, char *buf, size_t len)
{
	if (s >= km.capacity || !km.table[s].family)
		snprintf(buf, len, "slot %u (free)", s);
	else
		rule_format(&km.table[s], buf, len);
	return buf;
}

/* ---- the oracle: SPEC §2, written independently of the datapath ---- */

const struct xdpfw_rule *oracle(int family, const uint8_t *src, int has_l4,
				uint8_t proto, uint16_t sport)
{
	return oracle_decide(cur.rules, cur.n, family, src, has_l4, proto,
			     sport);
}

/* ---- running one frame ---- */

int snapshot(struct snap *sn)
{
	int err = kmaps_read_counters(&km, sn->slots, sn->totals);

	if (err)
		fail("kmaps_read_counters: %s", strerror(-err));
	return err;
}

/* "drop by R", "pass by !R (reason N)", "pass (reason N)" */
static void fmt_outcome(const struct xdpfw_rule *r, int reason, char *buf,
			size_t len)
{
	char t[RULE_FMT_MAX];

	if (r)
		rule_format(r, t, sizeof(t));
	if (oracle_drops(r))
		snprintf(buf, len, "drop by %s", t);
	else if (r)
		snprintf(buf, len, "pass by %s (reason %d)", t, reason);
	else
		snprintf(buf, len, "pass (reason %d)", reason);
}

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
	char a[RULE_FMT_MAX + 32], b[RULE_FMT_MAX + 32];
	int m_reason, same;

	m = oracle_frame(cur.rules, cur.n, frame, len, &m_reason);
	/* The same rule counts; a passed frame also counts its reason. */
	same = m && want ? rule_equal(m, want) : !m && !want;
	if (same && (oracle_drops(want) || m_reason == reason))
		return;
	fmt_outcome(m, m_reason, a, sizeof(a));
	fmt_outcome(want, reason, b, sizeof(b));
	if (*wl < whylen)
		*wl += (size_t)snprintf(why + *wl, whylen - *wl,
					" [test bug: the frame model says %s, the case %s]",
					a, b);
}

void run_frame(const char *desc, const uint8_t *frame, size_t len,
	       const struct xdpfw_rule *want, int reason)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = (__u32)len, .repeat = 1);
	char why[1024], a[RULE_FMT_MAX], b[RULE_FMT_MAX];
	size_t wl = 0;
	int want_slot = -1, err, refused = len < ETH_HLEN_;
	int dropped = oracle_drops(want); /* an exception's frame passes */
	uint32_t want_verdict = dropped ? XDP_DROP : XDP_PASS;

#define WHY(...)                                                              \
	do {                                                                  \
		if (wl < sizeof(why))                                         \
			wl += (size_t)snprintf(why + wl, sizeof(why) - wl,    \
					       __VA_ARGS__);                  \
	} while (0)

	n_cases++;
	xr_checks++;
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
	/* Older kernels (5.10) run a frame shorter than Ethernet: then it is
	 * checked like any other (a PASS counted as bad_eth). */
	if (refused && !err)
		refused = 0;
	if (refused) {
		if (!err || errno != EINVAL)
			WHY(" test run of a %zu-byte frame: %s (expected EINVAL)",
			    len, err ? strerror(errno) : "accepted");
		want_verdict = 0;
		want = NULL;
		dropped = 0;
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
		int exp = oracle_total_delta(t, refused, dropped, reason);

		if (dp != (uint64_t)exp || db != (exp ? len : 0))
			WHY(" total %s +%llu pkts +%llu bytes (expected +%d/+%zu)",
			    xdpfw_total_name[t], (unsigned long long)dp,
			    (unsigned long long)db, exp, exp ? len : 0);
	}
#undef WHY
	if (wl) {
		xr_failures++;
		fprintf(stderr, "FAIL: %s (len %zu):%s\n", desc, len, why);
	} else if (verbose) {
		printf("ok: %s (len %zu)\n", desc, len);
	}
}

void run_spec(const char *desc, const struct pkt_spec *s,
	      const char *want_text, int reason)
{
	uint8_t frame[FRAME_MAX];
	struct xdpfw_rule want;
	int len = pkt_build(s, frame, sizeof(frame));

	if (len < 0) {
		xr_checks++;
		fail("test bug: %s: pkt_build: %s", desc, strerror(-len));
		return;
	}
	if (want_text && parse_rule(want_text, &want))
		return;
	run_frame(desc, frame, (size_t)len, want_text ? &want : NULL, reason);
}

void run_bytes(const char *desc, const uint8_t *frame, size_t len,
	       const char *want_text, int reason)
{
	struct xdpfw_rule want;

	if (want_text && parse_rule(want_text, &want))
		return;
	run_frame(desc, frame, len, want_text ? &want : NULL, reason);
}

int build(const struct pkt_spec *s, uint8_t *frame)
{
	int len = pkt_build(s, frame, FRAME_MAX);

	if (len < 0) {
		fail("test bug: pkt_build: %s", strerror(-len));
		exit(xr_finish());
	}
	return len;
}

void check_plan(const char *what, const struct applied *a,
		size_t added, size_t removed, size_t unchanged)
{
	xr_checks++;
	if (a->added != added || a->removed != removed ||
	    a->unchanged != unchanged)
		fail("%s: plan added %zu removed %zu unchanged %zu, expected "
		     "%zu/%zu/%zu",
		     what, a->added, a->removed, a->unchanged, added, removed,
		     unchanged);
}

long xr_oa_index(const struct kkey *k)
{
	return kmaps_oa_index(&km, k);
}

uint32_t *xr_oa_state(int t, uint32_t i)
{
	return kmaps_oa_state(&km, t, i);
}

int xr_drop_key(const struct kkey *k)
{
	long i = xr_oa_index(k);

	if (i >= 0) {
		int t = kmaps_oa_of(k->map);
		uint32_t *st = xr_oa_state(t, (uint32_t)i);

		*st = (*st & XDPFW_OA_OVF) | XDPFW_OA_TOMB;
		memset((uint8_t *)st - (t < OA_V6 ? 8 : 20), 0, t < OA_V6 ? 8 : 20);
		return 0;
	}
	return bpf_map_delete_elem(km.fd[k->map], k->b) ? -errno : 0;
}

size_t table_count(void)
{
	size_t n = 0;

	for (uint32_t s = 0; s < km.capacity; s++)
		n += km.table[s].family != 0;
	return n;
}

void check_in_force(const char *what, size_t n)
{
	xr_checks++;
	if (table_count() != n)
		fail("%s: slot table holds %zu rules, expected %zu", what,
		     table_count(), n);
}

void check_flags(const char *what, uint32_t want)
{
	uint32_t got;

	xr_checks++;
	if (kmaps_flags(&km, &got))
		fail("%s: cannot read the cfg flags", what);
	else if (got != want)
		fail("%s: cfg flags 0x%x, expected 0x%x", what, got, want);
}

void check_fresh_counters(const char *what, const char *rule)
{
	int slot = slot_of_text(rule);

	xr_checks++;
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


/* ---- set-up ---- */

uint32_t xr_max_rules = MAX_RULES;

int xr_setup(const char *name, int argc, char **argv)
{
	int err;

	xr_name = name;
	verbose = argc > 1 && !strcmp(argv[1], "-v");
	err = tl_bpf_load(name, LOG_LVL_WARNING, xr_max_rules, &skel, &km);
	if (err)
		return err; /* TL_SKIP or 1 */
	prog_fd = bpf_program__fd(skel->progs.xdpfw_xdp);
	before.slots = calloc(km.capacity, sizeof(*before.slots));
	after.slots = calloc(km.capacity, sizeof(*after.slots));
	if (!before.slots || !after.slots) {
		fprintf(stderr, "%s: out of memory\n", name);
		return 1;
	}
	ruleset_init(&cur);
	xr_loaded = 1;
	return -1;
}

int xr_finish(void)
{
	if (xr_loaded) {
		printf("%s: %d frames run\n", xr_name, n_cases);
		free(before.slots);
		free(after.slots);
		ruleset_free(&cur);
		kmaps_close(&km);
		xdpfw_bpf__destroy(skel);
		xr_loaded = 0;
	}
	printf("%s: %d checks, %d failed\n", xr_name, xr_checks, xr_failures);
	return xr_failures ? 1 : 0;
}
