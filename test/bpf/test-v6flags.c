// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPv6 flags table (xdpfw_v6_flags, layout 7) on the real XDP program
 * under BPF_PROG_TEST_RUN, maps filled by the daemon's own pipeline
 * (xdprun.h).  Each blocking IPv6 entry sets one flag, naming its lookup,
 * in the byte of its /48 (/32 when shorter), and the program makes only
 * the lookups the flags of the packet's bytes name:
 *   - rule set F: one entry of each flag in a /32 of its own; each byte
 *     holds exactly its flag; every target against the oracle, and
 *     explain (kverdict.c) agrees;
 *   - each flag sends to its lookup: with the byte rewritten to every
 *     other flag the entry's packet passes, with its flag alone it is
 *     dropped again (program and explain);
 *   - SUM32: the /48 byte and the /32 byte OR-ed (a /32 prefix and an
 *     address in one of its /48s);
 *   - a collision: two /48s in one byte, each entry's flag sending the
 *     other's packets to a lookup that misses;
 *   - a stale flag after an incremental removal: a lookup that misses,
 *     no drop; a full re-sync clears it;
 *   - a flag cleared behind the daemon's back: verify's and the audit's
 *     comparison (kmaps_filters_compare) find it, a stale extra flag is no
 *     error, a full re-sync puts it back.
 * Needs root (BPF); exits 77 when it is not.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "kmaps.h"
#include "kverdict.h"
#include "xdprun.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char rules_f[] =
	"2a01:1:1::1\n"                 /* EXACT */
	"[2a02:2:2::2]:80\n"            /* EP_TCP | EP_UDP */
	"[2a0d:d:d::d]:53/udp\n"        /* EP_UDP */
	"[2a03:3:3::/48]:90/udp\n"      /* PP at its /48 */
	"[2a04:4:4000::/36]:100/tcp\n"  /* PP at its /32 */
	"2a05:5:5:5::/64\n"             /* C64 */
	"2a06:6:6:600::/56\n"           /* C56 */
	"2a07:7:7::/48\n"               /* C48 */
	"2a08:8::/32\n"                 /* C32 (in the /32 byte) */
	"2a08:8:1::1\n"                 /* EXACT in a /48 of the /32 */
	"2a09:9:9::/52\n"               /* ODD at its /48 */
	"2a0a:a:a000::/36\n"            /* ODD at its /32 */
	"2a0b:b:b:b:b::/80\n";          /* ODD at its /48 */

/* Where each entry's flag sits, and a packet only that entry drops. */
static const struct entry {
	const char *rule, *at;
	unsigned cls;
	uint32_t flag;
	const char *src;
	uint16_t sport;
	uint8_t proto;
} entries[] = {
	{ "2a01:1:1::1", "2a01:1:1::", 48, XDPFW_V6F_EXACT, "2a01:1:1::1", 1,
	  IPPROTO_TCP },
	{ "[2a02:2:2::2]:80", "2a02:2:2::", 48, XDPFW_V6F_EP, "2a02:2:2::2",
	  80, IPPROTO_TCP },
	{ "[2a0d:d:d::d]:53/udp", "2a0d:d:d::", 48, XDPFW_V6F_EP_UDP,
	  "2a0d:d:d::d", 53, IPPROTO_UDP },
	{ "[2a03:3:3::/48]:90/udp", "2a03:3:3::", 48, XDPFW_V6F_PP48,
	  "2a03:3:3:ff::1", 90, IPPROTO_UDP },
	{ "[2a04:4:4000::/36]:100/tcp", "2a04:4::", 32, XDPFW_V6F_PP32,
	  "2a04:4:4fff::1", 100, IPPROTO_TCP },
	{ "2a05:5:5:5::/64", "2a05:5:5::", 48, XDPFW_V6F_C64,
	  "2a05:5:5:5:ffff::1", 1, IPPROTO_TCP },
	{ "2a06:6:6:600::/56", "2a06:6:6::", 48, XDPFW_V6F_C56,
	  "2a06:6:6:6ff::1", 1, IPPROTO_TCP },
	{ "2a07:7:7::/48", "2a07:7:7::", 48, XDPFW_V6F_C48,
	  "2a07:7:7:ffff::1", 1, IPPROTO_TCP },
	{ "2a08:8::/32", "2a08:8::", 32, XDPFW_V6F_C32, "2a08:8:ffff::1", 1,
	  IPPROTO_TCP },
	{ "2a09:9:9::/52", "2a09:9:9::", 48, XDPFW_V6F_ODD48,
	  "2a09:9:9:fff::1", 1, IPPROTO_TCP },
	{ "2a0a:a:a000::/36", "2a0a:a::", 32, XDPFW_V6F_ODD32,
	  "2a0a:a:afff::1", 1, IPPROTO_TCP },
	{ "2a0b:b:b:b:b::/80", "2a0b:b:b::", 48, XDPFW_V6F_ODD48,
	  "2a0b:b:b:b:b:ffff::1", 1, IPPROTO_TCP },
};

static const struct target targets_f[] = {
	{ 6, "2a01:1:1::1", 1, "2a01:1:1::1", "2a01:1:1::1", "2a01:1:1::1" },
	{ 6, "2a01:1:1::2", 1, NULL, NULL, NULL },
	{ 6, "2a02:2:2::2", 80, "[2a02:2:2::2]:80", "[2a02:2:2::2]:80", NULL },
	{ 6, "2a02:2:2::2", 81, NULL, NULL, NULL },
	{ 6, "2a0d:d:d::d", 53, NULL, "[2a0d:d:d::d]:53/udp", NULL },
	{ 6, "2a03:3:3:ff::1", 90, NULL, "[2a03:3:3::/48]:90/udp", NULL },
	{ 6, "2a04:4:4fff::1", 100, "[2a04:4:4000::/36]:100/tcp", NULL, NULL },
	{ 6, "2a04:4:3fff::1", 100, NULL, NULL, NULL },
	{ 6, "2a05:5:5:5:ffff::1", 1, "2a05:5:5:5::/64", "2a05:5:5:5::/64",
	  "2a05:5:5:5::/64" },
	{ 6, "2a05:5:5:6::1", 1, NULL, NULL, NULL },
	{ 6, "2a06:6:6:6ff::1", 1, "2a06:6:6:600::/56", "2a06:6:6:600::/56",
	  "2a06:6:6:600::/56" },
	{ 6, "2a06:6:6:700::1", 1, NULL, NULL, NULL },
	{ 6, "2a07:7:7:ffff::1", 1, "2a07:7:7::/48", "2a07:7:7::/48",
	  "2a07:7:7::/48" },
	{ 6, "2a07:7:8::1", 1, NULL, NULL, NULL },
	{ 6, "2a08:8:ffff::1", 1, "2a08:8::/32", "2a08:8::/32",
	  "2a08:8::/32" },
	/* SUM32: the /48 byte says EXACT, the /32 byte C32 */
	{ 6, "2a08:8:1::1", 1, "2a08:8:1::1", "2a08:8:1::1", "2a08:8:1::1" },
	{ 6, "2a08:8:1::2", 1, "2a08:8::/32", "2a08:8::/32", "2a08:8::/32" },
	{ 6, "2a09:9:9:fff::1", 1, "2a09:9:9::/52", "2a09:9:9::/52",
	  "2a09:9:9::/52" },
	{ 6, "2a09:9:9:1000::1", 1, NULL, NULL, NULL },
	{ 6, "2a0a:a:afff::1", 1, "2a0a:a:a000::/36", "2a0a:a:a000::/36",
	  "2a0a:a:a000::/36" },
	{ 6, "2a0a:a:9fff::1", 1, NULL, NULL, NULL },
	{ 6, "2a0b:b:b:b:b:ffff::1", 1, "2a0b:b:b:b:b::/80",
	  "2a0b:b:b:b:b::/80", "2a0b:b:b:b:b::/80" },
	{ 6, "2a0b:b:b:b:c::1", 1, NULL, NULL, NULL },
};

static void addr_of(const char *text, uint32_t a[4])
{
	if (inet_pton(AF_INET6, text, a) != 1) {
		fail("bad test address %s", text);
		exit(xr_finish());
	}
}

/* The byte of text cut at /cls in the kernel's xdpfw_v6_flags. */
static uint32_t byte_idx(const char *text, unsigned cls)
{
	uint32_t a[4];

	addr_of(text, a);
	return xdpfw_v6s_hash(a, cls) >> (32 - XDPFW_V6F_LOG);
}

static uint32_t get_byte(uint32_t idx)
{
	return (uint32_t)(km.filter[FMAP_V6F][idx >> 3] >> ((idx & 7) * 8)) &
	       0xff;
}

static void set_byte(uint32_t idx, uint32_t v)
{
	uint64_t *w = &km.filter[FMAP_V6F][idx >> 3];
	unsigned sh = (idx & 7) * 8;

	*w = (*w & ~(0xffull << sh)) | (uint64_t)v << sh;
}

/* Explain (kverdict.c) gives slot of rule want (NULL: no match). */
static void check_explain1(const char *src, uint8_t proto, uint16_t sport,
			   const char *want)
{
	struct kv_pkt p = { .family = 6, .has_l4 = 1, .proto = proto,
			    .sport = sport };
	struct kv_result v;
	int s = want ? slot_of_text(want) : -1;

	addr_of(src, (uint32_t *)p.addr);
	xr_checks++;
	if (kverdict(&km, &p, &v)) {
		fail("explain %s: no verdict", src);
		return;
	}
	if ((s < 0 && v.matched) ||
	    (s >= 0 && (!v.matched || v.slot != (uint32_t)s)))
		fail("explain %s %s/%u: %s slot %u, want %s", src,
		     proto_name(proto), sport, v.matched ? "matched" : "no match",
		     v.slot, want ? want : "none");
}

static void check_explain(const struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		check_explain1(t[i].src, IPPROTO_TCP, t[i].sport, t[i].r_tcp);
		check_explain1(t[i].src, IPPROTO_UDP, t[i].sport, t[i].r_udp);
	}
}

/* The program and explain on one entry's packet: want (NULL: a pass). */
static void run_entry(const char *what, const struct entry *e,
		      const char *want)
{
	struct pkt_spec s = spec(6, e->src, e->proto, e->sport);
	char desc[DESC_MAX];

	snprintf(desc, sizeof(desc), "%s: %s %s/%u", what, e->src,
		 proto_name(e->proto), e->sport);
	run_spec(desc, &s, want, 0);
	check_explain1(e->src, e->proto, e->sport, want);
}

/* e's flag as its byte holds it (the /32 byte: bits 8-15). */
static uint32_t byte_flag(const struct entry *e)
{
	return e->cls == 32 ? e->flag >> 8 : e->flag;
}

/* Each byte holds exactly the flags of its entries. */
static void test_bytes(const char *what)
{
	for (size_t i = 0; i < N_OF(entries); i++) {
		const struct entry *e = &entries[i];
		uint32_t want = byte_flag(e), got;

		/* 2a08:8:1::1 shares no byte; the /32's C32 is alone */
		got = get_byte(byte_idx(e->at, e->cls));
		xr_checks++;
		if (got != want)
			fail("%s: flags of %s at /%u: 0x%02x, want 0x%02x", what,
			     e->at, e->cls, got, want);
	}
	xr_checks++;
	if (get_byte(byte_idx("2a08:8:1::", 48)) != XDPFW_V6F_EXACT)
		fail("%s: flags of 2a08:8:1:: at /48: 0x%02x, want EXACT", what,
		     get_byte(byte_idx("2a08:8:1::", 48)));
}

/* Each flag sends to its lookup, and only it. */
static void test_each_flag(void)
{
	off_model = 1;
	for (size_t i = 0; i < N_OF(entries); i++) {
		const struct entry *e = &entries[i];
		uint32_t idx = byte_idx(e->at, e->cls), old = get_byte(idx);

		set_byte(idx, 0xff & ~byte_flag(e));
		run_entry("every other flag", e, NULL);
		set_byte(idx, byte_flag(e));
		run_entry("its flag alone", e, e->rule);
		set_byte(idx, old);
		if (e->flag != XDPFW_V6F_C32)
			continue;
		/* C32 counts only in the /32 byte (PP and ODD lead to the
		 * same lookup from either byte) */
		idx = byte_idx(e->src, 48);
		old = get_byte(idx);
		set_byte(byte_idx(e->at, 32), 0);
		set_byte(idx, 0xff);
		run_entry("every flag in the /48 byte, none in the /32's", e,
			  NULL);
		set_byte(idx, old);
		set_byte(byte_idx(e->at, 32), byte_flag(e));
	}
	off_model = 0;
}

/* Two /48s of 2a0c::/16 whose bytes are one (xdpfw_v6s_hash). */
static void find_collision(char *a48, char *b48, size_t len)
{
	uint32_t *seen = calloc(1u << XDPFW_V6F_LOG, sizeof(uint32_t));

	if (!seen) {
		fail("no memory");
		exit(xr_finish());
	}
	for (uint32_t k = 1; k < (1u << 24); k++) {
		uint32_t a[4] = { htonl(0x2a0c0000u | (k >> 16)),
				  htonl((k & 0xffffu) << 16), 0, 0 };
		uint32_t idx = xdpfw_v6s_hash(a, 48) >> (32 - XDPFW_V6F_LOG);

		if (seen[idx]) {
			uint32_t j = seen[idx];

			snprintf(a48, len, "2a0c:%x:%x", j >> 16, j & 0xffffu);
			snprintf(b48, len, "2a0c:%x:%x", k >> 16, k & 0xffffu);
			free(seen);
			return;
		}
		seen[idx] = k;
	}
	fail("no two /48s share a flags byte");
	exit(xr_finish());
}

static void test_collision(void)
{
	char a[32], b[32], text[2048], r_a[64], r_b[64], s[4][64];
	struct applied ap;

	find_collision(a, b, sizeof(a));
	snprintf(r_a, sizeof(r_a), "%s::1", a);
	snprintf(r_b, sizeof(r_b), "%s:1::/64", b);
	snprintf(text, sizeof(text), "%s%s\n%s\n", rules_f, r_a, r_b);
	apply_or_die("F + collision", text, 0, &ap);
	xr_checks++;
	if (get_byte(byte_idx(r_a, 48)) != (XDPFW_V6F_EXACT | XDPFW_V6F_C64))
		fail("%s and %s: byte 0x%02x, want EXACT | C64", a, b,
		     get_byte(byte_idx(r_a, 48)));
	snprintf(s[0], sizeof(s[0]), "%s::1", a);
	snprintf(s[1], sizeof(s[1]), "%s:1::1", a); /* the /64 of b, in a */
	snprintf(s[2], sizeof(s[2]), "%s:1::9", b);
	snprintf(s[3], sizeof(s[3]), "%s::1", b);   /* the host of a, in b */
	{
		const struct target t[] = {
			{ 6, s[0], 1, r_a, r_a, r_a },
			{ 6, s[1], 1, NULL, NULL, NULL },
			{ 6, s[2], 1, r_b, r_b, r_b },
			{ 6, s[3], 1, NULL, NULL, NULL },
		};

		check_targets_against_oracle(t, N_OF(t));
		test_targets_light(t, N_OF(t));
		check_explain(t, N_OF(t));
	}
}

/* Removed incrementally: the flag stays (widen only), the lookup misses. */
static void test_stale(void)
{
	const char *rest = strchr(rules_f, '\n') + 1; /* without 2a01:1:1::1 */
	static const struct target gone[] = {
		{ 6, "2a01:1:1::1", 1, NULL, NULL, NULL },
	};
	struct applied a;

	apply_or_die("F", rules_f, 1, &a);
	apply_or_die("F - exact", rest, 0, &a);
	xr_checks++;
	if (get_byte(byte_idx("2a01:1:1::", 48)) != XDPFW_V6F_EXACT)
		fail("an incremental removal cleared a flag (want it stale)");
	check_targets_against_oracle(gone, N_OF(gone));
	test_targets_light(gone, N_OF(gone));
	check_explain(gone, N_OF(gone));
	apply_or_die("F - exact, full", rest, 1, &a);
	xr_checks++;
	if (get_byte(byte_idx("2a01:1:1::", 48)) != 0)
		fail("a full re-sync left a stale flag");
	test_targets_light(gone, N_OF(gone));
}

/* What verify and the audit see: 0 or the count of filter words wrong. */
static size_t filter_bad(void)
{
	struct filters f = { 0 };
	size_t bad = 0;

	if (filters_alloc(&f) ||
	    (filters_from_table(&f, km.table, km.capacity),
	     kmaps_filters_compare(&km, &f, NULL, NULL, &bad)))
		fail("cannot compare the filters");
	filters_free(&f);
	return bad;
}

static size_t audit_filter_bad(int *needs_full)
{
	struct audit a;
	int r = audit_all(&a);

	if (r < 0)
		fail("audit: %d", r);
	*needs_full = a.needs_full;
	r = (int)a.filter_bad;
	audit_free(&a);
	return (size_t)r;
}

static void test_tamper(void)
{
	uint32_t idx = byte_idx("2a07:7:7::", 48);
	struct applied a;
	size_t bad;
	int full;

	apply_or_die("F again", rules_f, 1, &a);
	xr_checks++;
	if ((bad = filter_bad()) != 0)
		fail("filters of F: %zu words wrong, want none", bad);
	/* an extra (stale-like) flag is no error */
	set_byte(idx, XDPFW_V6F_C48 | XDPFW_V6F_EXACT);
	xr_checks++;
	if ((bad = filter_bad()) != 0 || audit_filter_bad(&full) != 0)
		fail("an extra flag counted as wrong (%zu)", bad);
	/* the entry's own flag cleared: hidden from the program */
	set_byte(idx, XDPFW_V6F_EXACT);
	xr_checks++;
	if ((bad = filter_bad()) != 1)
		fail("a cleared flag: %zu words wrong, want 1", bad);
	xr_checks++;
	if (audit_filter_bad(&full) != 1 || !full)
		fail("the audit did not find the cleared flag");
	apply_or_die("F, full re-sync", rules_f, 1, &a);
	xr_checks++;
	if ((bad = filter_bad()) != 0 ||
	    get_byte(idx) != XDPFW_V6F_C48)
		fail("the full re-sync did not put the flag back");
}

int main(int argc, char **argv)
{
	struct applied a;
	int rc = xr_setup("test-v6flags", argc, argv);

	if (rc >= 0)
		return rc;
	apply_or_die("F", rules_f, 0, &a);
	check_flags("F", XDPFW_F_V6_EXACT | XDPFW_F_V6_PREFIX |
				 XDPFW_F_V6_PORT_EXACT | XDPFW_F_V6_PORT_PREFIX |
				 XDPFW_F_V6_SUM32 | XDPFW_F_V6_ODD);
	test_bytes("F");
	check_targets_against_oracle(targets_f, N_OF(targets_f));
	test_targets_light(targets_f, N_OF(targets_f));
	check_explain(targets_f, N_OF(targets_f));
	test_each_flag();
	test_collision();
	test_stale();
	test_tamper();
	return xr_finish();
}
