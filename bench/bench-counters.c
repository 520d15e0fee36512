// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-counters: what a drop's count costs in each per-rule counter
 * layout of bench/bpf/counters.bpf.c, on one CPU and on several at once
 * (the same program and maps run by one thread pinned to each CPU, all
 * started together).  BPF_PROG_TEST_RUN over a 64-byte frame, `repeat`
 * runs a call; ns a run, the median of the interleaved rounds.
 *
 *   bench-counters [--slots N] [--hot N] [--repeat R] [--rounds K]
 *                  [--cpus C] [--spread]
 *
 * --slots   counters (max_rules), a power of two (1048576)
 * --hot     per-CPU hot counters of the proposal (65536)
 * --cpus    CPUs run at once, 1 and then this many (2)
 * --spread  a different slot each run, else slot 0 on every CPU (one rule
 *           hit from every CPU: the shared counter's worst case)
 *
 * The layouts: TABLES.md, "Kernel memory"; the results and the command:
 * docs/BENCHMARKS.md.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "counters.skel.h"

#define MAX_CPUS 64
#define MAX_ROUNDS 64

/* Each layout: its program, and for the proposal whether every slot's
 * hot index is set (1) or cleared (0) before it runs (-1: not read). */
struct layout {
	const char *name, *prog, *what;
	int hot;
};

static const struct layout layouts[] = {
	{ "none", "xc_none", "no counter (the floor)", -1 },
	{ "percpu", "xc_percpu", "per (CPU, slot): today's", -1 },
	{ "shared", "xc_shared", "one per slot, atomic adds", -1 },
	{ "hot-cold", "xc_hot",
	  "proposal, rule not yet hot: index read + atomic", 0 },
	{ "hot", "xc_hot",
	  "proposal, rule hot: index read + per-CPU hot counter", 1 },
};
#define N_LAYOUTS (sizeof(layouts) / sizeof(layouts[0]))

struct run {
	int prog_fd, cpu, repeat;
	pthread_barrier_t *go;
	double ns;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *run_one(void *arg)
{
	struct run *r = arg;
	unsigned char frame[64] = { 0 };
	cpu_set_t set;
	uint64_t t0;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = r->repeat);

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		xb_die("pinning to CPU %d: %s", r->cpu, strerror(errno));
	pthread_barrier_wait(r->go);
	t0 = now_ns();
	if (bpf_prog_test_run_opts(r->prog_fd, &o))
		xb_die("BPF_PROG_TEST_RUN: %s", strerror(errno));
	/* the kernel's duration is whole ns: the call's own time instead */
	r->ns = (double)(now_ns() - t0) / r->repeat;
	if (o.retval != XDP_DROP)
		xb_die("the program returned %u, not XDP_DROP", o.retval);
	return NULL;
}

/* prog run on CPUs 0..ncpu-1 at once: the mean of their ns a run. */
static double run_on(int prog_fd, int ncpu, int repeat)
{
	struct run r[MAX_CPUS];
	pthread_t t[MAX_CPUS];
	pthread_barrier_t go;
	double sum = 0;

	pthread_barrier_init(&go, NULL, (unsigned)ncpu);
	for (int i = 0; i < ncpu; i++) {
		r[i] = (struct run){ prog_fd, i, repeat, &go, 0 };
		if (pthread_create(&t[i], NULL, run_one, &r[i]))
			xb_die("pthread_create failed");
	}
	for (int i = 0; i < ncpu; i++) {
		pthread_join(t[i], NULL);
		sum += r[i].ns;
	}
	pthread_barrier_destroy(&go);
	return sum / ncpu;
}

static int prog_of(struct xb_counters *s, const struct layout *l)
{
	struct bpf_program *p =
		bpf_object__find_program_by_name(s->obj, l->prog);

	if (!p)
		xb_die("counters.bpf.o has no program %s", l->prog);
	return bpf_program__fd(p);
}

/* Every slot's hot index: 1..hot-1 (set), or 0 (cleared). */
static void set_hot(struct xb_counters *s, uint32_t slots, uint32_t hot,
		    int on)
{
	int fd = bpf_map__fd(s->maps.xc_hot_idx);

	for (uint32_t k = 0; k < slots; k++) {
		uint32_t v = on ? 1 + k % (hot - 1) : 0;

		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			xb_die("writing the hot index: %s", strerror(errno));
	}
}

static struct xb_counters *load(uint32_t slots, uint32_t hot, int ncpus,
				int spread)
{
	struct xb_counters *s = xb_counters__open();

	if (!s)
		xb_die("opening counters.bpf.o: %s", strerror(errno));
	s->rodata->xc_slots = slots;
	s->rodata->xc_hot_n = hot;
	s->rodata->xc_ncpus = (uint32_t)ncpus;
	s->rodata->xc_spread = (uint32_t)spread;
	if (bpf_map__set_max_entries(s->maps.xc_pcpu, slots * (uint32_t)ncpus) ||
	    bpf_map__set_max_entries(s->maps.xc_shared_c, slots) ||
	    bpf_map__set_max_entries(s->maps.xc_hot_idx, slots) ||
	    bpf_map__set_max_entries(s->maps.xc_hot_c, hot * (uint32_t)ncpus))
		xb_die("sizing the maps failed");
	if (xb_counters__load(s))
		xb_die("loading counters.bpf.o: %s", strerror(errno));
	return s;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-counters [--slots N] [--hot N] [--repeat R] "
		   "[--rounds K] [--cpus C] [--spread]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slots", required_argument, NULL, 's' },
		{ "hot", required_argument, NULL, 'h' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'k' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "spread", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'H' },
		{ 0 },
	};
	uint32_t slots = 1u << 20, hot = 1u << 16;
	int repeat = 1000000, rounds = 7, cpus = 2, spread = 0, ncpu, c;
	double v[N_LAYOUTS][2][MAX_ROUNDS];
	struct xb_counters *s;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': slots = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h': hot = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': repeat = atoi(optarg); break;
		case 'k': rounds = atoi(optarg); break;
		case 'c': cpus = atoi(optarg); break;
		case 'p': spread = 1; break;
		case 'H': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (!slots || (slots & (slots - 1)) || hot < 2 || repeat < 1 ||
	    rounds < 1 || rounds > MAX_ROUNDS || cpus < 1 || cpus > MAX_CPUS ||
	    cpus > ncpu) {
		usage(stderr);
		return 2;
	}
	s = load(slots, hot, cpus, spread);
	for (int r = 0; r < rounds; r++) {
		for (size_t l = 0; l < N_LAYOUTS; l++) {
			if (layouts[l].hot >= 0)
				set_hot(s, slots, hot, layouts[l].hot);
			for (int n = 0; n < 2; n++)
				v[l][n][r] = run_on(prog_of(s, &layouts[l]),
						    n ? cpus : 1, repeat);
		}
	}
	printf("per-rule counters, ns a drop (median of %d rounds, repeat %d, "
	       "%u slots, %u hot, %s)\n", rounds, repeat, slots, hot,
	       spread ? "a different slot each run" : "one slot on every CPU");
	printf("%-10s %12s %14s  %s\n", "layout", "1 CPU",
	       cpus > 1 ? "each of N CPUs" : "again", "what");
	for (size_t l = 0; l < N_LAYOUTS; l++) {
		double one = xb_median(v[l][0], rounds, MAX_ROUNDS, NULL, NULL);
		double all = xb_median(v[l][1], rounds, MAX_ROUNDS, NULL, NULL);

		printf("%-10s %12.2f %14.2f  %s\n", layouts[l].name, one, all,
		       layouts[l].what);
	}
	printf("(N = %d)\n", cpus);
	xb_counters__destroy(s);
	return 0;
}
