// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters of a dense rule set, read back exactly: the readers batch-read
 * each CPU's range of xdpfw_rstats in chunks, and a batch lookup continues
 * *after* its in_batch key.  An off-by-one there loses the first slot of
 * every chunk after the first (it did once), so hit slots on both sides of
 * every chunk boundary, a known number of times each, and compare the
 * whole read-back, also when collected a piece at a time as the daemon
 * does.  Needs root (exit 77 otherwise).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmaps.h"
#include "loader.h"
#include "log.h"
#include "pkt.h"
#include "stats.h"
#include "sync.h"
#include "testlib.h"
#include "xdpfw.skel.h"

#define N_RULES 12288 /* three 4096-slot chunks */

static const uint32_t hit_slots[] = { 0, 1, 4095, 4096, 4097, 8191, 8192,
				      8193, 12286, 12287 };

static void addr_of(uint32_t k, char *buf, size_t len)
{
	snprintf(buf, len, "10.9.%u.%u", k >> 8, k & 255);
}

/* The daemon's collection (stats_counted), pieces of 1000 slots: the rows
 * of the slots that counted and of the slots keep names (5: idle, 4096:
 * counted), in slot order, each with its count. */
/* Every slot's packets in c (N_RULES of them) as want says; what: the
 * way they were read. */
static void check_packets(const struct xdpfw_counter *c, const uint64_t *want,
			  const char *what)
{
	for (uint32_t k = 0; k < N_RULES; k++)
		CHECK_MSG(c[k].packets == want[k],
			  "%s: slot %u: %llu packets, expected %llu", what, k,
			  (unsigned long long)c[k].packets,
			  (unsigned long long)want[k]);
}

static void check_counted(struct kmaps *km, const uint64_t *want,
			  const char *how)
{
	struct stat_row keep_rows[2] = { { .slot = 5 }, { .slot = 4096 } };
	struct stats_snapshot keep = { .rows = keep_rows, .n = 2 }, snap;
	struct stats_counted c;
	size_t in_force = 0, n = 0;
	int r;

	stats_counted_begin(&c, &keep);
	while ((r = stats_counted_step(&c, km, 1000)) == 0)
		;
	CHECK_INT(r, 1);
	CHECK_INT(stats_counted_end(&c, km, &snap, &in_force), 0);
	CHECK_INT(in_force, N_RULES);
	for (uint32_t k = 0, i = 0; k < N_RULES; k++) {
		if (!want[k] && k != 5)
			continue;
		n++;
		CHECK_MSG(i < snap.n && snap.rows[i].slot == k &&
				  snap.rows[i].c.packets == want[k] &&
				  snap.rows[i].rule.family,
			  "%s: row %u: slot %u, %llu packets; expected slot %u, "
			  "%llu", how, i, i < snap.n ? snap.rows[i].slot : 0,
			  i < snap.n ? (unsigned long long)snap.rows[i].c.packets : 0,
			  k, (unsigned long long)want[k]);
		i++;
	}
	CHECK_INT(snap.n, n);
	stats_free(&snap);
}

int main(void)
{
	struct xdpfw_rule *rules;
	struct xdpfw_counter *got;
	struct xdpfw_counter *piecewise = NULL;
	struct xdpfw_counter totals[XDPFW_TOTAL_MAX];
	uint64_t want_total = 0, want[N_RULES] = { 0 };
	struct stats_snapshot snap;
	struct stats_collector col;
	struct sync_result res;
	struct xdpfw_bpf *skel;
	struct kmaps km;
	int err, prog_fd, r;

	err = tl_bpf_load("test-counters", LOG_LVL_ERROR, N_RULES, &skel, &km);
	if (err)
		return err; /* before any allocation: a skip leaks nothing */
	rules = calloc(N_RULES, sizeof(*rules));
	got = calloc(N_RULES, sizeof(*got));
	if (!rules || !got) {
		fprintf(stderr, "test-counters: out of memory\n");
		return 1;
	}

	/* N_RULES distinct hosts: rule k gets slot k (fresh table). */
	for (uint32_t k = 0; k < N_RULES; k++) {
		char a[32];

		addr_of(k, a, sizeof(a));
		rules[k].family = XDPFW_FAMILY_V4;
		rules[k].prefixlen = 32;
		inet_pton(AF_INET, a, rules[k].addr);
	}
	CHECK_INT(sync_apply(&km, rules, N_RULES, NULL, SYNC_INCREMENTAL, &res), 0);
	CHECK_INT(res.added, N_RULES);
	for (uint32_t k = 0; k < N_RULES; k += 1000)
		CHECK(rule_equal(&km.table[k], &rules[k]));

	prog_fd = bpf_program__fd(skel->progs.xdpfw_xdp);
	for (size_t i = 0; i < sizeof(hit_slots) / sizeof(hit_slots[0]); i++) {
		uint32_t k = hit_slots[i], times = 3 + (uint32_t)i;
		uint8_t frame[128];
		char a[32];
		struct pkt_spec ps = {
			.family = 4, .dst = "198.18.0.1", .l4proto = IPPROTO_UDP,
			.sport = 1000, .dport = 2000,
		};
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		int len;

		addr_of(k, a, sizeof(a));
		ps.src = a;
		len = pkt_build(&ps, frame, sizeof(frame));
		CHECK(len > 0);
		opts.data_in = frame;
		opts.data_size_in = (__u32)len;
		opts.repeat = times; /* the program runs `times` times */
		CHECK_INT(bpf_prog_test_run_opts(prog_fd, &opts), 0);
		CHECK_INT(opts.retval, XDP_DROP);
		want[k] = times;
		want_total += times;
	}

	/* This layout's counters are mmapable: read as memory, not bpf(). */
	CHECK(km.rstats_mmapable);
	CHECK_INT(kmaps_read_counters(&km, got, totals), 0);
	check_packets(got, want, "mmap");
	CHECK_INT(totals[XDPFW_T_DROPPED].packets, want_total);

	/* The daemon's way: a piece at a time, odd piece sizes. */
	CHECK_INT(stats_collect_begin(&col, &km), 0);
	while ((r = stats_collect_step(&col, &km, 1000)) == 0)
		;
	CHECK_INT(r, 1);
	CHECK_INT(stats_collect_end(&col, &km, &snap), 0);
	CHECK_INT(snap.n, N_RULES);
	piecewise = calloc(N_RULES, sizeof(*piecewise));
	for (size_t i = 0; i < snap.n; i++)
		piecewise[snap.rows[i].slot] = snap.rows[i].c;
	check_packets(piecewise, want, "piecewise");
	stats_free(&snap);

	/* The same without the whole table mapped (the daemon's windows),
	 * through mmap windows and then through batch reads. */
	kmaps_table_lazy(&km);
	check_counted(&km, want, "counted, mapped");
	km.rstats_mmapable = 0;
	check_counted(&km, want, "counted, batch");
	memset(got, 0, N_RULES * sizeof(*got));
	CHECK_INT(kmaps_read_counters(&km, got, NULL), 0);
	check_packets(got, want, "batch");

	free(piecewise);
	free(rules);
	free(got);
	kmaps_close(&km);
	xdpfw_bpf__destroy(skel);
	return tl_finish("test-counters");
}
