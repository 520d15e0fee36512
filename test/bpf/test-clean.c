// SPDX-License-Identifier: GPL-2.0-only
/*
 * The free slots whose counters are known zero (kmaps_clean.c): maps just
 * created are zero, so a rule that takes one of their slots is not zeroed
 * again; a slot freed keeps what its rule counted until the sweep zeroes
 * it, or until a rule takes it first (then the reload zeroes it, and the
 * sweep must leave it: its new rule counts there); a transition that
 * reuses the slots it frees (delete_first) leaves none of them to the
 * sweep; maps found pinned get every free slot swept, a batch at a time.
 * Counters are read raw, per CPU, free slots included.
 */
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmaps.h"
#include "kmaps_int.h"
#include "testlib.h"
#include "xdprun.h"

/* Packets counted in slot s on every CPU, free or not. */
static uint64_t raw_count(uint32_t s)
{
	uint64_t sum = 0;

	for (int c = 0; c < km.ncpus; c++) {
		uint32_t key = (uint32_t)c * km.capacity + s;
		struct xdpfw_counter v;

		if (bpf_map_lookup_elem(km.fd[XMAP_RSTATS], &key, &v)) {
			fail("reading the counter of slot %u on CPU %d", s, c);
			return UINT64_MAX;
		}
		sum += v.packets;
	}
	return sum;
}

static int is_clean(uint32_t s)
{
	return km.clean && (km.clean[s / 64] >> (s % 64) & 1);
}

static void check_count(const char *what, uint32_t s, uint64_t want)
{
	uint64_t got = raw_count(s);

	xr_checks++;
	if (got != want)
		fail("%s: slot %u counted %llu, want %llu", what, s,
		     (unsigned long long)got, (unsigned long long)want);
}

static void check_size(const char *what, size_t got, size_t want)
{
	xr_checks++;
	if (got != want)
		fail("%s: %zu, want %zu", what, got, want);
}

/* k UDP frames from the IPv4 address src, each counted by rule want. */
static void hit(const char *src, const char *want, int k)
{
	struct pkt_spec s = spec(4, src, 17, 999);

	for (int i = 0; i < k; i++)
		run_spec("a hit", &s, want, 0);
}

static void sweep_now(const char *what, size_t max, size_t want_counters)
{
	size_t count = 0;
	int err = kmaps_sweep_counters(&km, max, &count);

	xr_checks++;
	if (err)
		fail("%s: the sweep failed: %s", what, strerror(-err));
	check_size(what, count, want_counters);
}

static void test_reuse(void)
{
	struct applied a, b;
	size_t ncpus = (size_t)km.ncpus;
	int s0, s1;

	/* as a start into maps just created */
	km.counters_fresh = 1;
	apply_or_die("two rules", "10.1.0.1\n10.1.0.2\n", 0, NULL);
	s0 = slot_of_text("10.1.0.1");
	s1 = slot_of_text("10.1.0.2");
	xr_checks++;
	if (s0 < 0 || s1 < 0 || !km.clean || is_clean((uint32_t)s0) ||
	    is_clean((uint32_t)s1) || !is_clean(km.capacity - 1)) {
		fail("maps just created: the taken slots %d, %d not clean, the "
		     "others clean", s0, s1);
		return;
	}
	hit("10.1.0.1", "10.1.0.1", 3);
	hit("10.1.0.2", "10.1.0.2", 1);

	/* its rule gone, slot s0 keeps its counts until the sweep */
	apply_or_die("one removed", "10.1.0.2\n", 0, NULL);
	check_size("slots to sweep", kmaps_sweep_pending(&km), 1);
	check_count("a freed slot before the sweep", (uint32_t)s0, 3);

	/* taken again before the sweep: zeroed by the reload */
	apply_or_die("one added", "10.1.0.2\n10.1.0.3\n", 0, &a);
	xr_checks++;
	if (slot_of_text("10.1.0.3") != s0)
		fail("10.1.0.3 took slot %d, not the freed %d",
		     slot_of_text("10.1.0.3"), s0);
	check_count("a freed slot taken before the sweep", (uint32_t)s0, 0);
	hit("10.1.0.3", "10.1.0.3", 2);
	/* the sweep leaves the slot its new rule counts in */
	sweep_now("a sweep after the slot was taken", 16, 0);
	check_count("a taken slot after the sweep", (uint32_t)s0, 2);

	/* freed again and swept: zero, clean, and taken without a write */
	apply_or_die("removed again", "10.1.0.2\n", 0, NULL);
	check_count("freed again", (uint32_t)s0, 2);
	sweep_now("the sweep", 16, ncpus);
	check_count("swept", (uint32_t)s0, 0);
	xr_checks++;
	if (!is_clean((uint32_t)s0))
		fail("a swept slot is not clean");
	apply_or_die("one added into a clean slot", "10.1.0.2\n10.1.0.4\n", 0,
		     &b);
	xr_checks++;
	if (slot_of_text("10.1.0.4") != s0)
		fail("10.1.0.4 took slot %d, not the clean %d",
		     slot_of_text("10.1.0.4"), s0);
	/* the same change as a's but for the counters it did not zero */
	check_size("slot writes into a clean slot", b.slot_writes,
		   a.slot_writes - ncpus);
	hit("10.1.0.4", "10.1.0.4", 1);
	check_count("the rule in the clean slot", (uint32_t)s0, 1);
	check_count("the rule that stayed", (uint32_t)s1, 1);
}

/* Is slot s in v (n slots)? */
static int has_slot(const int *v, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == (int)s)
			return 1;
	return 0;
}

/* A set replaced by more other rules than the table has free slots: the
 * removed rules' slots go first and are taken by the added ones in the
 * same reload (delete_first); the sweep leaves those. */
static void test_delete_first(void)
{
	enum { N = 40 };
	char x[N * 16], y[N * 16], r[32];
	int old[N], now[N], reused = 0;
	size_t lx = 0, ly = 0, n;

	for (int i = 0; i < N; i++) {
		lx += (size_t)sprintf(x + lx, "10.2.0.%d\n", i + 1);
		ly += (size_t)sprintf(y + ly, "10.3.0.%d\n", i + 1);
	}
	apply_or_die("40 rules", x, 0, NULL);
	for (int i = 0; i < N; i++) {
		snprintf(r, sizeof(r), "10.2.0.%d", i + 1);
		old[i] = slot_of_text(r);
	}
	sweep_now("before", SIZE_MAX, kmaps_sweep_pending(&km) * (size_t)km.ncpus);
	apply_or_die("40 others", y, 0, NULL);
	for (int i = 0; i < N; i++) {
		snprintf(r, sizeof(r), "10.3.0.%d", i + 1);
		now[i] = slot_of_text(r);
		reused += has_slot(old, N, (uint32_t)now[i]);
	}
	xr_checks++;
	if (N + N <= (int)km.capacity || !reused)
		fail("the transition reused no freed slot: not delete_first");
	hit("10.3.0.1", "10.3.0.1", 2);
	n = 0;
	for (uint32_t s = 0; s < km.capacity; s++) {
		if (!(km.sweep_bits[s / 64] >> (s % 64) & 1))
			continue;
		n++;
		xr_checks++;
		if (has_slot(now, N, s))
			fail("slot %u, in use, is to be swept", s);
	}
	check_size("slots to sweep after delete_first", n, N - (size_t)reused);
	sweep_now("after delete_first", SIZE_MAX, n * (size_t)km.ncpus);
	check_count("a rule of the transition after the sweep",
		    (uint32_t)now[0], 2);
}

/* Maps found pinned (nothing known): every free slot is swept, a batch
 * at a time, and none in use. */
static void test_start(void)
{
	uint64_t *busy = calloc((km.capacity + 63) / 64, sizeof(*busy));
	size_t used = 0, rounds = 0;

	if (!busy) {
		fail("out of memory");
		return;
	}
	for (uint32_t s = 0; s < km.capacity; s++)
		if (slot_of_text("10.3.0.1") == (int)s ||
		    slot_of_text("10.3.0.2") == (int)s) {
			busy[s / 64] |= 1ULL << (s % 64);
			used++;
		}
	kmaps_clean_forget(&km);
	kmaps_clean_start(&km, busy);
	check_size("slots to sweep at a start", kmaps_sweep_pending(&km),
		   km.capacity - used);
	while (kmaps_sweep_pending(&km) && rounds < km.capacity) {
		size_t had = kmaps_sweep_pending(&km), count = 0;

		xr_checks++;
		if (kmaps_sweep_counters(&km, 7, &count) ||
		    had - kmaps_sweep_pending(&km) > 7)
			fail("a sweep of at most 7 slots failed or took more");
		rounds++;
	}
	for (uint32_t s = 0; s < km.capacity; s++) {
		int in_use = busy[s / 64] >> (s % 64) & 1;

		xr_checks++;
		if (is_clean(s) == in_use)
			fail("slot %u: clean %d, in use %d", s, is_clean(s),
			     in_use);
	}
	check_count("a rule in use after the start's sweep",
		    (uint32_t)slot_of_text("10.3.0.1"), 2);
	free(busy);
}

int main(int argc, char **argv)
{
	int rc = xr_setup("test-clean", argc, argv);

	if (rc >= 0)
		return rc;
	test_reuse();
	test_delete_first();
	test_start();
	return xr_finish();
}
