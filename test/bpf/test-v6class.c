// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPv6 class table (xdpfw_v6c_oa) on the real XDP program under
 * BPF_PROG_TEST_RUN, maps filled by the daemon's own pipeline (xdprun.h).
 * The prefixes of /32, /48, /56 and /64 live in the table, the others in
 * the trie, and a packet must still count under the longest prefix that
 * covers it, whichever holds it:
 *   - rule set C: the four classes nested in one /32 with a prefix of
 *     another length among them (the trie is asked, the longer answer
 *     wins), alone in a /32 of their own (the table answers alone), a /65
 *     and a host inside them; each target at its edges, against the oracle;
 *   - overflow: CHAIN /48s with one home entry under a /32: the ones past
 *     the probe window stay in the trie behind the home's overflow mark,
 *     and still beat the /32; removed and added back through the plan;
 *   - a class entry deleted from the table behind the daemon's back: the
 *     audit's comparison (kmaps_dump_keys) sees it missing and a full
 *     re-sync puts it back;
 *   - explain (kverdict.c) agrees with the program on every target.
 * Needs root (BPF); exits 77 when it is not.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmaps.h"
#include "kverdict.h"
#include "xdprun.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define CHAIN (XDPFW_OA_PROBES + 2)

static const char rules_c[] =
	"2a01:1::/32\n"
	"2a01:1:1::/48\n"
	"2a01:1:1:100::/56\n"
	"2a01:1:1:101::/64\n"
	"2a01:1:4::/46\n"            /* another length: the trie, odd bit */
	"2a01:1:1:101:8000::/65\n"   /* longer than a class, inside one */
	"2a02:2::/32\n"
	"2a02:2:5::/48\n"
	"2a02:2:5:5::/64\n"
	"2a02:2:5:5::1\n"            /* a host beats them */
	"2a03:3:3::/48\n";

static const struct target targets_c[] = {
#define T(src, r) { 6, src, 1, r, r, r }
	T("2a01:1:ffff::1", "2a01:1::/32"),
	T("2a01:1:1::1", "2a01:1:1::/48"),
	T("2a01:1:1:ff::1", "2a01:1:1::/48"),
	T("2a01:1:1:100::1", "2a01:1:1:100::/56"),
	T("2a01:1:1:1ff::1", "2a01:1:1:100::/56"),
	T("2a01:1:1:101::1", "2a01:1:1:101::/64"),
	T("2a01:1:1:101:8000::1", "2a01:1:1:101:8000::/65"),
	T("2a01:1:1:101:7fff::1", "2a01:1:1:101::/64"),
	T("2a01:1:7:ffff::1", "2a01:1:4::/46"),
	T("2a01:1:8::1", "2a01:1::/32"),
	T("2a01:2::1", NULL),
	T("2a02:2:ffff::1", "2a02:2::/32"),
	T("2a02:2:5:4::1", "2a02:2:5::/48"),
	T("2a02:2:5:5::2", "2a02:2:5:5::/64"),
	T("2a02:2:5:5::1", "2a02:2:5:5::1"),
	T("2a02:3::1", NULL),
	T("2a03:3:3:ffff::1", "2a03:3:3::/48"),
	T("2a03:3:4::1", NULL),
#undef T
};

/* Explain's answer (kverdict.c) for each target equals the program's. */
static void check_explain(const struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct kv_pkt p = { .family = 6, .has_l4 = 1,
				    .proto = IPPROTO_TCP, .sport = t[i].sport };
		struct kv_result v;
		int s = t[i].r_tcp ? slot_of_text(t[i].r_tcp) : -1;

		inet_pton(AF_INET6, t[i].src, p.addr);
		xr_checks++;
		if (kverdict(&km, &p, &v)) {
			fail("explain %s: no verdict", t[i].src);
			continue;
		}
		if ((s < 0 && v.matched) ||
		    (s >= 0 && (!v.matched || v.slot != (uint32_t)s)))
			fail("explain %s: %s slot %u, want %s", t[i].src,
			     v.matched ? "matched" : "no match", v.slot,
			     t[i].r_tcp ? t[i].r_tcp : "none");
	}
}

static char chain[CHAIN][64];

/* CHAIN /48s of 2a05:5::/32 whose class keys share one home entry. */
static uint32_t find_chain(void)
{
	uint32_t home = 0;
	int n = 0;

	for (uint32_t i = 1; i < 65536 && n < CHAIN; i++) {
		uint32_t a[4] = { htonl(0x2a050005u), htonl(i << 16), 0, 0 };
		uint32_t h = xdpfw_oa6_hash(a, xdpfw_oa6_ctail(48)) &
			     km.oa_mask[OA_V6C];

		if (n == 0)
			home = h;
		else if (h != home)
			continue;
		snprintf(chain[n++], sizeof(chain[0]), "2a05:5:%x::/48", i);
	}
	if (n < CHAIN) {
		fail("no %d /48s with one home entry", CHAIN);
		exit(xr_finish());
	}
	return home;
}

static struct kkey key_of(const char *text)
{
	struct xdpfw_rule r;
	struct kkey k[2];

	if (parse_rule(text, &r) || rule_kkeys(&r, k) < 1) {
		fail("cannot compile %s", text);
		exit(xr_finish());
	}
	return k[0];
}

/* The chain (all but member skip, -1: none) under 2a05:5::/32. */
static void apply_chain(const char *what, int skip, int with32)
{
	char text[CHAIN * 64 + 64] = "";
	struct applied a;
	size_t off = 0;

	if (with32)
		off += (size_t)snprintf(text, sizeof(text), "2a05:5::/32\n");
	for (int i = 0; i < CHAIN; i++)
		if (i != skip)
			off += (size_t)snprintf(text + off, sizeof(text) - off,
						"%s\n", chain[i]);
	apply_or_die(what, text, 0, &a);
}

static void chain_targets(int skip, int with32)
{
	struct target t[CHAIN];
	char src[CHAIN][64];

	for (int i = 0; i < CHAIN; i++) {
		char *slash;

		memcpy(src[i], chain[i], sizeof(src[i]));
		slash = strstr(src[i], "::/48");
		snprintf(slash, 16, ":ff::9");
		t[i] = (struct target){ 6, src[i], 1, NULL, NULL, NULL };
		t[i].r_tcp = t[i].r_udp = t[i].r_addr =
			i != skip ? chain[i] : with32 ? "2a05:5::/32" : NULL;
	}
	check_targets_against_oracle(t, CHAIN);
	test_targets_light(t, CHAIN);
	check_explain(t, CHAIN);
}

static void test_overflow(void)
{
	uint32_t home = find_chain();
	int in_trie = 0;

	apply_chain("chain", -1, 1);
	for (int i = 0; i < CHAIN; i++) {
		struct kkey k = key_of(chain[i]);

		in_trie += xr_oa_index(&k) < 0;
	}
	xr_checks++;
	if (in_trie < CHAIN - XDPFW_OA_PROBES)
		fail("%d of %d chain keys in the trie, want at least %d",
		     in_trie, CHAIN, CHAIN - XDPFW_OA_PROBES);
	xr_checks++;
	if (!(*xr_oa_state(OA_V6C, home) & XDPFW_OA_OVF))
		fail("the chain's home entry has no overflow mark");
	chain_targets(-1, 1);
	/* the last one (in the trie) out, then back */
	apply_chain("chain - last", CHAIN - 1, 1);
	chain_targets(CHAIN - 1, 1);
	apply_chain("chain - first", 0, 1);
	chain_targets(0, 1);
	apply_chain("chain without the /32", -1, 0);
	chain_targets(-1, 0);
}

/* A class entry deleted behind the daemon's back: missing from the dump,
 * put back by a full re-sync. */
static void test_tamper(void)
{
	struct kkey k = key_of("2a02:2:5::/48");
	struct applied a;
	struct kop *keys;
	size_t n, found = 0;

	apply_or_die("C again", rules_c, 0, &a);
	xr_checks++;
	if (xr_oa_index(&k) < 0 || xr_drop_key(&k))
		fail("2a02:2:5::/48 is not in the class table");
	if (kmaps_dump_keys(&km, &keys, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			found += !kkey_cmp(&keys[i].key, &k);
		free(keys);
	}
	xr_checks++;
	if (found)
		fail("a deleted class entry is still in the dump");
	apply_or_die("C, full re-sync", rules_c, 1, &a);
	xr_checks++;
	if (xr_oa_index(&k) < 0)
		fail("the full re-sync did not put 2a02:2:5::/48 back");
	test_targets_light(targets_c, N_OF(targets_c));
}

int main(int argc, char **argv)
{
	struct applied a;
	int rc = xr_setup("test-v6class", argc, argv);

	if (rc >= 0)
		return rc;
	apply_or_die("C", rules_c, 0, &a);
	check_flags("C", XDPFW_F_V6_EXACT | XDPFW_F_V6_PREFIX |
				 XDPFW_F_V6_SUM32 | XDPFW_F_V6_ODD);
	check_targets_against_oracle(targets_c, N_OF(targets_c));
	test_matrix(targets_c, N_OF(targets_c));
	check_explain(targets_c, N_OF(targets_c));
	test_overflow();
	test_tamper();
	return xr_finish();
}
