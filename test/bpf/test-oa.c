// SPDX-License-Identifier: GPL-2.0-only
/*
 * The open addressing tables of the exact keys (xdpfw_v4_oa, xdpfw_v4p_oa,
 * xdpfw_v6_oa, xdpfw_v6p_oa) under BPF_PROG_TEST_RUN, through the daemon's pipeline:
 * keys chosen to share one home entry fill its probe window and overflow
 * into the overflow trie; a key deleted in the middle of the chain leaves a
 * tombstone that the keys after it probe past; the overflow mark goes once
 * the trie is empty; a new key reuses the tombstone; deleting the end of a
 * chain gives its entries back as empty; a key lost behind the daemon's
 * back is found and put back by a full re-sync.  Every frame is checked
 * against the oracle (verdict and the one counter that moved), and
 * kverdict (`explain`'s reading of the maps) must agree with it.
 *
 * The harness loads the program with MAX_RULES (64) slots: 128 entries per
 * IPv4 table, 64 per IPv6 one, so colliding keys are found in a few
 * thousand tries.  test_windows loads a second instance with tables of
 * several mmap windows (kmaps_oa.c maps them a window at a time) and checks
 * every key through the user-space readers after writes and deletes.
 * test_added_chunks writes added entries' keys a few at a time, in the
 * order of their windows (kmaps_bulk.c).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "kmaps.h"
#include "kverdict.h"
#include "skel.h"
#include "sync.h"
#include "testlib.h"
#include "xdprun.h"

#define CHAIN (XDPFW_OA_PROBES + 2)

static char addr[CHAIN][INET6_ADDRSTRLEN];
static char rule[CHAIN][80];
static uint32_t home;
static int fam;  /* 4 or 6: the chain's family */
static int table; /* enum oa */

/* The home of address i of 10.77.0.0/16 or 2001:db8:77::/64, with port
 * (UDP) or without; its text in buf. */
static uint32_t home_of(uint32_t i, uint16_t port, char *buf, size_t len)
{
	uint32_t a[4] = { htonl(0x20010db8u), htonl(0x00770000u), 0, htonl(i) };
	uint32_t h;

	if (fam == 4) {
		a[0] = htonl(0x0a4d0000u | i);
		h = xdpfw_oa_hash(port ? xdpfw_oa_key4p(htons(port), IPPROTO_UDP,
							a[0]) :
					 xdpfw_oa_key4(a[0]));
	} else {
		h = xdpfw_oa6_hash(a, port ? xdpfw_oa6_tail(htons(port),
							    IPPROTO_UDP) :
					     xdpfw_oa6_tail(0, 0));
	}
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len);
	return h & km.oa_mask[table];
}

/* CHAIN addresses (with port :port/udp when port) whose keys share one
 * home entry. */
static void find_chain(uint16_t port)
{
	int n = 0;

	for (uint32_t i = 1; i < 65536 && n < CHAIN; i++) {
		uint32_t h = home_of(i, port, addr[n], sizeof(addr[n]));

		if (n == 0)
			home = h;
		else if (h != home)
			continue;
		if (port && fam == 6)
			snprintf(rule[n], sizeof(rule[n]), "[%s]:%u/udp", addr[n],
				 port);
		else if (port)
			snprintf(rule[n], sizeof(rule[n]), "%s:%u/udp", addr[n],
				 port);
		else
			snprintf(rule[n], sizeof(rule[n]), "%s", addr[n]);
		n++;
	}
	if (n < CHAIN) {
		fail("no %d keys with one home entry", CHAIN);
		exit(xr_finish());
	}
}

static struct kkey key_of(int i, uint16_t port)
{
	struct xdpfw_rule r;
	struct kkey k[2];

	if (parse_rule(rule[i], &r) || rule_kkeys(&r, k) < 1) {
		fail("cannot compile %s", rule[i]);
		exit(xr_finish());
	}
	(void)port;
	return k[0];
}

/* The rules text of chain members with bit i set in mask. */
static const char *rules_of(unsigned mask)
{
	static char text[CHAIN * 64];
	size_t off = 0;

	text[0] = 0;
	for (int i = 0; i < CHAIN; i++)
		if (mask & (1u << i))
			off += (size_t)snprintf(text + off, sizeof(text) - off,
						"%s\n", rule[i]);
	return text;
}

static uint32_t state_at(uint16_t port, uint32_t i)
{
	(void)port;
	return *xr_oa_state(table, home + i);
}

/* kverdict (`explain`'s view of the maps) on member i's UDP packet: its
 * rule's slot when in, no match when not. */
static void check_kverdict(const char *what, int i, int in, uint16_t port)
{
	struct kv_pkt kp = { .family = (uint8_t)fam, .has_l4 = 1,
			     .proto = IPPROTO_UDP, .sport = port ? port : 999 };
	struct kv_result res;
	int r;

	inet_pton(fam == 4 ? AF_INET : AF_INET6, addr[i], kp.addr);
	r = kverdict(&km, &kp, &res);
	xr_checks++;
	if (r || res.matched != in ||
	    (in && (int)res.slot != slot_of_text(rule[i])))
		fail("%s: kverdict on %s: %d, matched %d slot %u, expected %s",
		     what, addr[i], r, res.matched, res.slot,
		     in ? rule[i] : "no match");
}

/* Every member of the chain: in mask, dropped and counted under its own
 * rule; not, passed.  kverdict must say the same. */
static void run_chain(const char *what, unsigned mask, uint16_t port)
{
	char desc[DESC_MAX];

	for (int i = 0; i < CHAIN; i++) {
		struct pkt_spec s = spec(fam, addr[i], IPPROTO_UDP, port ? port : 999);

		if (!off_model)
			check_kverdict(what, i, !!(mask & (1u << i)), port);
		describe(desc, sizeof(desc), &s, what);
		run_spec(desc, &s, (mask & (1u << i)) ? rule[i] : NULL, 0);
		if (!port)
			continue;
		/* the same endpoint over TCP: no rule */
		s = spec(fam, addr[i], IPPROTO_TCP, port);
		describe(desc, sizeof(desc), &s, what);
		run_spec(desc, &s, NULL, 0);
	}
}

/* Where each member sits: index in the window (0..7), -1 not in the
 * table; *in_hash: the members in the overflow hash. */
static void locate(uint16_t port, int where[CHAIN], unsigned *in_hash)
{
	*in_hash = 0;
	for (int i = 0; i < CHAIN; i++) {
		struct kkey k = key_of(i, port);
		long at = xr_oa_index(&k);
		uint32_t slot;

		where[i] = at < 0 ? -1 : (int)((at - home) & km.oa_mask[table]);
		if (!bpf_map_lookup_elem(km.fd[k.map], k.b, &slot))
			*in_hash |= 1u << i;
	}
}

static void check(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *what, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	xr_checks++;
	if (ok)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail("%s: %s", what, msg);
}

/* The keys a full dump returns for the chain's map, against mask. */
static void check_dump(const char *what, unsigned mask, uint16_t port)
{
	struct kop *ops;
	size_t n;
	unsigned seen = 0;

	if (kmaps_dump_keys(&km, &ops, &n)) {
		check(0, what, "kmaps_dump_keys failed");
		return;
	}
	for (int i = 0; i < CHAIN; i++) {
		struct kkey k = key_of(i, port);

		for (size_t j = 0; j < n; j++)
			if (ops[j].key.map == k.map &&
			    !memcmp(ops[j].key.b, k.b, sizeof(k.b)) &&
			    (int)ops[j].slot == slot_of_text(rule[i]))
				seen |= 1u << i;
	}
	free(ops);
	check(seen == mask, what, "the dump holds members 0x%x, expected 0x%x",
	      seen, mask);
}

static void chain_reuse(const char *kind, uint16_t port, unsigned mask,
			int last, int prev, int mid);

static void test_chain(int family, uint16_t port)
{
	const char *kind = port ? (family == 4 ? "v4 endpoints" : "v6 endpoints") :
				  (family == 4 ? "v4 hosts" : "v6 hosts");
	unsigned full = (1u << (CHAIN - 1)) - 1; /* 9 members, the 10th not */
	unsigned in_hash, mask;
	int where[CHAIN], mid = -1, ovf = -1, last = -1, prev = -1;
	char what[128];

	fam = family;
	table = family == 4 ? (port ? OA_V4P : OA_V4) : (port ? OA_V6P : OA_V6);
	find_chain(port);
	apply_or_die("empty", "", 0, NULL);

	/* 1. Nine keys of one home: eight fill the window, one overflows. */
	snprintf(what, sizeof(what), "%s: 9 keys of one home", kind);
	apply_or_die(what, rules_of(full), 0, NULL);
	locate(port, where, &in_hash);
	for (int i = 0; i < CHAIN - 1; i++) {
		if (where[i] == 3)
			mid = i;
		if (where[i] == 7)
			last = i;
		if (where[i] == 6)
			prev = i;
		if (where[i] < 0)
			ovf = i;
	}
	check(ovf >= 0 && in_hash == (1u << ovf) && mid >= 0 && last >= 0 &&
		      prev >= 0,
	      what, "window %d %d %d %d %d %d %d %d %d, hash 0x%x", where[0],
	      where[1], where[2], where[3], where[4], where[5], where[6],
	      where[7], where[8], in_hash);
	if (ovf < 0 || mid < 0 || last < 0 || prev < 0)
		return;
	check(state_at(port, 0) & XDPFW_OA_OVF, what,
	      "the home entry has no overflow mark");
	run_chain(what, full, port);
	check_dump(what, full, port);

	/* 2. The middle of the chain and the overflowed key go: a tombstone
	 * the later keys probe past, and no overflow mark once the hash is
	 * empty. */
	snprintf(what, sizeof(what), "%s: middle and overflow deleted", kind);
	mask = full & ~(1u << mid) & ~(1u << ovf);
	apply_or_die(what, rules_of(mask), 0, NULL);
	check(XDPFW_OA_STATE(state_at(port, 3)) == XDPFW_OA_TOMB, what,
	      "entry 3 is 0x%x, not a tombstone", state_at(port, 3));
	check(!(state_at(port, 0) & XDPFW_OA_OVF), what,
	      "the overflow mark stayed with an empty hash");
	run_chain(what, mask, port);
	check_dump(what, mask, port);

	chain_reuse(kind, port, mask, last, prev, mid);
}

/* Steps 3-6 of test_chain: the tombstone at 3 reused, a key lost and put
 * back, the end of the chain (entries last, prev at 7 and 6) deleted, a
 * delete and an insert of one home in one apply. */
static void chain_reuse(const char *kind, uint16_t port, unsigned mask,
			int last, int prev, int mid)
{
	unsigned in_hash;
	int where[CHAIN];
	char what[128];

	/* 3. A new key of the same home takes the tombstone. */
	snprintf(what, sizeof(what), "%s: tombstone reused", kind);
	mask |= 1u << (CHAIN - 1);
	apply_or_die(what, rules_of(mask), 0, NULL);
	locate(port, where, &in_hash);
	check(where[CHAIN - 1] == 3 && !in_hash, what,
	      "the new key sits at %d (hash 0x%x), expected 3", where[CHAIN - 1],
	      in_hash);
	run_chain(what, mask, port);

	/* 4. A key lost behind the daemon's back (the entry made a
	 * tombstone): a full re-sync puts it back. */
	snprintf(what, sizeof(what), "%s: key lost, full re-sync", kind);
	{
		struct kkey k = key_of(CHAIN - 1, port);

		check(!xr_drop_key(&k), what, "cannot drop the key");
		off_model = 1;
		run_chain(what, mask & ~(1u << (CHAIN - 1)), port);
		off_model = 0;
		apply_or_die(what, rules_of(mask), 1, NULL);
		run_chain(what, mask, port);
	}

	/* 5. The end of the chain goes: its entries are empty again, and a
	 * miss stops there. */
	snprintf(what, sizeof(what), "%s: end of the chain deleted", kind);
	mask &= ~(1u << last) & ~(1u << prev);
	apply_or_die(what, rules_of(mask), 0, NULL);
	check(!XDPFW_OA_STATE(state_at(port, 6)) &&
		      !XDPFW_OA_STATE(state_at(port, 7)),
	      what, "entries 6 and 7 are 0x%x 0x%x, not empty",
	      state_at(port, 6), state_at(port, 7));
	run_chain(what, mask, port);
	check_dump(what, mask, port);

	/* 6. In one apply the key at entry 3 goes and mid, of the same home,
	 * comes: the upsert comes first (kmaps_apply writes a table's
	 * upserts and deletes in one pass, a window's upserts first), so mid
	 * does not take the entry freed within the apply. */
	snprintf(what, sizeof(what), "%s: delete and insert in one apply", kind);
	mask = (mask & ~(1u << (CHAIN - 1))) | (1u << mid);
	apply_or_die(what, rules_of(mask), 0, NULL);
	locate(port, where, &in_hash);
	check(where[mid] == 6 && !in_hash &&
		      XDPFW_OA_STATE(state_at(port, 3)) == XDPFW_OA_TOMB,
	      what, "mid sits at %d (hash 0x%x), entry 3 is 0x%x; expected 6 "
	      "and a tombstone", where[mid], in_hash, state_at(port, 3));
	run_chain(what, mask, port);
	check_dump(what, mask, port);
	apply_or_die("empty", "", 0, NULL);
}

/* Rule i of the windows test: an IPv4 host (even) or an IPv6 endpoint. */
static void window_rule(uint32_t i, struct xdpfw_rule *r)
{
	uint32_t a = htonl(0x0b000000u | i);

	memset(r, 0, sizeof(*r));
	r->family = i % 2 ? XDPFW_FAMILY_V6 : XDPFW_FAMILY_V4;
	r->prefixlen = i % 2 ? 128 : 32;
	if (i % 2) {
		r->addr[0] = 0x20;
		r->addr[1] = 0x01;
		r->addr[2] = 0x0d;
		r->addr[3] = 0xb8;
		memcpy(r->addr + 12, &a, 4);
		r->port = (uint16_t)(1000 + i % 50000);
		r->proto = IPPROTO_UDP;
	} else {
		memcpy(r->addr, &a, 4);
	}
}

/* Is rule i in the set of step 0 (all of [0, N)), 1 (a third out) or 2
 * (a fifth of those out too, and [N, N + N/4) in: one churn)? */
static int window_in(uint32_t i, uint32_t n0, int step)
{
	if (i >= n0)
		return step == 2 && i < n0 + n0 / 4;
	return !step || (i % 3 && (step == 1 || i % 5));
}

/* Every rule i < n of window_in(i, n0, thinned) is found with its slot by
 * kmaps_lookup_key, the others are not; the dump holds exactly the
 * former. */
static void check_window_keys(struct kmaps *k2, size_t n, int thinned)
{
	size_t n0 = thinned == 2 ? n * 4 / 5 : n;

	size_t want = 0, found = 0, wrong = 0, dumped = 0;
	struct kop *ops = NULL;
	size_t nops = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct xdpfw_rule r;
		struct kkey k[2];
		uint32_t slot;
		int in = window_in(i, (uint32_t)n0, thinned), got;

		window_rule(i, &r);
		rule_kkeys(&r, k);
		got = kmaps_lookup_key(k2, &k[0], &slot);
		want += in;
		if (got == 1 && in && !memcmp(&k2->table[slot], &r, sizeof(r)))
			found++;
		else if (got != 0 || in)
			wrong++;
	}
	xr_checks++;
	if (found != want || wrong)
		fail("windows (thinned %d): %zu of %zu keys found, %zu wrong",
		     thinned, found, want, wrong);
	xr_checks++;
	if (kmaps_dump_keys(k2, &ops, &nops))
		fail("windows: kmaps_dump_keys failed");
	for (size_t j = 0; j < nops; j++)
		dumped += kmaps_oa_of(ops[j].key.map) >= 0;
	free(ops);
	xr_checks++;
	if (dumped != want)
		fail("windows (thinned %d): the dump holds %zu exact keys, "
		     "expected %zu", thinned, dumped, want);
}

static void test_windows(void)
{
	/* Tables of several lookup windows, and of several dump pieces. */
	enum { N = 12000, MAXR = 262144 };
	struct xdpfw_rule *rules = calloc(N + N / 4, sizeof(*rules));
	struct xdpfw_bpf *skel2 = NULL;
	struct kmaps k2;
	struct sync_result res;
	size_t m = 0;

	if (!rules || tl_bpf_load("test-oa", LOG_LVL_WARNING, MAXR, &skel2, &k2)) {
		fail("windows: cannot load a second instance");
		free(rules);
		return;
	}
	xr_checks++;
	if ((k2.oa_mask[OA_V4] + 1) * sizeof(struct xdpfw_oa_ent) <=
		    KMAPS_OA_WINDOW ||
	    (k2.oa_mask[OA_V6P] + 1) * sizeof(struct xdpfw_oa6_ent) <=
		    KMAPS_OA_WINDOW)
		fail("windows: the tables fit in one window");
	xr_checks++;
	if ((k2.oa_mask[OA_V4] + 1) * sizeof(struct xdpfw_oa_ent) <=
		    KMAPS_OA_BULK_WINDOW ||
	    (k2.oa_mask[OA_V6P] + 1) * sizeof(struct xdpfw_oa6_ent) <=
		    KMAPS_OA_BULK_WINDOW)
		fail("windows: the tables fit in one piece of a dump");
	for (uint32_t i = 0; i < N; i++)
		window_rule(i, &rules[i]);
	xr_checks++;
	if (sync_apply(&k2, rules, N, NULL, SYNC_FULL, &res))
		fail("windows: applying %d rules failed", N);
	check_window_keys(&k2, N, 0);
	for (uint32_t i = 0; i < N; i++)
		if (i % 3)
			rules[m++] = rules[i];
	xr_checks++;
	if (sync_apply(&k2, rules, m, NULL, SYNC_FULL, &res))
		fail("windows: deleting a third failed");
	check_window_keys(&k2, N, 1);
	/* One churn over every window: a fifth of the rest out, N/4 new in
	 * (upserts and deletes of a table in one pass). */
	m = 0;
	for (uint32_t i = 0; i < N + N / 4; i++) {
		window_rule(i, &rules[m]);
		m += (size_t)window_in(i, N, 2);
	}
	xr_checks++;
	if (sync_apply(&k2, rules, m, NULL, SYNC_FULL, &res) ||
	    res.removed != N * 2 / 3 / 5 || res.added != N / 4)
		fail("windows: the churn failed or was not one (%zu added, %zu "
		     "removed)", res.added, res.removed);
	check_window_keys(&k2, N + N / 4, 2);
	kmaps_close(&k2);
	xdpfw_bpf__destroy(skel2);
	free(rules);
}

/*
 * The added entries' keys written in many chunks (kmaps.added_chunk 3), in
 * the order of their tables' windows, the trie keys spread over them: every
 * key in force (the audit finds none missing or foreign), every entry's
 * frames counted by it.
 */
static void test_added_chunks(void)
{
	static const char *const set[] = {
		"10.0.0.1", "10.9.0.0/16", "10.0.0.7", "192.0.2.0/24",
		"2001:db8::1", "2001:db8:1::/48", "2001:db8:200::/40", "10.3.0.9",
		"2001:db8::99", "172.16.0.0/12", "10.0.0.3", "2001:db8:5::5",
		"10.0.0.8/30", "198.51.100.77", "2001:db8:9::/64",
	};
	enum { N = sizeof(set) / sizeof(set[0]) };
	char text[1024] = "", src[64];
	struct audit a;
	int r;

	for (int i = 0; i < N; i++) {
		strcat(text, set[i]);
		strcat(text, "\n");
	}
	apply_or_die("before the chunks", "", 1, NULL);
	km.added_chunk = 3;
	apply_or_die("added in chunks of 3", text, 0, NULL);
	km.added_chunk = 0;
	r = audit_all(&a);
	xr_checks++;
	if (r != 1 || a.missing || a.foreign || a.needs_full)
		fail("added in chunks: audit %d, %zu missing, %zu foreign", r,
		     a.missing, a.foreign);
	audit_free(&a);
	for (int i = 0; i < N; i++) {
		int v6 = strchr(set[i], ':') != NULL;
		struct pkt_spec s;
		char desc[96];

		snprintf(src, sizeof(src), "%.*s", (int)strcspn(set[i], "/"),
			 set[i]);
		s = spec(v6 ? 6 : 4, src, IPPROTO_UDP, 999);
		snprintf(desc, sizeof(desc), "added in chunks: from %s", src);
		run_spec(desc, &s, set[i], 0);
	}
	apply_or_die("after the chunks", "", 1, NULL);
}

/* The rules: chain keys [0, n) and the hosts given. */
static const char *chain_and(int n, const char *more)
{
	static char text[1024];
	size_t at = 0;

	for (int i = 0; i < n; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%s\n",
				       rule[i]);
	snprintf(text + at, sizeof(text) - at, "%s", more);
	return text;
}

/* The keys in xdpfw_v4 (the overflow trie), counted by a walk. */
static size_t ovf_v4_count(void)
{
	uint8_t key[KKEY_MAX], prev[KKEY_MAX];
	size_t n = 0;

	while (!bpf_map_get_next_key(km.fd[KMAP_V4], n ? prev : NULL, key) &&
	       n < 1000) {
		n++;
		memcpy(prev, key, sizeof(prev));
	}
	return n;
}

/* The daemon's own writes to xdpfw_v4: two keys of a full probe window
 * overflow into the trie; deleting one leaves the other, and the home's
 * overflow mark with it; the mark goes with the last. */
static void test_overflow_writes(void)
{
	fam = 4;
	table = OA_V4;
	find_chain(0);
	apply_or_die("a full window", chain_and(8, "10.78.3.1\n10.78.3.2\n"),
		     1, NULL);
	apply_or_die("two keys over the window", chain_and(CHAIN, "10.78.3.2\n"),
		     0, NULL);
	xr_checks++;
	if (ovf_v4_count() != 2)
		fail("the overflow trie holds %zu keys, expected the 2 over the "
		     "window", ovf_v4_count());
	apply_or_die("a key in the trie deleted", chain_and(CHAIN - 1, ""), 0,
		     NULL);
	xr_checks++;
	if (ovf_v4_count() != 1 || !(state_at(0, 0) & XDPFW_OA_OVF))
		fail("after one of two deletes: %zu keys in the trie, home 0x%x",
		     ovf_v4_count(), state_at(0, 0));
	run_chain("one key left over the window", (1u << (CHAIN - 1)) - 1, 0);
	apply_or_die("the other deleted", chain_and(CHAIN - 2, ""), 0, NULL);
	xr_checks++;
	if (ovf_v4_count() != 0 || (state_at(0, 0) & XDPFW_OA_OVF))
		fail("after both deletes: %zu keys in the trie, home 0x%x",
		     ovf_v4_count(), state_at(0, 0));
	apply_or_die("empty, full", "", 1, NULL);
}

int main(int argc, char **argv)
{
	int rc = xr_setup("test-oa", argc, argv);

	if (rc >= 0)
		return rc;
	test_chain(4, 0);
	test_chain(4, 53);
	test_chain(6, 0);
	test_chain(6, 53);
	test_windows();
	test_added_chunks();
	test_overflow_writes();
	return xr_finish();
}
