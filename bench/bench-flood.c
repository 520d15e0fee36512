// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-flood: end-to-end drop rate on a veth pair.
 *
 * Run inside the network namespace that holds both ends (ip netns exec).
 * The generator is bench/bpf/tx.bpf.c run with BPF_PROG_TEST_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES on the sender end: every frame it returns
 * XDP_TX for is sent out of the sender, i.e. into the receiver's XDP
 * program (veth's ndo_xdp_xmit).  In interleaved rounds the receiver runs,
 * in turn:
 *   drop          bench/bpf/drop.bpf.c (counts, drops)     blocked flood
 *   xdpfw-block   xdpfw with the rules file                blocked flood
 *   xdpfw-pass    xdpfw with the rules file                non-matching flood
 *   pass          XDP_PASS (counting) to the stack          non-matching flood
 *   nft           XDP_PASS (counting), then the nft netdev  blocked flood
 *                 ingress chain drops (set blk, counter xbcnt)
 * and the rate is what the receiver counted over the wall time of the
 * trial: drop's map, xdpfw's totals, the counting pass program's map (nft
 * drops every frame that program passes; `nft list counter` needs ~15 s with
 * 1M elements in the table, so it is read once, at the end, with
 * --nft-verify).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"
#include "pkt.h"
#include "benchlib.h"
#include "kmaps.h"
#include "loader.h"
#include "log.h"
#include "plan.h"
#include "ruleidx.h"
#include "sync.h"
#include "rules.h"
#include "drop.skel.h"
#include "tx.skel.h"
#include "xdpfw.skel.h"

#define MAX_ROUNDS 32
#define MAX_THREADS 8

enum trial { T_DROP, T_XDPFW_BLOCK, T_XDPFW_PASS, T_PASS, T_NFT, T_N };
static const char *const trial_name[T_N] = {
	"drop", "xdpfw-block", "xdpfw-pass", "pass", "nft",
};
static const char *const trial_desc[T_N] = {
	"bare XDP_DROP, blocked flood",
	"xdpfw (rules file), blocked flood",
	"xdpfw (rules file), non-matching flood",
	"XDP_PASS to the stack, non-matching flood",
	"nft netdev ingress set, blocked flood",
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- counters ---- */

static int ncpus;

static uint64_t percpu_packets(int fd, uint32_t key)
{
	struct {
		uint64_t packets, bytes;
	} v[256];
	uint64_t sum = 0;

	if (ncpus > 256 || bpf_map_lookup_elem(fd, &key, v))
		xb_die("reading a counter: %s", strerror(errno));
	for (int i = 0; i < ncpus; i++)
		sum += v[i].packets;
	return sum;
}

static uint64_t sysfs_counter(const char *ifname, const char *name)
{
	char path[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname,
		 name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Packets of nft's named counter xbcnt in table netdev xbench; -1 when the
 * table is not there. */
static long long nft_counter(void)
{
	FILE *p = popen("nft list counter netdev xbench xbcnt 2>/dev/null", "r");
	char line[512];
	long long v = -1;

	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *s = strstr(line, "packets ");

		if (s)
			v = atoll(s + 8);
	}
	pclose(p);
	return v;
}

/* ---- generator ---- */

struct gen {
	pthread_t th;
	int cpu;
	int prog_fd;
	int ifindex;
	const uint8_t *frame;
	size_t len;
	double until;
	uint64_t sent;
	int err;
};

static void *gen_main(void *arg)
{
	struct gen *g = arg;
	struct xdp_md ctx = {
		.data = 0,
		.data_end = (__u32)g->len,
		.ingress_ifindex = (__u32)g->ifindex,
	};
	cpu_set_t cs;

	CPU_ZERO(&cs);
	CPU_SET(g->cpu, &cs);
	pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs);
	/* Bounded: every call sends `repeat` frames; stop at `until`. */
	while (now_s() < g->until) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = g->frame,
			    .data_size_in = (__u32)g->len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1u << 16,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = 64);

		if (bpf_prog_test_run_opts(g->prog_fd, &o)) {
			g->err = errno;
			break;
		}
		g->sent += 1u << 16;
	}
	return NULL;
}

static uint64_t flood(int tx_fd, int ifindex, const uint8_t *frame,
		      size_t len, double seconds, int threads, int gen_cpu,
		      double *wall)
{
	struct gen g[MAX_THREADS];
	uint64_t sent = 0;
	double t0 = now_s();

	for (int i = 0; i < threads; i++) {
		g[i] = (struct gen){
			.cpu = (gen_cpu + i) % ncpus, .prog_fd = tx_fd, .ifindex = ifindex,
			.frame = frame, .len = len, .until = t0 + seconds,
		};
		if (pthread_create(&g[i].th, NULL, gen_main, &g[i]))
			xb_die("pthread_create");
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(g[i].th, NULL);
		if (g[i].err)
			xb_die("generator: BPF_PROG_TEST_RUN (live frames): %s",
			    strerror(g[i].err));
		sent += g[i].sent;
	}
	*wall = now_s() - t0;
	return sent;
}

/* Threaded NAPI for the receiver, its kthreads pinned to cpu: the receiver
 * then runs on its own CPU instead of in the generator's softirq, and the
 * rate measures the receiver, not the sum of both.  Needs the NAPI
 * instances, i.e. an XDP program attached. */
static int napi_threaded(const char *ifname, int cpu)
{
	char path[256], comm[64], want[64];
	int found = 0;
	DIR *d;
	FILE *f;
	struct dirent *de;

	snprintf(path, sizeof(path), "/sys/class/net/%s/threaded", ifname);
	f = fopen(path, "w");
	if (!f || fputs("1", f) < 0 || fclose(f))
		xb_die("%s: cannot switch to threaded NAPI: %s", path, strerror(errno));
	snprintf(want, sizeof(want), "napi/%s-", ifname);
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		cpu_set_t cs;
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, want, strlen(want))) {
			CPU_ZERO(&cs);
			CPU_SET(cpu, &cs);
			if (sched_setaffinity(pid, sizeof(cs), &cs))
				xb_die("pinning %s to CPU %d: %s", comm, cpu,
				    strerror(errno));
			found++;
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-flood --tx IF --rx IF --rules FILE [options]\n"
		"  --seconds S     length of each trial (default 2)\n"
		"  --rounds R      interleaved rounds, median reported (default 3)\n"
		"  --threads N     generator threads, one per CPU (default 1)\n"
		"  --gen-cpu N     first CPU of the generator (default 0)\n"
		"  --napi-cpu N    receiver in threaded NAPI pinned to CPU N\n"
		"                  (default: in the generator's softirq)\n"
		"  --max-rules N   xdpfw capacity (default 1048576)\n"
		"  --nft           also the nft trial (table netdev xbench loaded)\n"
		"  --nft-verify    check nft's own counter at the end (slow)\n"
		"  --json FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tx", required_argument, NULL, 't' },
		{ "rx", required_argument, NULL, 'x' },
		{ "rules", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "threads", required_argument, NULL, 'T' },
		{ "max-rules", required_argument, NULL, 'm' },
		{ "nft", no_argument, NULL, 'n' },
		{ "nft-verify", no_argument, NULL, 'V' },
		{ "json", required_argument, NULL, 'j' },
		{ "napi-cpu", required_argument, NULL, 'N' },
		{ "gen-cpu", required_argument, NULL, 'G' },
		{ 0 },
	};
	const char *tx_if = NULL, *rx_if = NULL, *rules = NULL, *json = NULL;
	double seconds = 2, rate[T_N][MAX_ROUNDS], sent_rate[T_N][MAX_ROUNDS];
	double ratio_drop[MAX_ROUNDS], ratio_nft[MAX_ROUNDS],
		ratio_pass[MAX_ROUNDS];
	int rounds = 3, threads = 1, no_nft = 1, nft_verify = 0, opt;
	int n_rounds = 0, napi_cpu = -1, gen_cpu = 0;
	long long nft0 = 0;
	uint64_t nft_counted = 0;
	uint32_t max_rules = 1048576;
	int tx_idx, rx_idx, xdpfw_fd, totals_fd;
	uint8_t txmac[6], rxmac[6], fr_block[128], fr_pass[128];
	int len_block, len_pass;
	struct xdpfw_bpf *skel;
	struct kmaps km;
	struct xb_drop *drop;
	struct xb_tx *tx;
	struct ruleset rs;
	struct apply_stats st;
	double t0;
	int err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': tx_if = optarg; break;
		case 'x': rx_if = optarg; break;
		case 'f': rules = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'R': rounds = atoi(optarg); break;
		case 'T': threads = atoi(optarg); break;
		case 'm': max_rules = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'n': no_nft = 0; break;
		case 'V': nft_verify = 1; break;
		case 'j': json = optarg; break;
		case 'N': napi_cpu = atoi(optarg); break;
		case 'G': gen_cpu = atoi(optarg); break;
		default: usage();
		}
	}
	if (!tx_if || !rx_if || !rules || rounds < 1 || rounds > MAX_ROUNDS ||
	    threads < 1 || threads > MAX_THREADS || seconds <= 0 ||
	    seconds > 60)
		usage();
	log_set_level(LOG_LVL_WARNING);
	ncpus = libbpf_num_possible_cpus();
	tx_idx = (int)if_nametoindex(tx_if);
	rx_idx = (int)if_nametoindex(rx_if);
	if (!tx_idx || !rx_idx)
		xb_die("no interface %s or %s in this namespace", tx_if, rx_if);
	xb_get_mac(tx_if, txmac);
	xb_get_mac(rx_if, rxmac);

	{
		/* Blocked: an ip:port entry every generated file holds, and
		 * nft's set too.  Non-matching: a source no entry covers. */
		struct pkt_spec fs = {
			.family = 4, .src = "198.51.100.10", .dst = "198.18.0.2",
			.l4proto = IPPROTO_UDP, .sport = 30000, .dport = 9,
			.payload_len = 18,
		};

		memcpy(fs.src_mac, txmac, 6);
		memcpy(fs.dst_mac, rxmac, 6);
		len_block = pkt_build(&fs, fr_block, sizeof(fr_block));
		fs.src = "198.51.100.77";
		fs.sport = 443;
		len_pass = pkt_build(&fs, fr_pass, sizeof(fr_pass));
		if (len_block < 0 || len_pass < 0)
			xb_die("building frames");
	}

	drop = xb_drop__open_and_load();
	tx = xb_tx__open_and_load();
	if (!drop || !tx)
		xb_die("loading the bench programs: %s", strerror(errno));

	t0 = now_s();
	xb_load_xdpfw(&skel, &km, max_rules);
	xb_parse_file(&rs, rules);
	err = xb_apply_rules(&km, rs.rules, rs.n, &st);
	if (err)
		xb_die("applying %s: %s", rules, strerror(-err));
	fprintf(stderr, "xdpfw: %zu rules from %s in %.1f s\n", rs.n, rules,
		now_s() - t0);
	xdpfw_fd = bpf_program__fd(skel->progs.xdpfw_xdp);
	totals_fd = bpf_map__fd(skel->maps.xdpfw_totals);

	if (!no_nft && nft_verify) {
		nft0 = nft_counter();
		if (nft0 < 0)
			xb_die("nft: no table netdev xbench with counter xbcnt");
	}

	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < T_N; k++) {
			int t = (k + r) % T_N;
			const uint8_t *fr = (t == T_XDPFW_PASS || t == T_PASS) ?
						    fr_pass : fr_block;
			size_t len = (size_t)((t == T_XDPFW_PASS || t == T_PASS) ?
						      len_pass : len_block);
			int prog = t == T_DROP ? bpf_program__fd(drop->progs.xb_drop) :
				   (t == T_XDPFW_BLOCK || t == T_XDPFW_PASS) ?
							 xdpfw_fd :
							 bpf_program__fd(drop->progs.xb_count_pass);
			uint64_t before, after, sent, rx0, rx1;
			double wall;

			if (t == T_NFT && no_nft) {
				rate[t][r] = sent_rate[t][r] = 0;
				continue;
			}
			if (bpf_xdp_attach(rx_idx, prog, XDP_FLAGS_DRV_MODE, NULL))
				xb_die("attaching to %s (native): %s", rx_if,
				    strerror(errno));
			if (r == 0 && k == 0 && napi_cpu >= 0)
				fprintf(stderr, "%s: threaded NAPI, %d kthread(s) on CPU "
						"%d; generator on CPU %d\n", rx_if,
					napi_threaded(rx_if, napi_cpu), napi_cpu,
					gen_cpu);
			usleep(100000);
#define COUNT()                                                                \
	(t == T_DROP ? percpu_packets(bpf_map__fd(drop->maps.xb_drops), 0) :  \
	 t == T_XDPFW_BLOCK ? percpu_packets(totals_fd, XDPFW_T_DROPPED) :     \
	 t == T_XDPFW_PASS ? percpu_packets(totals_fd, XDPFW_T_PASSED) :       \
	 percpu_packets(bpf_map__fd(drop->maps.xb_passes), 0))
			before = COUNT();
			rx0 = sysfs_counter(rx_if, "rx_packets");
			sent = flood(bpf_program__fd(tx->progs.xb_tx), tx_idx, fr, len,
				     seconds, threads, gen_cpu, &wall);
			usleep(50000); /* let the receiver's NAPI finish */
			after = COUNT();
			rx1 = sysfs_counter(rx_if, "rx_packets");
			rate[t][r] = (double)(after - before) / wall;
			if (t == T_NFT)
				nft_counted += after - before;
			sent_rate[t][r] = (double)sent / wall;
			fprintf(stderr, "round %d %-12s %7.3f Mpps counted, %7.3f Mpps "
					"sent, veth rx %7.3f Mpps\n", r + 1,
				trial_name[t], rate[t][r] / 1e6,
				sent_rate[t][r] / 1e6, (double)(rx1 - rx0) / wall / 1e6);
		}
		ratio_drop[r] = rate[T_XDPFW_BLOCK][r] / rate[T_DROP][r];
		ratio_pass[r] = rate[T_XDPFW_PASS][r] / rate[T_PASS][r];
		ratio_nft[r] = no_nft ? 0 : rate[T_XDPFW_BLOCK][r] / rate[T_NFT][r];
		n_rounds++;
	}
	bpf_xdp_detach(rx_idx, XDP_FLAGS_DRV_MODE, NULL);
	if (!no_nft && nft_verify) {
		long long nft1 = nft_counter();

		fprintf(stderr, "nft counter xbcnt: %lld dropped in the nft trials, "
				"%llu passed to it by XDP\n", nft1 - nft0,
			(unsigned long long)nft_counted);
		if (nft1 - nft0 < (long long)nft_counted * 99 / 100)
			xb_die("nft dropped fewer frames than it was given: the nft "
			    "trial did not measure nft");
	}

	printf("%-12s %-40s %10s %10s %10s\n", "receiver", "what",
	       "Mpps", "min", "max");
	for (int t = 0; t < T_N; t++) {
		double mn, mx, md = xb_median(rate[t], n_rounds, MAX_ROUNDS, &mn, &mx);

		if (t == T_NFT && no_nft)
			continue;
		printf("%-12s %-40s %10.3f %10.3f %10.3f\n", trial_name[t],
		       trial_desc[t], md / 1e6, mn / 1e6, mx / 1e6);
	}
	{
		double mn, mx, md = xb_median(ratio_drop, n_rounds, MAX_ROUNDS, &mn, &mx);

		printf("xdpfw-block / drop  = %.3f (min %.3f, max %.3f)\n", md, mn,
		       mx);
		md = xb_median(ratio_pass, n_rounds, MAX_ROUNDS, &mn, &mx);
		printf("xdpfw-pass / pass   = %.3f (min %.3f, max %.3f)\n", md, mn,
		       mx);
		if (!no_nft) {
			md = xb_median(ratio_nft, n_rounds, MAX_ROUNDS, &mn, &mx);
			printf("xdpfw-block / nft   = %.3f (min %.3f, max %.3f)\n", md,
			       mn, mx);
		}
	}

	if (json) {
		FILE *f = fopen(json, "w");
		double mn, mx, md;

		if (!f)
			xb_die("%s: %s", json, strerror(errno));
		fprintf(f, "{\"seconds\": %.2f, \"rounds\": %d, \"threads\": %d, "
			   "\"gen_cpu\": %d, \"napi_cpu\": %d, "
			   "\"rules\": %zu, \"frame_len\": %d,\n \"trials\": {",
			seconds, n_rounds, threads, gen_cpu, napi_cpu, rs.n,
			len_block);
		for (int t = 0, first = 1; t < T_N; t++) {
			double smd;

			if (t == T_NFT && no_nft)
				continue;
			md = xb_median(rate[t], n_rounds, MAX_ROUNDS, &mn, &mx);
			smd = xb_median(sent_rate[t], n_rounds, MAX_ROUNDS, NULL, NULL);
			fprintf(f, "%s\n  \"%s\": {\"what\": \"%s\", \"pps\": %.0f, "
				   "\"pps_min\": %.0f, \"pps_max\": %.0f, "
				   "\"sent_pps\": %.0f}",
				first ? "" : ",", trial_name[t], trial_desc[t], md, mn,
				mx, smd);
			first = 0;
		}
		fprintf(f, "},\n \"ratios\": {");
		md = xb_median(ratio_drop, n_rounds, MAX_ROUNDS, &mn, &mx);
		fprintf(f, "\"xdpfw_block_vs_drop\": [%.4f, %.4f, %.4f]", md, mn, mx);
		md = xb_median(ratio_pass, n_rounds, MAX_ROUNDS, &mn, &mx);
		fprintf(f, ", \"xdpfw_pass_vs_pass\": [%.4f, %.4f, %.4f]", md, mn, mx);
		if (!no_nft) {
			md = xb_median(ratio_nft, n_rounds, MAX_ROUNDS, &mn, &mx);
			fprintf(f, ", \"xdpfw_block_vs_nft\": [%.4f, %.4f, %.4f]", md,
				mn, mx);
		}
		fprintf(f, "}}\n");
		fclose(f);
	}

	ruleset_free(&rs);
	kmaps_close(&km);
	xdpfw_bpf__destroy(skel);
	xb_drop__destroy(drop);
	xb_tx__destroy(tx);
	return 0;
}
