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

struct flood_opts {
	const char *tx_if, *rx_if, *rules, *json;
	double seconds;
	int rounds, threads, no_nft, nft_verify, napi_cpu, gen_cpu;
	uint32_t max_rules;
};

/* What the trials run on: the interfaces, the frames, the programs. */
struct flood_env {
	int tx_idx, rx_idx, xdpfw_fd, totals_fd;
	uint8_t fr_block[128], fr_pass[128];
	int len_block, len_pass;
	struct xdpfw_bpf *skel;
	struct kmaps km;
	struct xb_drop *drop;
	struct xb_tx *tx;
	struct ruleset rs;
};

struct flood_res {
	double rate[T_N][MAX_ROUNDS], sent_rate[T_N][MAX_ROUNDS];
	double ratio_drop[MAX_ROUNDS], ratio_nft[MAX_ROUNDS],
		ratio_pass[MAX_ROUNDS];
	int n_rounds;
	uint64_t nft_counted;
};

static void parse_args(int argc, char **argv, struct flood_opts *o)
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
	int opt;

	*o = (struct flood_opts){ .seconds = 2, .rounds = 3, .threads = 1,
				  .no_nft = 1, .napi_cpu = -1,
				  .max_rules = 1048576 };
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': o->tx_if = optarg; break;
		case 'x': o->rx_if = optarg; break;
		case 'f': o->rules = optarg; break;
		case 's': o->seconds = atof(optarg); break;
		case 'R': o->rounds = atoi(optarg); break;
		case 'T': o->threads = atoi(optarg); break;
		case 'm': o->max_rules = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'n': o->no_nft = 0; break;
		case 'V': o->nft_verify = 1; break;
		case 'j': o->json = optarg; break;
		case 'N': o->napi_cpu = atoi(optarg); break;
		case 'G': o->gen_cpu = atoi(optarg); break;
		default: usage();
		}
	}
	if (!o->tx_if || !o->rx_if || !o->rules || o->rounds < 1 ||
	    o->rounds > MAX_ROUNDS || o->threads < 1 ||
	    o->threads > MAX_THREADS || o->seconds <= 0 || o->seconds > 60)
		usage();
}

/* Blocked: an ip:port entry every generated file holds, and nft's set
 * too.  Non-matching: a source no entry covers. */
static void build_frames(const struct flood_opts *o, struct flood_env *e)
{
	uint8_t txmac[6], rxmac[6];
	struct pkt_spec fs = {
		.family = 4, .src = "198.51.100.10", .dst = "198.18.0.2",
		.l4proto = IPPROTO_UDP, .sport = 30000, .dport = 9,
		.payload_len = 18,
	};

	e->tx_idx = (int)if_nametoindex(o->tx_if);
	e->rx_idx = (int)if_nametoindex(o->rx_if);
	if (!e->tx_idx || !e->rx_idx)
		xb_die("no interface %s or %s in this namespace", o->tx_if,
		       o->rx_if);
	xb_get_mac(o->tx_if, txmac);
	xb_get_mac(o->rx_if, rxmac);
	memcpy(fs.src_mac, txmac, 6);
	memcpy(fs.dst_mac, rxmac, 6);
	e->len_block = pkt_build(&fs, e->fr_block, sizeof(e->fr_block));
	fs.src = "198.51.100.77";
	fs.sport = 443;
	e->len_pass = pkt_build(&fs, e->fr_pass, sizeof(e->fr_pass));
	if (e->len_block < 0 || e->len_pass < 0)
		xb_die("building frames");
}

static void load_programs(const struct flood_opts *o, struct flood_env *e)
{
	struct apply_stats st;
	double t0;
	int err;

	e->drop = xb_drop__open_and_load();
	e->tx = xb_tx__open_and_load();
	if (!e->drop || !e->tx)
		xb_die("loading the bench programs: %s", strerror(errno));
	t0 = now_s();
	xb_load_xdpfw(&e->skel, &e->km, o->max_rules);
	xb_parse_file(&e->rs, o->rules);
	err = xb_apply_rules(&e->km, e->rs.rules, e->rs.n, &st);
	if (err)
		xb_die("applying %s: %s", o->rules, strerror(-err));
	fprintf(stderr, "xdpfw: %zu rules from %s in %.1f s\n", e->rs.n,
		o->rules, now_s() - t0);
	e->xdpfw_fd = bpf_program__fd(e->skel->progs.xdpfw_xdp);
	e->totals_fd = bpf_map__fd(e->skel->maps.xdpfw_totals);
}

/* The packets trial t counted so far. */
static uint64_t trial_count(const struct flood_env *e, int t)
{
	if (t == T_DROP)
		return percpu_packets(bpf_map__fd(e->drop->maps.xb_drops), 0);
	if (t == T_XDPFW_BLOCK)
		return percpu_packets(e->totals_fd, XDPFW_T_DROPPED);
	if (t == T_XDPFW_PASS)
		return percpu_packets(e->totals_fd, XDPFW_T_PASSED);
	return percpu_packets(bpf_map__fd(e->drop->maps.xb_passes), 0);
}

/* Trial t of round r: its program on the receiver, a flood, the rates. */
static void run_trial(const struct flood_opts *o, const struct flood_env *e,
		      struct flood_res *res, int t, int r, int first)
{
	int pass = t == T_XDPFW_PASS || t == T_PASS;
	const uint8_t *fr = pass ? e->fr_pass : e->fr_block;
	size_t len = (size_t)(pass ? e->len_pass : e->len_block);
	int prog = t == T_DROP ? bpf_program__fd(e->drop->progs.xb_drop) :
		   (t == T_XDPFW_BLOCK || t == T_XDPFW_PASS) ?
				 e->xdpfw_fd :
				 bpf_program__fd(e->drop->progs.xb_count_pass);
	uint64_t before, after, sent, rx0, rx1;
	double wall;

	if (t == T_NFT && o->no_nft) {
		res->rate[t][r] = res->sent_rate[t][r] = 0;
		return;
	}
	if (bpf_xdp_attach(e->rx_idx, prog, XDP_FLAGS_DRV_MODE, NULL))
		xb_die("attaching to %s (native): %s", o->rx_if, strerror(errno));
	if (first && o->napi_cpu >= 0)
		fprintf(stderr, "%s: threaded NAPI, %d kthread(s) on CPU "
				"%d; generator on CPU %d\n", o->rx_if,
			napi_threaded(o->rx_if, o->napi_cpu), o->napi_cpu,
			o->gen_cpu);
	usleep(100000);
	before = trial_count(e, t);
	rx0 = sysfs_counter(o->rx_if, "rx_packets");
	sent = flood(bpf_program__fd(e->tx->progs.xb_tx), e->tx_idx, fr, len,
		     o->seconds, o->threads, o->gen_cpu, &wall);
	usleep(50000); /* let the receiver's NAPI finish */
	after = trial_count(e, t);
	rx1 = sysfs_counter(o->rx_if, "rx_packets");
	res->rate[t][r] = (double)(after - before) / wall;
	if (t == T_NFT)
		res->nft_counted += after - before;
	res->sent_rate[t][r] = (double)sent / wall;
	fprintf(stderr, "round %d %-12s %7.3f Mpps counted, %7.3f Mpps "
			"sent, veth rx %7.3f Mpps\n", r + 1,
		trial_name[t], res->rate[t][r] / 1e6,
		res->sent_rate[t][r] / 1e6, (double)(rx1 - rx0) / wall / 1e6);
}

static void run_rounds(const struct flood_opts *o, const struct flood_env *e,
		       struct flood_res *res)
{
	for (int r = 0; r < o->rounds; r++) {
		for (int k = 0; k < T_N; k++)
			run_trial(o, e, res, (k + r) % T_N, r, r == 0 && k == 0);
		res->ratio_drop[r] = res->rate[T_XDPFW_BLOCK][r] /
				     res->rate[T_DROP][r];
		res->ratio_pass[r] = res->rate[T_XDPFW_PASS][r] /
				     res->rate[T_PASS][r];
		res->ratio_nft[r] = o->no_nft ? 0 :
				    res->rate[T_XDPFW_BLOCK][r] / res->rate[T_NFT][r];
		res->n_rounds++;
	}
	bpf_xdp_detach(e->rx_idx, XDP_FLAGS_DRV_MODE, NULL);
}

static void check_nft(long long nft0, const struct flood_res *res)
{
	long long nft1 = nft_counter();

	fprintf(stderr, "nft counter xbcnt: %lld dropped in the nft trials, "
			"%llu passed to it by XDP\n", nft1 - nft0,
		(unsigned long long)res->nft_counted);
	if (nft1 - nft0 < (long long)res->nft_counted * 99 / 100)
		xb_die("nft dropped fewer frames than it was given: the nft "
		       "trial did not measure nft");
}

static void print_results(const struct flood_opts *o,
			  const struct flood_res *res)
{
	int n = res->n_rounds;
	double mn, mx, md;

	printf("%-12s %-40s %10s %10s %10s\n", "receiver", "what",
	       "Mpps", "min", "max");
	for (int t = 0; t < T_N; t++) {
		if (t == T_NFT && o->no_nft)
			continue;
		md = xb_median(res->rate[t], n, MAX_ROUNDS, &mn, &mx);
		printf("%-12s %-40s %10.3f %10.3f %10.3f\n", trial_name[t],
		       trial_desc[t], md / 1e6, mn / 1e6, mx / 1e6);
	}
	md = xb_median(res->ratio_drop, n, MAX_ROUNDS, &mn, &mx);
	printf("xdpfw-block / drop  = %.3f (min %.3f, max %.3f)\n", md, mn, mx);
	md = xb_median(res->ratio_pass, n, MAX_ROUNDS, &mn, &mx);
	printf("xdpfw-pass / pass   = %.3f (min %.3f, max %.3f)\n", md, mn, mx);
	if (!o->no_nft) {
		md = xb_median(res->ratio_nft, n, MAX_ROUNDS, &mn, &mx);
		printf("xdpfw-block / nft   = %.3f (min %.3f, max %.3f)\n", md,
		       mn, mx);
	}
}

static void write_json(const struct flood_opts *o, const struct flood_env *e,
		       const struct flood_res *res)
{
	FILE *f = fopen(o->json, "w");
	int n = res->n_rounds;
	double mn, mx, md;

	if (!f)
		xb_die("%s: %s", o->json, strerror(errno));
	fprintf(f, "{\"seconds\": %.2f, \"rounds\": %d, \"threads\": %d, "
		   "\"gen_cpu\": %d, \"napi_cpu\": %d, "
		   "\"rules\": %zu, \"frame_len\": %d,\n \"trials\": {",
		o->seconds, n, o->threads, o->gen_cpu, o->napi_cpu, e->rs.n,
		e->len_block);
	for (int t = 0, first = 1; t < T_N; t++) {
		double smd;

		if (t == T_NFT && o->no_nft)
			continue;
		md = xb_median(res->rate[t], n, MAX_ROUNDS, &mn, &mx);
		smd = xb_median(res->sent_rate[t], n, MAX_ROUNDS, NULL, NULL);
		fprintf(f, "%s\n  \"%s\": {\"what\": \"%s\", \"pps\": %.0f, "
			   "\"pps_min\": %.0f, \"pps_max\": %.0f, "
			   "\"sent_pps\": %.0f}",
			first ? "" : ",", trial_name[t], trial_desc[t], md, mn,
			mx, smd);
		first = 0;
	}
	fprintf(f, "},\n \"ratios\": {");
	md = xb_median(res->ratio_drop, n, MAX_ROUNDS, &mn, &mx);
	fprintf(f, "\"xdpfw_block_vs_drop\": [%.4f, %.4f, %.4f]", md, mn, mx);
	md = xb_median(res->ratio_pass, n, MAX_ROUNDS, &mn, &mx);
	fprintf(f, ", \"xdpfw_pass_vs_pass\": [%.4f, %.4f, %.4f]", md, mn, mx);
	if (!o->no_nft) {
		md = xb_median(res->ratio_nft, n, MAX_ROUNDS, &mn, &mx);
		fprintf(f, ", \"xdpfw_block_vs_nft\": [%.4f, %.4f, %.4f]", md,
			mn, mx);
	}
	fprintf(f, "}}\n");
	fclose(f);
}

int main(int argc, char **argv)
{
	static struct flood_res res;
	static struct flood_env e;
	struct flood_opts o;
	long long nft0 = 0;

	parse_args(argc, argv, &o);
	log_set_level(LOG_LVL_WARNING);
	ncpus = libbpf_num_possible_cpus();
	build_frames(&o, &e);
	load_programs(&o, &e);
	if (!o.no_nft && o.nft_verify) {
		nft0 = nft_counter();
		if (nft0 < 0)
			xb_die("nft: no table netdev xbench with counter xbcnt");
	}
	run_rounds(&o, &e, &res);
	if (!o.no_nft && o.nft_verify)
		check_nft(nft0, &res);
	print_results(&o, &res);
	if (o.json)
		write_json(&o, &e, &res);
	ruleset_free(&e.rs);
	kmaps_close(&e.km);
	xdpfw_bpf__destroy(e.skel);
	xb_drop__destroy(e.drop);
	xb_tx__destroy(e.tx);
	return 0;
}
