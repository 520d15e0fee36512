// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPv4 /24 table (xdpfw_v4_tbl) under BPF_PROG_TEST_RUN, through the
 * daemon's pipeline: after every change, full or incremental, each word
 * of the table must be what a recomputation from the slot table gives
 * (kmaps_v4tbl_compare, as `xdpfw verify` does), and frames from inside
 * the changed prefixes are checked against the oracle (verdict and the
 * one counter that moved), with kverdict (`explain`) agreeing.  Edits: a
 * /16 removed under a /8, the /8 removed too, a /24 re-owned (replaced by
 * a /23 and a host), hosts, /25s, endpoints and prefix:port entries coming
 * and going, then random sets.
 * A word written behind the daemon's back is found by the comparison and
 * by the audit, and put back by a full re-sync.  The second level: blocks
 * given by full builds and by incremental changes (never one let go of in
 * the same reload), run out of, and tampered with.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "kmaps.h"
#include "kverdict.h"
#include "sync_v4tbl.h"
#include "testlib.h"
#include "v4tbl.h"
#include "xdprun.h"

/* After one word or block was changed behind the daemon's back: the
 * comparison finds exactly one word wrong, and so does the daemon's
 * periodic audit, which asks for the full sync that rewrites it. */
static void want_one_wrong(const char *what)
{
	struct audit a;
	size_t bad;
	int err = v4t_words_wrong(&bad), r;

	xr_checks++;
	if (err || bad != 1)
		fail("%s: %zu words found wrong, expected 1 (%s)", what, bad,
		     strerror(-err));
	r = audit_all(&a);
	xr_checks++;
	if (r != 1 || a.v4_bad != 1 || !a.needs_full || a.missing || a.foreign)
		fail("%s: audit %d, %zu /24 words wrong (expected 1), "
		     "needs_full %d, %zu missing, %zu foreign", what, r,
		     a.v4_bad, a.needs_full, a.missing, a.foreign);
	audit_free(&a);
}

static const char *const probes[] = {
	"10.1.2.9", "10.1.3.4", "10.1.3.5", "10.1.5.129", "10.1.5.1",
	"10.1.7.7", "10.9.9.9", "10.255.0.1", "11.0.0.1", "100.1.1.1",
	"127.0.0.1", "128.0.0.1", "192.168.1.1", "192.168.1.129", "10.1.5.5",
	"10.1.5.6", "10.1.7.20", "10.1.3.6",
};

/* 40 IPv6 hosts beside the IPv4 entries, and the count of removals since
 * the last full build cleared: a change of a few entries then takes the
 * incremental path (a full build once removals pass 1/8 of the set). */
#define FILLERS 40

/* Apply rules (after the fillers), then check the whole table and each
 * of the n probe addresses against the oracle. */
static void step_probes(const char *what, const char *rules, int full,
			const char *const *probe_set, size_t n)
{
	static char text[4096];
	size_t off = 0;

	for (int i = 0; i < FILLERS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"2001:db8:ff::%x\n", i + 1);
	snprintf(text + off, sizeof(text) - off, "%s", rules);
	km.stale_filter_rules = 0;
	apply_or_die(what, text, full, NULL);
	check_v4t_table(what);
	for (size_t i = 0; i < n; i++)
		probe_v4(what, probe_set[i]);
}

static void step(const char *what, const char *rules, int full)
{
	step_probes(what, rules, full, probes,
		    sizeof(probes) / sizeof(probes[0]));
}

static void test_edits(void)
{
	const char *base = "10.1.2.0/24\n10.1.3.4\n10.1.5.128/25\n0.0.0.0/1\n";
	char set[512];

	snprintf(set, sizeof(set), "10.0.0.0/8\n10.1.0.0/16\n%s", base);
	step("start", set, 0);
	/* The /16 goes: its /24s fall back to the /8 (but 10.1.2.0/24). */
	snprintf(set, sizeof(set), "10.0.0.0/8\n%s", base);
	step("/16 removed under a /8", set, 0);
	/* The /8 goes: down to 0.0.0.0/1. */
	step("/8 removed", base, 0);
	/* 10.1.2.0/24 re-owned: a /23 over it, a host in it. */
	step("/24 replaced by a /23 and a host",
	     "10.1.2.0/23\n10.1.2.9\n10.1.5.128/25\n0.0.0.0/1\n", 0);
	/* Hosts and the /25 gone: their flags may stay, the slots not. */
	step("hosts and /25 gone", "10.1.2.0/23\n0.0.0.0/1\n", 0);
	step("full re-sync", "10.1.2.0/23\n0.0.0.0/1\n", 1);
	step("everything", "0.0.0.0/0\n10.0.0.0/8\n10.1.0.0/16\n10.1.3.4\n"
	     "10.1.5.128/25\n127.0.0.0/8\n", 0);
	/* Endpoints and prefix:port: the EP and PP flags. */
	step("port entries", "10.1.3.4:999/udp\n10.1.0.0/16:999\n10.0.0.0/8\n"
	     "10.1.2.0/24\n", 0);
	step("port entries gone", "10.0.0.0/8\n10.1.2.0/24\n", 0);
	step("a short prefix:port", "0.0.0.0/0:999/udp\n10.1.2.0/24\n", 0);
	step("empty", "", 0);
}

/* A random walk over sets of prefixes of 10.1.0.0/16 and a few wider
 * ones, one to three entries in or out a step, applied incrementally (a
 * few full): the table is always exact. */
static void test_random(void)
{
	static const char *const pool[] = {
		"0.0.0.0/0", "0.0.0.0/1", "10.0.0.0/7", "10.0.0.0/8",
		"10.1.0.0/16", "10.1.0.0/17", "10.1.2.0/23", "10.1.2.0/24",
		"10.1.3.0/24", "10.1.3.4", "10.1.5.0/24", "10.1.5.128/25",
		"10.1.7.0/24", "10.1.7.7", "10.9.0.0/16", "10.255.0.0/16",
		"100.0.0.0/6", "127.0.0.0/8", "192.168.1.0/24", "10.1.3.5/32",
		"10.1.5.0/26", "10.1.5.4/30", "10.1.5.6/31", "10.1.7.0/27",
		"192.168.1.128/25", "10.1.3.0/29",
		/* port entries (the probes' UDP source port is 999) */
		"10.1.3.4:999/udp", "10.1.7.7:999", "10.1.0.0/16:999/udp",
		"10.1.5.0/24:999", "10.0.0.0/12:999/udp", "0.0.0.0/0:999/udp",
		"10.1.2.9:998/udp",
	};
	enum { POOL = sizeof(pool) / sizeof(pool[0]) };
	/* In an emulated guest (the kernel matrix under TCG, which sets
	 * XDPFW_TIME_SCALE) 20 rounds, one of them a full build: each step
	 * compares all 16M words there in ~2 s, and the rounds explore the
	 * daemon's logic, which the host run covers with all 60. */
	const char *scale = getenv("XDPFW_TIME_SCALE");
	int rounds = scale && atoi(scale) > 1 ? 20 : 60;
	unsigned seed = 12345;
	int in[POOL] = { 0 };

	for (int round = 0; round < rounds; round++) {
		char set[1024] = "", what[64];
		int flips;

		seed = seed * 1103515245u + 12345u;
		flips = 1 + (int)((seed >> 16) % 3);
		while (flips--) {
			seed = seed * 1103515245u + 12345u;
			in[(seed >> 16) % POOL] ^= 1;
		}
		for (int i = 0; i < POOL; i++)
			if (in[i]) {
				strcat(set, pool[i]);
				strcat(set, "\n");
			}
		snprintf(what, sizeof(what), "random set %d", round);
		step(what, set, round % 16 == 15);
		/* As the daemon after a reload: the prefixes' index a full
		 * build let go made from the set in force, not by the next
		 * reload (sync_prepare_next). */
		if (round % 16 == 15) {
			xr_checks++;
			if (km.v4t_deep ||
			    sync_v4tbl_prepare(&km, cur.rules, cur.n) ||
			    !km.v4t_deep)
				fail("%s: the prefixes' index not made after a "
				     "full build", what);
		}
	}
}

/* A word changed behind the daemon's back: the comparison finds it, a
 * full re-sync puts it back. */
static void test_tamper(void)
{
	const char *set = "10.0.0.0/8\n10.1.2.0/24\n";
	uint32_t *win = NULL;
	int err;

	step("before tamper", set, 0);
	err = kmaps_v4tbl_map(&km, 10, &win);
	if (err) {
		fail("mapping the table: %s", strerror(-err));
		return;
	}
	win[(1u << 8) | 2] = 0; /* 10.1.2.0/24: no entry */
	kmaps_v4tbl_unmap(win);
	want_one_wrong("tamper");
	step("after tamper, full re-sync", set, 1);
}

/* Its kind: 'B' block, 'T' trie, '-' neither. */
static char kind_of(const char *addr)
{
	uint32_t w = v4t_word_of(addr);

	if ((w & (XDPFW_V4T_L2 | XDPFW_V4T_TRIE)) == XDPFW_V4T_L2)
		return 'B';
	return w & XDPFW_V4T_TRIE ? 'T' : '-';
}

static void want_kind(const char *what, const char *addr, char want)
{
	char got = kind_of(addr);

	xr_checks++;
	if (got != want)
		fail("%s: the /24 of %s is '%c', expected '%c'", what, addr, got,
		     want);
}

static const char *const l2_probes[] = {
	"10.1.5.0", "10.1.5.5", "10.1.5.6", "10.1.5.7", "10.1.5.127",
	"10.1.5.128", "10.1.5.193", "10.1.5.200", "10.1.5.255", "10.1.6.1",
	"10.1.9.9", "192.0.2.1", "192.0.2.129",
};

static void l2_step(const char *what, const char *rules, int full)
{
	step_probes(what, rules, full, l2_probes,
		    sizeof(l2_probes) / sizeof(l2_probes[0]));
}

/* A first load into maps just created (as a start, or a migration's new
 * maps): the table's non-zero words written without reading it
 * (kmaps_v4tbl.c, fresh_chunk), blocks given; the same table and
 * verdicts as a build that reads it. */
static void test_fresh(void)
{
	const char *set = "10.1.0.0/16\n10.1.5.128/25\n10.1.5.4/30\n"
			  "10.1.5.6/31\n10.1.5.5\n10.1.9.0/24\n"
			  "192.0.2.128/25\n10.1.9.77:53/udp\n0.0.0.0/3\n";

	km.counters_fresh = 1;
	l2_step("first load into maps just created", set, 1);
	want_kind("first load", "10.1.5.1", 'B');
	want_kind("first load", "192.0.2.1", 'B');
	want_kind("first load", "10.1.6.1", '-');
	xr_checks++;
	if ((v4t_word_of("10.1.9.1") & XDPFW_V4T_SLOT) == 0 ||
	    !(v4t_word_of("10.1.9.1") & XDPFW_V4T_EP))
		fail("first load: the word of 10.1.9.0/24 is 0x%08x",
		     v4t_word_of("10.1.9.1"));
	/* and back to nothing, through the usual paths */
	l2_step("first load, then nothing", "", 1);
}

/* The block of the /24 of addr (its word must have one). */
static uint32_t block_of(const char *what, const char *addr)
{
	want_kind(what, addr, 'B');
	return v4t_word_of(addr) & XDPFW_V4T_L2_BLK;
}

/*
 * The second level (xdpfw_v4_l2): a full build gives a /24 with /25-/31
 * prefixes a block that answers for each address.  An incremental change
 * there gives the /24 a new block from the new set (a /25 removed must
 * stop matching at once, a /26 added must match), never the one it let go
 * of in the same reload (a packet may still read it): that one is free
 * from the next reload on.  A /24 whose last /25-/31 goes loses its block.
 */
static void test_l2(void)
{
	const char *set = "10.1.0.0/16\n10.1.5.128/25\n10.1.5.4/30\n"
			  "10.1.5.6/31\n10.1.5.5\n10.1.9.0/24\n"
			  "192.0.2.128/25\n";
	const char *less = "10.1.0.0/16\n10.1.5.4/30\n10.1.5.6/31\n"
			   "10.1.5.5\n10.1.9.0/24\n";
	const char *more = "10.1.0.0/16\n10.1.5.4/30\n10.1.5.6/31\n"
			   "10.1.5.5\n10.1.9.0/24\n10.1.5.192/26\n";
	uint32_t b0, b1;

	l2_step("blocks", set, 1);
	want_kind("blocks", "10.1.6.1", '-');
	/* Nothing over 192.0.2.0-127: its half bit clear, the other set. */
	want_kind("blocks", "192.0.2.1", 'B');
	xr_checks++;
	if ((v4t_word_of("192.0.2.1") & (XDPFW_V4T_L2_LO | XDPFW_V4T_L2_HI)) !=
	    XDPFW_V4T_L2_HI)
		fail("192.0.2.0/24: half bits 0x%08x", v4t_word_of("192.0.2.1"));
	b0 = block_of("blocks", "10.1.5.1");
	/* The /25 goes: 10.1.5.128-255 fall back to the /16 at once. */
	l2_step("the /25 removed", less, 0);
	b1 = block_of("the /25 removed", "10.1.5.1");
	xr_checks++;
	if (b1 == b0)
		fail("the block 10.1.5.0/24 let go of was given again in the "
		     "same reload");
	l2_step("a /26 added", more, 0);
	probe_v4("a /26 added", "10.1.5.193");
	xr_checks++;
	if (block_of("a /26 added", "10.1.5.1") != b0)
		fail("the block let go of a reload before was not given again");
	l2_step("full", more, 1);
	want_kind("full", "10.1.5.1", 'B');
	/* A slot change alone (the /16 re-owned by a /8) on a /24 with a
	 * block: a new block, with the new base. */
	l2_step("the /16 replaced by a /8", "10.0.0.0/8\n10.1.5.4/30\n"
		"10.1.5.6/31\n10.1.5.5\n10.1.9.0/24\n10.1.5.192/26\n", 0);
	want_kind("re-owned", "10.1.5.1", 'B');
	/* The last /25-/31 of 10.1.5.0/24 go: no block, no trie. */
	l2_step("no /25-/31 left", "10.0.0.0/8\n10.1.5.5\n", 0);
	want_kind("no /25-/31 left", "10.1.5.1", '-');
	l2_step("full", set, 1);
	want_kind("full", "10.1.5.1", 'B');
}

/*
 * Every block in use (n /24s with a /25 under 20.0.0.0/8): an incremental
 * reload that removes 20.0.1.128/25 and adds 20.0.0.0/25 leaves 20.0.0.0/24
 * on the trie (the one block let go of is not free before the next
 * reload) and counts it; at kmaps.v4t_trie_max such /24s the next reload
 * builds the table in full, which gives 20.0.0.0/24 a block again.
 */
static void l2_no_free_block(uint32_t n)
{
	char *text = malloc((size_t)n * 24 + 64);
	size_t off = 0;

	if (!text) {
		fail("out of memory");
		return;
	}
	off += (size_t)sprintf(text, "20.0.0.0/8\n20.0.0.0/25\n");
	for (uint32_t i = 0; i < n; i++)
		if (i != 1)
			off += (size_t)sprintf(text + off, "20.%u.%u.128/25\n",
					       i >> 8, i & 255);
	km.stale_filter_rules = 0;
	km.v4t_trie_words = 0;
	apply_or_die("no free block", text, 0, NULL);
	check_v4t_table("no free block");
	want_kind("no free block", "20.0.0.1", 'T');
	want_kind("no free block", "20.0.1.1", '-');
	probe_v4("no free block", "20.0.0.1");
	probe_v4("no free block", "20.0.0.129");
	probe_v4("no free block", "20.0.1.129");
	xr_checks++;
	if (km.v4t_trie_words != 1)
		fail("%u /24s counted on the trie, expected 1", km.v4t_trie_words);
	km.v4t_trie_max = 1;
	apply_or_die("at the limit", text, 0, NULL);
	km.v4t_trie_max = 0;
	check_v4t_table("at the limit");
	want_kind("at the limit", "20.0.0.1", 'B');
	probe_v4("at the limit", "20.0.0.1");
	free(text);
}

/* More /24s with a /25 than blocks: the rest stay on the trie, every
 * verdict right. */
static void test_l2_full(void)
{
	uint32_t n = km.v4l2_blocks + 8, blocks = 0, trie = 0;
	char *text = malloc((size_t)n * 24 + 32), a[32];
	size_t off = 0;

	if (!text) {
		fail("out of memory");
		return;
	}
	/* Blocks old words point at are not given in the same build. */
	apply_or_die("empty first", "", 1, NULL);
	off += (size_t)sprintf(text, "20.0.0.0/8\n");
	for (uint32_t i = 0; i < n; i++)
		off += (size_t)sprintf(text + off, "20.%u.%u.128/25\n", i >> 8,
				       i & 255);
	km.stale_filter_rules = 0;
	apply_or_die("more /25s than blocks", text, 1, NULL);
	free(text);
	check_v4t_table("more /25s than blocks");
	for (uint32_t i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "20.%u.%u.1", i >> 8, i & 255);
		blocks += kind_of(a) == 'B';
		trie += kind_of(a) == 'T';
		if (i % 16 && i + 2 < n)
			continue;
		probe_v4("more /25s than blocks", a);
		snprintf(a, sizeof(a), "20.%u.%u.129", i >> 8, i & 255);
		probe_v4("more /25s than blocks", a);
	}
	xr_checks++;
	if (blocks != km.v4l2_blocks || trie != 8)
		fail("%u /24s with a block (expected %u), %u on the trie "
		     "(expected 8)", blocks, km.v4l2_blocks, trie);
	l2_no_free_block(n);
	apply_or_die("empty", "", 1, NULL);
}

/* A block entry changed behind the daemon's back: verify and the audit
 * find it, a full re-sync gives the /24 a right block. */
static void test_l2_tamper(void)
{
	const char *set = "10.1.0.0/16\n10.1.5.128/25\n";
	uint32_t e[256], b;
	int err;

	l2_step("before block tamper", set, 1);
	b = v4t_word_of("10.1.5.1") & XDPFW_V4T_L2_BLK;
	err = kmaps_v4tbl_block(&km, b, e);
	e[200] = e[0]; /* 10.1.5.200: the /16, not the /25 */
	if (!err)
		err = bpf_map_update_elem(km.fd[XMAP_V4_L2], &b, e, 0) ? -errno : 0;
	xr_checks++;
	if (err)
		fail("block tamper: %s", strerror(-err));
	want_one_wrong("block tamper");
	l2_step("after block tamper, full re-sync", set, 1);
	want_kind("after block tamper", "10.1.5.1", 'B');
	probe_v4("after block tamper", "10.1.5.200");
}

int main(int argc, char **argv)
{
	int rc = xr_setup("test-v4tbl", argc, argv);

	if (rc >= 0)
		return rc;
	test_fresh(); /* first: the maps hold nothing yet */
	test_edits();
	test_random();
	test_tamper();
	test_l2();
	test_l2_full();
	test_l2_tamper();
	return xr_finish();
}
