// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel writer of the open addressing tables (kwrite.h,
 * ebpf/kwrite.bpf.c) against kmaps_oa.c's own writes through mmap: the
 * same random steps of upserts and deletes, from the same table bytes,
 * leave the same bytes, the same keys for the hash, in the same order.
 * Keys drawn from a pool of 48 in tables of 64-128 entries: chains,
 * overflow marks, tombstones, their reuse and reclaim all happen.  Then
 * the whole pipeline with the writer (the keys, the slot table, the
 * counters): frames against the oracle.  The /24 table's words likewise:
 * random widening and narrowing ops on two pages of words, through the
 * program and through page runs, leave the same words and the same
 * bookkeeping (what to narrow after the deletes, blocks let go, words on
 * the trie, writes counted).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kmaps.h"
#include "kmaps_int.h"
#include "kwrite.h"
#include "pkt.h"
#include "testlib.h"
#include "xdprun.h"

enum { POOL = 48, ROUNDS = 300 };

static struct kop pool[2][POOL]; /* [0] IPv4 hosts, [1] IPv6 endpoints */

static void make_pool(void)
{
	for (int i = 0; i < POOL; i++) {
		struct xdpfw_v4_key a = { .prefixlen = XDPFW_V4_KEY_PLEN,
					  .addr = htonl(0x0a5a0000u | (uint32_t)i) };
		struct xdpfw_v6_port_key b = { .prefixlen = XDPFW_V6P_KEY_PLEN,
					       .port = htons(53), .proto = 17 };

		b.addr[0] = 0x20;
		b.addr[1] = 0x01;
		b.addr[15] = (uint8_t)i;
		kkey_from_bytes(&pool[0][i].key, KMAP_V4, &a);
		kkey_from_bytes(&pool[1][i].key, KMAP_V6_PORT, &b);
	}
}

/* Table t's bytes: the whole table mapped (a few pages here). */
static uint8_t *table(int t, size_t *len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	*len = ((size_t)km.oa_mask[t] + 1) * kmaps_oa_esize((enum oa)t);
	p = mmap(NULL, (*len + pg - 1) / pg * pg, PROT_READ | PROT_WRITE,
		 MAP_SHARED, km.fd[XMAP_OA + t], 0);
	if (p == MAP_FAILED) {
		fail("cannot map %s: %s", xmap_name[XMAP_OA + t], strerror(errno));
		exit(xr_finish());
	}
	return p;
}

struct step {
	struct kop ups[8], dels[8];
	size_t nu, nd, ru, rd, count;
	int err;
};

/* The step written by the kernel writer (kw) or through mmap. */
static void write_step(enum kmap m, struct step *s, int kw)
{
	struct kwrite *w = km.kw;

	if (!kw) {
		km.kw = NULL;
		km.kw_off = 1;
	}
	s->count = 0;
	s->err = kmaps_oa_write_pair(&km, m, s->ups, s->nu, s->dels, s->nd,
				     &s->ru, &s->rd, &s->count);
	km.kw = w;
	km.kw_off = 0;
}

static void same(enum kmap m, int round)
{
	static unsigned seed = 2024;
	int t = kmaps_oa_of(m), side = m == KMAP_V4 ? 0 : 1;
	struct step a = { 0 }, b;
	size_t len;
	uint8_t *tab = table(t, &len), *start = malloc(len), *done = malloc(len);
	uint8_t used[POOL] = { 0 };

	seed = seed * 1103515245u + 12345u;
	a.nu = (seed >> 16) % 7;
	seed = seed * 1103515245u + 12345u;
	a.nd = (seed >> 16) % 7;
	for (size_t i = 0; i < a.nu + a.nd; i++) {
		int k;

		do {
			seed = seed * 1103515245u + 12345u;
			k = (int)((seed >> 16) % POOL);
		} while (used[k]);
		used[k] = 1;
		if (i < a.nu) {
			a.ups[i] = pool[side][k];
			a.ups[i].slot = (seed >> 8) % 64;
		} else {
			a.dels[i - a.nu] = pool[side][k];
		}
	}
	b = a;
	memcpy(start, tab, len);
	write_step(m, &a, 0);
	memcpy(done, tab, len);
	memcpy(tab, start, len);
	write_step(m, &b, 1);
	xr_checks++;
	if (a.err || b.err || memcmp(done, tab, len) || a.ru != b.ru ||
	    a.rd != b.rd || a.count != b.count ||
	    memcmp(a.ups, b.ups, a.ru * sizeof(a.ups[0])) ||
	    memcmp(a.dels, b.dels, a.rd * sizeof(a.dels[0])))
		fail("%s round %d (%zu upserts, %zu deletes): the kernel writer "
		     "differs from the mmap writes (err %d/%d, rest %zu/%zu and "
		     "%zu/%zu, table %s)",
		     xmap_name[m], round, a.nu, a.nd, a.err, b.err, a.ru, b.ru,
		     a.rd, b.rd, memcmp(done, tab, len) ? "differs" : "same");
	munmap(tab, len);
	free(start);
	free(done);
}

/* A frame from src (UDP to port 53 from sport), want: the rule that must
 * count it, or NULL. */
static void probe(const char *what, int family, const char *src,
		  uint16_t sport, const char *want)
{
	struct pkt_spec ps = {
		.family = family,
		.src = src,
		.dst = family == 4 ? "198.18.0.2" : "2001:2::2",
		.l4proto = IPPROTO_UDP,
		.sport = sport,
		.dport = 53,
	};

	run_spec(what, &ps, want, 0);
}

/* The counters of rule text's slot, if in force and just added (not
 * probed since), are zero on every CPU. */
static void check_zero(const char *what, const char *text)
{
	static int probed;
	int slot = slot_of_text(text);

	if (slot < 0) {
		probed = 0;
		return;
	}
	for (int c = 0; !probed && c < km.ncpus; c++) {
		uint32_t idx = (uint32_t)c * km.capacity + (uint32_t)slot;
		struct xdpfw_counter v;

		xr_checks++;
		if (bpf_map_lookup_elem(km.fd[XMAP_RSTATS], &idx, &v) ||
		    v.packets || v.bytes)
			fail("%s: %s added again, its counter on CPU %d is not "
			     "zero", what, text, c);
	}
	probed = 1;
}

/* With the writer loaded, whole changes through the daemon's pipeline:
 * the tables' keys, the slot table's entries and the added rules'
 * counters all by the program; every probe's verdict and counter as the
 * oracle says, a rule added again counting from zero. */
static void test_pipeline(void)
{
	static const char *const sets[] = {
		/* parenthesised: one element, not a missing comma */
		("10.91.0.1\n10.91.0.2:53/udp\n2001:db8:91::1\n"
		 "[2001:db8:91::2]:53/udp\n10.92.0.0/16\n"),
		"10.91.0.2:53/udp\n2001:db8:91::1\n10.91.0.3\n",
		"10.91.0.1\n10.91.0.3\n[2001:db8:91::2]:53/udp\n10.91.0.2:53/udp\n",
		"",
		"10.91.0.1\n10.91.0.2:53/udp\n",
	};

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "set %zu", i);
		apply_or_die(what, sets[i], 0, NULL);
		if (*sets[i])
			check_zero(what, "10.91.0.1");
		probe(what, 4, "10.91.0.1", 999, strstr(sets[i], "10.91.0.1\n") ?
						"10.91.0.1" : NULL);
		probe(what, 4, "10.91.0.2", 53, strstr(sets[i], "10.91.0.2:") ?
						"10.91.0.2:53/udp" : NULL);
		probe(what, 4, "10.91.0.3", 999, strstr(sets[i], "10.91.0.3") ?
						"10.91.0.3" : NULL);
		probe(what, 4, "10.92.7.7", 999, strstr(sets[i], "10.92.") ?
						"10.92.0.0/16" : NULL);
		probe(what, 6, "2001:db8:91::1", 999,
		      strstr(sets[i], "2001:db8:91::1") ? "2001:db8:91::1" : NULL);
		probe(what, 6, "2001:db8:91::2", 53,
		      strstr(sets[i], "[2001:db8:91::2]") ?
			      "[2001:db8:91::2]:53/udp" : NULL);
	}
}

/* A run the program refuses (a table it does not know) fails, and its
 * records are not run again with the next ones: those are made. */
static void test_failed_run(void)
{
	static const uint8_t key[20];
	uint8_t bad = 7, good = 7;
	uint32_t w[6] = { 0 };
	int err;

	xr_checks++;
	if (kwrite_add(km.kw, 9, 1, 0, 0, key, 8, &bad) ||
	    kwrite_flush(km.kw) != -EIO)
		fail("a record of an unknown table was not refused");
	err = kwrite_add(km.kw, OA_V4, 1, 0, 0, key, 8, &good);
	if (!err)
		err = kwrite_flush(km.kw);
	xr_checks++;
	if (err || good != 0)
		fail("a run after a refused one failed (%d): the refused "
		     "record ran again", err);
	xr_checks++;
	if (kwrite_put(km.kw, 9, 0, w) || kwrite_put_flush(km.kw) != -EIO)
		fail("a put to an unknown table was not refused");
	err = kwrite_put(km.kw, XDPFW_KW_RSTATS, 0, NULL);
	if (!err)
		err = kwrite_put_flush(km.kw);
	xr_checks++;
	if (err)
		fail("a put after a refused one failed (%d): the refused put "
		     "ran again", err);
}

/* The /24 table: words 0-2047 (two pages), from random start words. */
enum { V4T_WORDS = 2048 };

static unsigned v4t_seed = 77;

static uint32_t v4t_rand(uint32_t n)
{
	v4t_seed = v4t_seed * 1103515245u + 12345u;
	return (v4t_seed >> 8) % n;
}

/* A word or op value as a reload makes them: flags, a slot part, an L2
 * word (a block and its halves), nothing. */
static uint32_t v4t_value(int l2)
{
	static const uint32_t flags[] = {
		XDPFW_V4T_HOSTS, XDPFW_V4T_TRIE, XDPFW_V4T_EP, XDPFW_V4T_PP,
		XDPFW_V4T_HOSTS | XDPFW_V4T_EP,
	};

	switch (v4t_rand(l2 ? 5 : 4)) {
	case 0:
		return flags[v4t_rand(5)];
	case 1:
		return 1 + v4t_rand(100);
	case 2:
		return 0;
	case 3:
		return (flags[v4t_rand(5)] & ~XDPFW_V4T_TRIE) | (1 + v4t_rand(9));
	default:
		return XDPFW_V4T_L2 | (XDPFW_V4T_L2_LO << v4t_rand(2)) | v4t_rand(16);
	}
}

/* What a widening or narrowing left: the words, and km's bookkeeping. */
struct v4t_out {
	uint32_t words[V4T_WORDS];
	struct v4tbl_change narrow;
	uint32_t gone[64];
	size_t n_gone, count;
	uint32_t trie_words;
	int err;
};

static void v4t_write(uint32_t *tab, const uint32_t *start,
		      const struct v4tbl_change *c, int widen, int full,
		      struct v4t_out *o, int kw)
{
	struct v4tbl_change cc = *c;
	struct kwrite *w = km.kw;
	static int ix;

	cc.full = full ? (const struct v4tbl_ix *)&ix : NULL;
	cc.ops = malloc(c->n * sizeof(*c->ops)); /* the rounds make n >= 1 */
	if (!cc.ops) {
		fail("no memory for a /24 table round");
		exit(xr_finish());
	}
	memcpy(cc.ops, c->ops, c->n * sizeof(*c->ops));
	memcpy(tab, start, sizeof(o->words));
	km.n_v4l2_gone = 0;
	km.v4t_trie_words = 0;
	if (!kw) {
		km.kw = NULL;
		km.kw_off = 1;
	}
	memset(o, 0, sizeof(*o));
	o->err = widen ? kmaps_v4tbl_widen(&km, &cc, &o->narrow, &o->count) :
			 kmaps_v4tbl_narrow(&km, &cc, c, &o->count);
	km.kw = w;
	km.kw_off = 0;
	memcpy(o->words, tab, sizeof(o->words));
	for (size_t i = 0; i < km.n_v4l2_gone && i < 64; i++)
		o->gone[o->n_gone++] = km.v4l2_gone[i];
	o->trie_words = km.v4t_trie_words;
	free(cc.ops);
}

static int v4t_same(const struct v4t_out *a, const struct v4t_out *b)
{
	return a->err == b->err && !memcmp(a->words, b->words, sizeof(a->words)) &&
	       a->count == b->count && a->trie_words == b->trie_words &&
	       a->n_gone == b->n_gone &&
	       !memcmp(a->gone, b->gone, a->n_gone * sizeof(a->gone[0])) &&
	       a->narrow.n == b->narrow.n &&
	       !memcmp(a->narrow.ops, b->narrow.ops,
		       a->narrow.n * sizeof(a->narrow.ops[0]));
}

static void test_v4t(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = V4T_WORDS * 4;
	uint32_t *tab = mmap(NULL, (len + pg - 1) / pg * pg,
			     PROT_READ | PROT_WRITE, MAP_SHARED,
			     km.fd[XMAP_V4_TBL], 0);
	static uint32_t start[V4T_WORDS];
	static struct v4t_out a, b;
	uint64_t *used = km.v4l2_used;
	struct v4t_long *lng = km.v4t_lng;
	size_t diff = 0, words = 0;

	if (tab == MAP_FAILED) {
		fail("cannot map the /24 table: %s", strerror(errno));
		return;
	}
	km.v4l2_used = calloc(km.v4l2_blocks / 64 + 1, sizeof(uint64_t));
	km.v4t_lng = NULL; /* no blocks given here: need stays empty */
	for (int r = 0; r < ROUNDS; r++) {
		struct v4tbl_change c = { 0 };
		int widen = r % 3 != 2, full = !widen && r % 2;
		size_t n = 1 + v4t_rand(40);

		for (uint32_t i = 0; i < V4T_WORDS; i++)
			start[i] = v4t_rand(3) ? 0 : v4t_value(1);
		for (size_t i = 0; i < n; i++) {
			/* few words, so that ops meet on one */
			uint32_t idx = v4t_rand(24) * 89 % V4T_WORDS;

			if (widen)
				v4tbl_change_push(&c, idx, v4t_value(0));
			else if (v4t_rand(2))
				v4tbl_change_push(&c, idx | V4T_OP_SET,
						  v4t_value(1) & (XDPFW_V4T_SLOT |
								  XDPFW_V4T_L2));
			else
				v4tbl_change_push(&c, idx, v4t_value(0) &
								   XDPFW_V4T_SLOT);
		}
		v4t_write(tab, start, &c, widen, full, &a, 0);
		v4t_write(tab, start, &c, widen, full, &b, 1);
		xr_checks++;
		if (!v4t_same(&a, &b))
			fail("/24 table round %d (%s, %zu ops): the kernel "
			     "writer differs from the page runs (err %d/%d, "
			     "count %zu/%zu, words %s, narrow %zu/%zu, gone "
			     "%zu/%zu, trie %u/%u)", r,
			     widen ? "widen" : full ? "full narrow" : "narrow",
			     n, a.err, b.err, a.count, b.count,
			     memcmp(a.words, b.words, sizeof(a.words)) ?
				     "differ" : "same",
			     a.narrow.n, b.narrow.n, a.n_gone, b.n_gone,
			     a.trie_words, b.trie_words);
		for (uint32_t i = 0; i < V4T_WORDS; i++)
			diff += a.words[i] != start[i];
		words += a.count;
		v4tbl_change_free(&c);
		v4tbl_change_free(&a.narrow);
		v4tbl_change_free(&b.narrow);
	}
	/* the rounds changed words, and not only by widening nothing */
	xr_checks++;
	if (!diff || !words)
		fail("the /24 table rounds changed no word (%zu, %zu)", diff,
		     words);
	memset(tab, 0, len);
	free(km.v4l2_used);
	km.v4l2_used = used;
	km.v4t_lng = lng;
	km.n_v4l2_gone = 0;
	munmap(tab, (len + pg - 1) / pg * pg);
}

int main(int argc, char **argv)
{
	int rc = xr_setup("test-kwrite", argc, argv);
	size_t recs, runs;

	if (rc >= 0)
		return rc;
	make_pool();
	if (!kmaps_kwrite(&km)) {
		struct utsname u;
		int major = 0, minor = 0;

		/* bpf_loop (5.17) and syscall programs (5.14) */
		uname(&u);
		sscanf(u.release, "%d.%d", &major, &minor);
#if defined(__x86_64__)
		if (major > 5 || (major == 5 && minor >= 17)) {
			xr_checks++;
			fail("the kernel writer did not load on %s", u.release);
			return xr_finish();
		}
#endif
		printf("test-kwrite: no kernel writer here (%s): skipped\n",
		       u.release);
		return 77;
	}
	for (int r = 0; r < ROUNDS; r++) {
		same(KMAP_V4, r);
		same(KMAP_V6_PORT, r);
	}
	test_failed_run();
	test_v4t();
	/* the rounds wrote the tables behind the pipeline's back */
	apply_or_die("a full re-sync", "", 1, NULL);
	test_pipeline();
	kwrite_counts(km.kw, &recs, &runs);
	printf("test-kwrite: %zu keys made by the kernel writer in %zu runs\n",
	       recs, runs);
	xr_checks++;
	if (recs < ROUNDS)
		fail("the kernel writer made only %zu keys", recs);
	return xr_finish();
}
