// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target, differential: the real XDP program under
 * BPF_PROG_TEST_RUN against the reference model of test/oracle.c.
 *
 * LLVMFuzzerInitialize loads the program (private, unpinned maps) and fills
 * its maps through the daemon's pipeline (rules text -> ruleset ->
 * sync_apply_ruleset: plan, filters, kmaps_apply), as test/bpf/test-xdp.c
 * does, with a fixed rule set of every kind of entry and of exception.
 * Each input then becomes one frame (first byte: how, see build_frame()).
 * With XDPFW_FUZZ_RULES set, an input whose first byte is 3 (mod 4) first
 * brings its own rules text, applied through the same pipeline as a change
 * from the fixed set (see use_input_rules()); off by default: every change
 * rewrites the filter bitmaps, which under the coverage instrumentation
 * costs tens of milliseconds, against about a millisecond for a frame.  The program's verdict, the one rule counter that
 * moved (or none), and the totals (dropped / passed / the malformed
 * reason) must be what the model says: the blocking entry that drops the
 * frame, or the exception that saves it.  A disagreement prints the frame
 * (and input rules) and aborts.
 *
 * Needs root (BPF): without it, or when loading is refused with EPERM, it
 * exits 77 (meson: skipped).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmaps.h"
#include "loader.h"
#include "log.h"
#include "oracle.h"
#include "pkt.h"
#include "rules.h"
#include "stats.h"
#include "sync.h"
#include "testlib.h"
#include "xdpfw.skel.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RULES 64
#define INPUT_RULES_MAX 24 /* a mode-3 input's; the fixed set has the rest */
#define FRAME_MAX 1518 /* an Ethernet frame with one tag, FCS stripped */
#define ETH_MIN 14

/* Every kind of entry, nested so that precedence matters: exact inside a
 * prefix, ports inside address prefixes, short prefixes that only the
 * port bits or the wild IPv6 flag let through, sources from anywhere.
 * Then exceptions ("!"): of every kind, inside and around the blocks, more
 * and less specific than them, port against address, a protocol against
 * any, and some that no block needs. */
static const char fuzz_rules[] =
	"10.1.0.1\n"
	"10.2.0.0/16\n"
	"10.2.7.7\n"
	"10.6.45.3\n"
	"10.7.200.0/22\n"
	"10.3.0.1:1000\n"
	"10.3.0.2:2000/tcp\n"
	"10.3.0.3:3000/udp\n"
	"10.2.7.7:7000/tcp\n"
	"10.4.0.0/24:4000\n"
	"10.4.1.0/24:4001/tcp\n"
	"10.0.0.0/8:53/udp\n"
	"0.0.0.0/0:11211/udp\n"
	"0.0.0.0/0:19\n"
	"2001:db8:1::1\n"
	"2001:db8:2::/48\n"
	"3ffe::/16\n"
	"[2001:db8:3::1]:5000\n"
	"[2001:db8:3::2]:5001/tcp\n"
	"[2001:db8:3::3]:5002/udp\n"
	"[2001:db8:2::7]:7000/tcp\n"
	"[2001:db8:4::/48]:6000\n"
	"[2001:db8:5::/64]:6001/udp\n"
	"[2001::/16]:443/tcp\n"
	"[::/0]:123/udp\n"
	"!10.2.7.0/24\n"
	"!10.2.7.7:7000/tcp\n"
	"!10.3.0.2:2000/tcp\n"
	"!10.4.0.64/26:4000/tcp\n"
	"!10.0.0.0/8:53\n"
	"!10.6.45.3:80\n"
	"!198.51.100.128/25:11211/udp\n"
	"!0.0.0.0/1:19/tcp\n"
	"!10.12.0.0/16\n"
	"!2001:db8:2:1::/64\n"
	"![2001:db8:2::7]:7000/tcp\n"
	"![2001:db8:4::/48]:6000/udp\n"
	"!3ffe:1::/32\n"
	"![2001:db8::/32]:123\n"
	"!2001:db8:9::/48\n";

/* Sources and ports of the structured frames: on, beside and off the
 * rules above. */
static const char *const src4[] = {
	"10.1.0.1",   "10.1.0.2",     "10.2.0.0",    "10.2.255.255",
	"10.2.7.7",   "10.6.45.3",    "10.6.44.3",   "10.7.203.255",
	"10.7.204.0", "10.3.0.1",     "10.3.0.2",    "10.3.0.3",
	"10.4.0.77",  "10.4.1.9",     "10.4.2.1",    "10.9.9.9",
	"11.0.0.1",   "198.51.100.7", "192.0.2.1",   "0.0.0.0",
	"10.2.7.8",   "10.4.0.63",    "10.12.0.1",   "200.0.0.1",
	"198.51.100.200",
};
static const char *const src6[] = {
	"2001:db8:1::1",     "2001:db8:1::2",
	"2001:db8:2::",      "2001:db8:2:ffff:ffff:ffff:ffff:ffff",
	"2001:db8:2::7",     "2001:db8:3::1",
	"2001:db8:3::2",     "2001:db8:3::3",
	"2001:db8:4:0:1::9", "2001:db8:5::1",
	"2001:db8:5:1::1",   "2001:1::1",
	"3ffe:1::1",         "3fff::1",
	"2001:db9::1",       "fe80::1",
	"::1",               "::ffff:10.1.0.1",
	"2001:db8:2:1::5",   "2001:db8:9::1",
	"2001:db8:4:1::1",   "3ffe:1:ffff::1",
};
static const uint16_t ports[] = {
	1000, 2000, 3000, 7000, 4000, 4001, 53, 11211, 19,
	5000, 5001, 5002, 6000, 6001, 443,  123, 80,   65535,
	22,
};
static const uint8_t ext_types[] = {
	IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT,
	IPPROTO_AH,
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static struct xdpfw_bpf *skel;
static struct kmaps km;
static int prog_fd;
static struct ruleset fixed;   /* fuzz_rules */
static struct ruleset input;   /* the rules of the last mode-3 input */
static const struct ruleset *in_force;
static uint32_t slot_of_rule[MAX_RULES]; /* in_force->rules[i] -> slot */
static int trace; /* XDPFW_FUZZ_TRACE set: print each input's outcome */
static int rules_mode; /* XDPFW_FUZZ_RULES set: mode 3 brings rules */
static struct xdpfw_counter *slots_before, *slots_after;
static struct xdpfw_counter totals_before[XDPFW_TOTAL_MAX];
static struct xdpfw_counter totals_after[XDPFW_TOTAL_MAX];

/*
 * The program's paths are invisible to the coverage instrumentation, so each
 * outcome of the model (which rule, which reason, family, L4 header or not)
 * is a feature of its own, through libFuzzer's extra counters: an input that
 * reaches a rule or a reason no input reached before joins the corpus.
 */
#define N_OUTCOMES ((MAX_RULES + 1) * XDPFW_TOTAL_MAX * 3 * 2)
__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t outcome_seen[N_OUTCOMES];

static void note_outcome(const uint8_t *frame, size_t len, int want_slot,
			 int reason)
{
	struct oracle_pkt p;
	size_t i;

	oracle_parse_frame(frame, len, &p);
	i = (size_t)(want_slot + 1) % (MAX_RULES + 1);
	i = i * XDPFW_TOTAL_MAX + (size_t)reason % XDPFW_TOTAL_MAX;
	i = i * 3 + (p.family == XDPFW_FAMILY_V4 ? 1 :
		     p.family == XDPFW_FAMILY_V6 ? 2 : 0);
	i = i * 2 + p.has_l4;
	outcome_seen[i]++;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void setup_fail(const char *what, int err)
{
	fprintf(stderr, "fuzz-xdp: %s: %s\n", what, strerror(-err));
	exit(1);
}

/* Make rules the set in force, through the daemon's pipeline (a change
 * from the set in force: the plan, filters, kmaps_apply); then where each
 * rule lives in the slot table.  0, or -errno of sync_apply_ruleset(). */
static int apply_set(const struct ruleset *rules)
{
	struct sync_result sr;
	int err;

	memset(&sr, 0, sizeof(sr));
	in_force = NULL;
	err = sync_apply_ruleset(&km, rules, SYNC_INCREMENTAL, &sr);
	if (err)
		return err;
	for (size_t i = 0; i < rules->n; i++) {
		uint32_t s;

		for (s = 0; s < km.capacity; s++)
			if (km.table[s].family &&
			    rule_equal(&km.table[s], &rules->rules[i]))
				break;
		if (s == km.capacity)
			return -ENOENT;
		slot_of_rule[i] = s;
	}
	in_force = rules;
	return 0;
}

static void use_fixed_rules(void)
{
	int err;

	if (in_force == &fixed)
		return;
	err = apply_set(&fixed);
	if (err) {
		fprintf(stderr, "fuzz-xdp: back to the fixed rule set: %s\n",
			strerror(-err));
		abort();
	}
}

static void load_rules(void)
{
	int err;

	ruleset_init(&fixed);
	ruleset_init(&input);
	err = rules_parse_buffer(&fixed, "fuzz-rules", fuzz_rules,
				 sizeof(fuzz_rules) - 1);
	if (err)
		setup_fail("rules_parse_buffer", err);
	if (fixed.n_errors || fixed.n != count_lines(fuzz_rules) ||
	    fixed.n > MAX_RULES - INPUT_RULES_MAX)
		setup_fail("the fixed rule set does not parse", -EINVAL);
	err = apply_set(&fixed);
	if (err)
		setup_fail("applying the fixed rule set", err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int err;

	(void)argc;
	(void)argv;
	err = tl_bpf_load("fuzz-xdp", LOG_LVL_WARNING, MAX_RULES, &skel, &km);
	if (err == TL_SKIP)
		exit(TL_SKIP);
	if (err)
		exit(1); /* tl_bpf_load said why */
	prog_fd = bpf_program__fd(skel->progs.xdpfw_xdp);
	slots_before = calloc(km.capacity, sizeof(*slots_before));
	slots_after = calloc(km.capacity, sizeof(*slots_after));
	if (!slots_before || !slots_after)
		setup_fail("calloc", -ENOMEM);
	load_rules();
	trace = getenv("XDPFW_FUZZ_TRACE") != NULL;
	rules_mode = getenv("XDPFW_FUZZ_RULES") != NULL;
	return 0;
}

/*
 * A mode-3 input's rules text: its valid entries (invalid lines are left
 * out, as on_invalid = skip does) become the set in force, applied as a
 * change from the fixed set, so that the same input always meets the same
 * maps.  At most INPUT_RULES_MAX entries, so that both sets fit at once.
 * Returns 0, or -1 for text that makes no set to test.
 */
static int use_input_rules(const char *text, size_t len)
{
	int err;

	use_fixed_rules();
	ruleset_free(&input);
	ruleset_init(&input);
	if (rules_parse_buffer(&input, "fuzz-input", text, len) ||
	    input.n > INPUT_RULES_MAX)
		return -1;
	err = apply_set(&input);
	if (err) {
		fprintf(stderr, "fuzz-xdp: applying the input's %zu rules: %s\n",
			input.n, strerror(-err));
		abort();
	}
	return 0;
}

/* ---- inputs to frames ---- */

static uint8_t byte_at(const uint8_t *d, size_t n, size_t i)
{
	return i < n ? d[i] : 0;
}

#define DESC_BYTES 10

/*
 * A mostly valid frame from the first DESC_BYTES bytes of d:
 *   0  bit 0 family (4/6), bits 1-2 protocol (TCP, UDP, ICMP, other),
 *      bits 3-4 VLAN tags (0..3), bits 5-6 fragment (none/first/non-first),
 *      bit 7 802.1ad outer tag
 *   1  source (a table of addresses on and around the rules)
 *   2-3  source port: bit 7 of byte 2 set: raw 15 bits, else a table
 *   4  IPv4 option words (0..10) / number of IPv6 extension headers (0..8)
 *   5-7  extension header types, 3 bits each
 *   8  payload length (0..47)
 * Returns the length, or -1 when pkt_build() refuses the combination.
 */
static int build_spec_frame(const uint8_t *d, size_t n, uint8_t *frame)
{
	static const uint8_t other[2] = { 47 /* GRE */, IPPROTO_NONE };
	uint8_t b[DESC_BYTES];
	struct pkt_spec s;
	uint32_t ext;
	int v6;

	for (size_t i = 0; i < DESC_BYTES; i++)
		b[i] = byte_at(d, n, i);
	memset(&s, 0, sizeof(s));
	v6 = b[0] & 1;
	s.family = v6 ? 6 : 4;
	switch ((b[0] >> 1) & 3) {
	case 0:
		s.l4proto = IPPROTO_TCP;
		break;
	case 1:
		s.l4proto = IPPROTO_UDP;
		break;
	case 2:
		s.l4proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		break;
	default:
		s.l4proto = other[v6];
	}
	s.n_vlan = (b[0] >> 3) & 3;
	for (int i = 0; i < s.n_vlan; i++)
		s.vlan_tpid[i] = i == 0 && (b[0] & 0x80) ? 0x88a8 : 0x8100;
	s.frag = (enum pkt_frag)(((b[0] >> 5) & 3) % 3);
	s.src = v6 ? src6[b[1] % N_OF(src6)] : src4[b[1] % N_OF(src4)];
	s.dst = v6 ? "2001:db8:ffff::2" : "192.0.2.2";
	s.sport = b[2] & 0x80 ? (uint16_t)((b[2] & 0x7f) << 8 | b[3]) :
				ports[b[3] % N_OF(ports)];
	s.dport = 33333;
	if (v6) {
		s.n_ip6_ext = b[4] % (PKT_MAX_IP6_EXT + 1);
		ext = (uint32_t)b[5] | (uint32_t)b[6] << 8 | (uint32_t)b[7] << 16;
		for (int i = 0; i < s.n_ip6_ext; i++)
			s.ip6_ext[i] = ext_types[((ext >> (3 * i)) & 7) %
						 N_OF(ext_types)];
	} else {
		s.ip4_opt_len = (b[4] % 11) * 4;
	}
	s.payload_len = b[8] % 48;
	return pkt_build(&s, frame, FRAME_MAX);
}

/*
 * Byte 0 of the input chooses how the rest becomes a frame (mod 4):
 *   0  raw: the rest is the frame (3 too, after a mode-3 input's rules
 *      or without XDPFW_FUZZ_RULES);
 *   1  a built frame (build_spec_frame), then (offset, value) pairs
 *      overwrite single bytes, then byte 9 cuts that many bytes off the end;
 *   2  a built frame, then the rest overwrites it from offset byte 9 on
 *      (and may lengthen it).
 * Returns the length, or -1 for an input that makes no frame.
 */
static int build_frame(const uint8_t *data, size_t size, uint8_t *frame)
{
	const uint8_t *d = data + 1, *rest;
	size_t n = size ? size - 1 : 0, nrest, len, at;
	int built;

	if (!size)
		return -1;
	if (data[0] % 4 == 0 || data[0] % 4 == 3) {
		len = n < FRAME_MAX ? n : FRAME_MAX;
		memcpy(frame, d, len);
		return (int)len;
	}
	built = build_spec_frame(d, n, frame);
	if (built <= 0)
		return -1;
	len = (size_t)built;
	rest = n > DESC_BYTES ? d + DESC_BYTES : d + n;
	nrest = n > DESC_BYTES ? n - DESC_BYTES : 0;
	at = byte_at(d, n, DESC_BYTES - 1);
	if (data[0] % 4 == 1) {
		for (size_t i = 0; i + 1 < nrest; i += 2)
			frame[rest[i] % len] = rest[i + 1];
		return (int)(len - at % (len + 1));
	}
	at %= len + 1;
	for (size_t i = 0; i < nrest && at + i < FRAME_MAX; i++)
		frame[at + i] = rest[i];
	if (at + nrest > len)
		len = at + nrest < FRAME_MAX ? at + nrest : FRAME_MAX;
	return (int)len;
}

/* ---- one frame against the model ---- */

static void __attribute__((noreturn))
mismatch(const uint8_t *frame, size_t len, const char *what,
	 const struct xdpfw_rule *want, int reason)
{
	char r[RULE_FMT_MAX] = "none";

	if (want)
		rule_format(want, r, sizeof(r));
	fprintf(stderr, "fuzz-xdp: %s\n  model: %s, reason %d\n  frame (%zu bytes):",
		what, oracle_drops(want) ? "drop" :
		      want ? "pass (saved by an exception)" : "pass",
		reason, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", frame[i]);
	fprintf(stderr, "\n  model's rule: %s\n", r);
	if (in_force == &input) {
		fprintf(stderr, "  rules in force (the input's):\n");
		for (size_t i = 0; i < input.n; i++) {
			rule_format(&input.rules[i], r, sizeof(r));
			fprintf(stderr, "    %s\n", r);
		}
	}
	abort();
}

static void read_counters(struct xdpfw_counter *slots,
			  struct xdpfw_counter *totals)
{
	int err = kmaps_read_counters(&km, slots, totals);

	if (err) {
		fprintf(stderr, "fuzz-xdp: kmaps_read_counters: %s\n",
			strerror(-err));
		abort();
	}
}

/* Exactly want_slot (-1: none) counted {1, len}; DROPPED (want is a
 * blocking entry) or PASSED (no rule, or an exception saved it) and on a
 * pass the reason counted {1, len}; nothing else (nothing at all for a
 * refused frame). */
static void check_counters(const uint8_t *frame, size_t len, int refused,
			   const struct xdpfw_rule *want, int want_slot,
			   int reason)
{
	char what[160];

	for (uint32_t s = 0; s < km.capacity; s++) {
		uint64_t dp = slots_after[s].packets - slots_before[s].packets;
		uint64_t db = slots_after[s].bytes - slots_before[s].bytes;
		int exp = !refused && (int)s == want_slot;

		if (dp == (uint64_t)exp && db == (exp ? len : 0))
			continue;
		snprintf(what, sizeof(what),
			 "slot %u counted +%llu packets +%llu bytes, expected +%d",
			 s, (unsigned long long)dp, (unsigned long long)db, exp);
		mismatch(frame, len, what, want, reason);
	}
	for (int t = 0; t < XDPFW_TOTAL_MAX; t++) {
		uint64_t dp = totals_after[t].packets - totals_before[t].packets;
		uint64_t db = totals_after[t].bytes - totals_before[t].bytes;
		int exp = oracle_total_delta(t, refused, oracle_drops(want),
					     reason);

		if (dp == (uint64_t)exp && db == (exp ? len : 0))
			continue;
		snprintf(what, sizeof(what),
			 "total %s counted +%llu packets +%llu bytes, expected +%d",
			 xdpfw_total_name[t], (unsigned long long)dp,
			 (unsigned long long)db, exp);
		mismatch(frame, len, what, want, reason);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[FRAME_MAX];
	const struct xdpfw_rule *want;
	int len, reason, err, run_errno, refused, want_slot = -1;

	/* Mode 3: rules text, a NUL, then a frame input of modes 0-2 (without
	 * XDPFW_FUZZ_RULES: a raw frame). */
	if (rules_mode && size && data[0] % 4 == 3) {
		const uint8_t *nul = memchr(data + 1, 0, size - 1);

		if (!nul || use_input_rules((const char *)data + 1,
					    (size_t)(nul - data - 1)))
			return 0;
		size -= (size_t)(nul + 1 - data);
		data = nul + 1;
	} else {
		use_fixed_rules();
	}
	len = build_frame(data, size, frame);
	if (len < 0)
		return 0;
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
			    .data_size_in = (__u32)len, .repeat = 1);

		want = oracle_frame(in_force->rules, in_force->n, frame,
				    (size_t)len, &reason);
		if (want)
			want_slot = (int)slot_of_rule[want - in_force->rules];
		note_outcome(frame, (size_t)len, want_slot, reason);
		if (trace) {
			char r[RULE_FMT_MAX] = "-";

			if (want)
				rule_format(want, r, sizeof(r));
			fprintf(stderr, "fuzz-xdp: %d bytes, %s rules: %s by %s, "
				"reason %d\n", len,
				in_force == &input ? "input" : "fixed",
				oracle_drops(want) ? "drop" : "pass", r, reason);
		}
		read_counters(slots_before, totals_before);
		err = bpf_prog_test_run_opts(prog_fd, &opts);
		run_errno = errno;
		read_counters(slots_after, totals_after);

		/* The kernel refuses a test run shorter than an Ethernet
		 * header: nothing runs, nothing counts. */
		refused = len < ETH_MIN;
		if (refused && (!err || run_errno != EINVAL))
			mismatch(frame, (size_t)len,
				 "a frame shorter than Ethernet was not refused",
				 want, reason);
		if (!refused && err)
			mismatch(frame, (size_t)len, strerror(run_errno), want,
				 reason);
		if (!refused &&
		    opts.retval != (oracle_drops(want) ? XDP_DROP : XDP_PASS))
			mismatch(frame, (size_t)len,
				 opts.retval == XDP_DROP ? "the program dropped it" :
				 opts.retval == XDP_PASS ? "the program passed it" :
							   "the program returned another verdict",
				 want, reason);
	}
	check_counters(frame, (size_t)len, refused, want, want_slot, reason);
	return 0;
}
