// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-stall: how long was a CPU kept from running user space?  One
 * thread pinned to each CPU spins reading CLOCK_MONOTONIC and keeps the
 * longest gap between two reads (a kernel section that does not yield,
 * such as freeing a large map without cond_resched, shows up as a gap on
 * the CPU it ran on; so does ordinary scheduling of other work there,
 * which a quiet machine keeps short).  Runs until SIGINT or SIGTERM, then
 * prints one line per CPU and the longest gap:
 *
 *   cpu N max_gap_ms X at_s T mono_s M
 *   longest_ms X
 *
 * T is when the gap ended, in seconds from the start; M the same moment on
 * CLOCK_MONOTONIC (to match with `perf record -k CLOCK_MONOTONIC` or
 * another tool's timestamps: the gap is [M - X/1000, M]).
 *
 * Usage: bench-stall [-r]   (-r: SCHED_FIFO priority 1, so that only the
 * kernel, not another task, can hold a CPU away from it)
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 256

struct probe {
	pthread_t thread;
	int cpu;
	double max_gap_ms;
	double at_s;
	double mono_s;
};

static atomic_int stop;
static double t_start;
static int realtime;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *spin(void *arg)
{
	struct probe *p = arg;
	cpu_set_t set;
	double prev, t;

	CPU_ZERO(&set);
	CPU_SET(p->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		return NULL;
	if (realtime) {
		struct sched_param sp = { .sched_priority = 1 };

		pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	}
	prev = now_s();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		t = now_s();
		if ((t - prev) * 1e3 > p->max_gap_ms) {
			p->max_gap_ms = (t - prev) * 1e3;
			p->at_s = t - t_start;
			p->mono_s = t;
		}
		prev = t;
	}
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, 1);
}

int main(int argc, char **argv)
{
	static struct probe probes[MAX_CPUS];
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	double longest = 0;
	sigset_t block, old;

	realtime = argc > 1 && !strcmp(argv[1], "-r");
	if (n < 1 || n > MAX_CPUS) {
		fprintf(stderr, "bench-stall: %ld CPUs\n", n);
		return 1;
	}
	/* The spinning threads take no signal: the main thread waits. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	t_start = now_s();
	for (long i = 0; i < n; i++) {
		probes[i].cpu = (int)i;
		if (pthread_create(&probes[i].thread, NULL, spin, &probes[i])) {
			fprintf(stderr, "bench-stall: cannot start a thread\n");
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fprintf(stderr, "bench-stall: %ld CPUs probed\n", n);
	while (!atomic_load(&stop))
		pause();
	for (long i = 0; i < n; i++) {
		pthread_join(probes[i].thread, NULL);
		printf("cpu %d max_gap_ms %.3f at_s %.3f mono_s %.6f\n",
		       probes[i].cpu, probes[i].max_gap_ms, probes[i].at_s,
		       probes[i].mono_s);
		if (probes[i].max_gap_ms > longest)
			longest = probes[i].max_gap_ms;
	}
	printf("longest_ms %.3f\n", longest);
	return 0;
}
