// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the keys back and writing them, on every path the kernel may
 * leave us: batch operations on every map (Linux 6.0+), batches on arrays
 * only (LPM tries, every lookup map since layout 10, refuse them before
 * 6.0), and one key at a time.  A set
 * with more keys per map than one batch chunk holds, tries included, must
 * read back as exactly the keys the rules own, the same on each path, and
 * a full re-sync must repair keys changed behind the daemon's back on each
 * path.  Needs root (exit 77 otherwise).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
#include "kmaps.h"
#include "log.h"
#include "sync.h"
#include "testlib.h"
#include "xdpfw.skel.h"

#define N_RULES 20000

/* Rule k: alternately an IPv4 /24 prefix (a trie key), an IPv4 host, an
 * IPv6 prefix (every other one a /48, in the class table, else a /40, a
 * trie key) and an IPv4 host:port/udp. */
static void make_rule(uint32_t k, struct xdpfw_rule *r)
{
	char a[64];

	memset(r, 0, sizeof(*r));
	switch (k % 4) {
	case 0:
		snprintf(a, sizeof(a), "10.%u.%u.0", (k >> 8) & 255, k & 255);
		r->family = XDPFW_FAMILY_V4;
		r->prefixlen = 24;
		inet_pton(AF_INET, a, r->addr);
		break;
	case 1:
		snprintf(a, sizeof(a), "172.16.%u.%u", (k >> 8) & 255, k & 255);
		r->family = XDPFW_FAMILY_V4;
		r->prefixlen = 32;
		inet_pton(AF_INET, a, r->addr);
		break;
	case 2:
		if (k % 8 == 2)
			snprintf(a, sizeof(a), "2001:db8:%x::", k);
		else
			snprintf(a, sizeof(a), "2001:%x:%x00::", k >> 8, k & 255);
		r->family = XDPFW_FAMILY_V6;
		r->prefixlen = k % 8 == 2 ? 48 : 40;
		inet_pton(AF_INET6, a, r->addr);
		break;
	default:
		snprintf(a, sizeof(a), "192.168.%u.%u", (k >> 8) & 255, k & 255);
		r->family = XDPFW_FAMILY_V4;
		r->prefixlen = 32;
		r->port = 53;
		r->proto = IPPROTO_UDP;
		inet_pton(AF_INET, a, r->addr);
		break;
	}
}

static int kop_cmp(const void *a, const void *b)
{
	const struct kop *x = a, *y = b;
	int c = kkey_cmp(&x->key, &y->key);

	if (c)
		return c;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* The keys of km, sorted; *n of them. */
static struct kop *dump_sorted(struct kmaps *km, size_t *n)
{
	struct kop *keys = NULL;

	CHECK_INT(kmaps_dump_keys(km, &keys, n), 0);
	if (keys)
		qsort(keys, *n, sizeof(*keys), kop_cmp);
	return keys;
}

static int same_keys(const struct kop *a, size_t na, const struct kop *b,
		     size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/* Change two prefix keys and a host key behind the daemon's back: delete
 * one, point one at a wrong slot, add a foreign one. */
static void tamper(struct kmaps *km, const struct xdpfw_rule *rules)
{
	struct kkey k[2];
	uint32_t wrong = 7;

	rule_kkeys(&rules[0], k);
	CHECK_INT(bpf_map_delete_elem(km->fd[k[0].map], k[0].b), 0);
	rule_kkeys(&rules[6], k); /* a /40: in the trie itself */
	CHECK_INT(bpf_map_update_elem(km->fd[k[0].map], k[0].b, &wrong, BPF_ANY),
		  0);
	rule_kkeys(&rules[1], k);
	/* 172.16.x.y -> 236.16.x.y, a host no rule names */
	((uint8_t *)&k[0].v4.addr)[0] ^= 0x40;
	CHECK_INT(bpf_map_update_elem(km->fd[k[0].map], k[0].b, &wrong, BPF_ANY),
		  0);
}

/* On the path set by the flags: the read-back equals want, and a full
 * re-sync after tampering writes 3 keys and restores it. */
static void check_path(const char *label, struct kmaps *km,
		       const struct xdpfw_rule *rules, const struct kop *want,
		       size_t n_want)
{
	struct sync_result res;
	struct kop *got;
	size_t n;

	got = dump_sorted(km, &n);
	CHECK_MSG(same_keys(got, n, want, n_want),
		  "%s: read %zu keys, expected the same %zu", label, n, n_want);
	free(got);
	tamper(km, rules);
	CHECK_INT(sync_apply(km, rules, N_RULES, NULL, SYNC_FULL, &res), 0);
	CHECK_MSG(res.writes.key_writes == 3, "%s: repair wrote %zu keys, not 3",
		  label, res.writes.key_writes);
	got = dump_sorted(km, &n);
	CHECK_MSG(same_keys(got, n, want, n_want),
		  "%s: after the repair %zu keys, expected %zu", label, n,
		  n_want);
	free(got);
}

/* A large write puts the tries' keys on a second thread (kmaps_write.c);
 * the IPv6 prefixes' trie has an open addressing table, whose windows are
 * km's: they must stay on km's thread, else the thread's copy of km
 * unmaps the window km still points at.  Map one (a look-up), replace the
 * set by 5,000 IPv4 /24s, 5,000 IPv4 hosts and 5,000 IPv6 /48s (rule 2
 * kept): deletes and adds both large, on two threads; look again. */
static void check_windows_kept(struct kmaps *km, const struct xdpfw_rule *rules)
{
	enum { M = 15001 };
	struct xdpfw_rule *set = calloc(M, sizeof(*set));
	struct sync_result res;
	struct kkey k[2];
	uint32_t slot = 0;
	char a[64];

	if (!set) {
		CHECK(0);
		return;
	}
	rule_kkeys(&rules[2], k);
	CHECK_INT(kmaps_lookup_key(km, &k[0], &slot), 1);
	set[0] = rules[2];
	for (uint32_t i = 1; i < M; i++) {
		set[i].family = i % 3 ? XDPFW_FAMILY_V4 : XDPFW_FAMILY_V6;
		if (i % 3 == 1) {
			snprintf(a, sizeof(a), "11.%u.%u.0", (i >> 8) & 255, i & 255);
			set[i].prefixlen = 24;
			inet_pton(AF_INET, a, set[i].addr);
		} else if (i % 3 == 2) {
			snprintf(a, sizeof(a), "12.0.%u.%u", (i >> 8) & 255, i & 255);
			set[i].prefixlen = 32;
			inet_pton(AF_INET, a, set[i].addr);
		} else {
			snprintf(a, sizeof(a), "2001:db9:%x::", i);
			set[i].prefixlen = 48;
			inet_pton(AF_INET6, a, set[i].addr);
		}
	}
	CHECK_INT(sync_apply(km, set, M, NULL, SYNC_INCREMENTAL, &res), 0);
	CHECK_INT(kmaps_lookup_key(km, &k[0], &slot), 1);
	rule_kkeys(&set[M - 1], k);
	CHECK_INT(kmaps_lookup_key(km, &k[0], &slot), 1);
	free(set);
}

/* kmaps_drain empties every map, and deletes the keys of the maps without
 * an open addressing table (here the tries': rules 0 mod 4, IPv4 /24s,
 * and 6 mod 8, IPv6 /40s) at most KMAPS_DRAIN_RATE a second, so that
 * the kernel's deferred frees come in bounded batches. */
static void check_drain(struct kmaps *km, const struct xdpfw_rule *rules)
{
	const size_t tries = N_RULES / 4 + N_RULES / 8;
	struct sync_result res;
	struct timespec a, b;
	size_t n = 0;
	double took, floor_s;

	CHECK_INT(sync_apply(km, rules, N_RULES, NULL, SYNC_INCREMENTAL, &res), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_INT(kmaps_drain(km, &n), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK_INT(n, N_RULES);
	free(dump_sorted(km, &n));
	CHECK_INT(n, 0);
	took = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	floor_s = (double)(tries - KMAPS_DRAIN_CHUNK) / KMAPS_DRAIN_RATE;
	CHECK_MSG(took >= floor_s, "drained %zu trie keys in %.3f s: faster than "
		  "%d a second", tries, took, KMAPS_DRAIN_RATE);
}

int main(void)
{
	struct xdpfw_rule *rules = calloc(N_RULES, sizeof(*rules));
	struct sync_result res;
	struct xdpfw_bpf *skel;
	struct kop *want;
	struct kmaps km;
	size_t n_want;
	int err;

	err = tl_bpf_load("test-dump", LOG_LVL_ERROR, N_RULES, &skel, &km);
	if (err) {
		free(rules);
		return err;
	}
	for (uint32_t k = 0; k < N_RULES; k++)
		make_rule(k, &rules[k]);
	CHECK_INT(sync_apply(&km, rules, N_RULES, NULL, SYNC_INCREMENTAL, &res), 0);
	CHECK_INT(res.writes.key_writes, N_RULES);

	/* What the rules own, from the first (batched) read: one key each,
	 * and rule k in slot k (a fresh table). */
	want = dump_sorted(&km, &n_want);
	CHECK_INT(n_want, N_RULES);
	for (size_t i = 0; i < n_want; i++) {
		struct kkey k[2];
		uint32_t s = want[i].slot;

		CHECK(s < N_RULES && rule_kkeys(&rules[s], k) == 1 &&
		      !kkey_cmp(&k[0], &want[i].key));
	}

	check_path("batches everywhere", &km, rules, want, n_want);
	km.no_trie_batch = 1;
	check_path("no batches on tries", &km, rules, want, n_want);
	km.no_batch = 1;
	check_path("one key at a time", &km, rules, want, n_want);

	check_windows_kept(&km, rules);

	/* Removing every rule empties every map, one key at a time too. */
	CHECK_INT(sync_apply(&km, rules, 0, NULL, SYNC_INCREMENTAL, &res), 0);
	free(dump_sorted(&km, &n_want));
	CHECK_INT(n_want, 0);

	check_drain(&km, rules);

	free(want);
	free(rules);
	kmaps_close(&km);
	xdpfw_bpf__destroy(skel);
	return tl_finish("test-dump");
}
