// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-datapath: cost per packet of XDP programs, with BPF_PROG_TEST_RUN.
 *
 * In one run, for each case (a frame and the verdict it must get) and in
 * several interleaved rounds, it times:
 *   floor       a bare XDP_PASS program (bench/bpf/pass.bpf.c), measured
 *               before and after the others of the same case and round;
 *   xdpfw@LABEL xdpfw's program with its maps populated through the agent's
 *               own pipeline (rules_parse_file -> ruleidx -> plan_build ->
 *               filters -> kmaps_apply), one instance per rule set; the set
 *               "1" holds the single entry that the case is about;
 *   xf@LABEL    xdp-filter programs (Debian's xdp-tools), loaded by
 *               xdp-filter itself and found through their pins, with their
 *               maps filled with the closest equivalent of the rule set;
 *   VAR@LABEL   prototype objects (--variant) run over the very maps of
 *               each xdpfw instance.
 * Every run checks the verdict (retval); a wrong verdict is an error.
 * ns/pkt is the CPU time of this thread over the syscall / repeat: precise
 * (the kernel's own figure is a truncated integer, ~4% at 25 ns) and blind
 * to other tasks taking the CPU (wall time is not, on a shared machine);
 * the kernel's figure is kept in the JSON as a cross-check.  The ratio to
 * the floor is taken per round, then the median over rounds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"
#include "pkt.h"
#include "benchlib.h"
#include "bench-variant.h"
#include "bench-xf.h"
#include "kmaps.h"
#include "loader.h"
#include "log.h"
#include "plan.h"
#include "ruleidx.h"
#include "sync.h"
#include "rules.h"
#include "pass.skel.h"
#include "xdpfw.skel.h"

#define MAX_SETS 8
#define MAX_XF 8
#define MAX_PROGS (1 + MAX_SETS * (1 + MAX_VARIANTS) + MAX_XF)
#define MAX_ROUNDS 64


struct bcase {
	const char *name;
	int family;
	const char *src;
	uint8_t proto;
	uint16_t sport;
	const char *rule1;   /* the single-entry set for this case */
	const char *xf1;     /* xdp-filter's closest single entry (address) */
	int hit;             /* 1: must be dropped */
};

/* The sources are documentation prefixes; gen-rules.py puts the entries
 * hit here in every generated file and keeps the miss sources clear.
 * v4-miss's /24 holds no entry (a true miss: the /24 word is 0);
 * v4-miss-ep's holds the endpoint 198.51.100.10:30000/udp, so its word
 * sends the packet to the endpoint table; v4-miss-near's holds a /25. */
static const struct bcase cases[] = {
	{ "v4-miss", 4, "198.18.7.77", IPPROTO_TCP, 443, "203.0.113.7",
	  "203.0.113.7", 0 },
	{ "v4-miss-ep", 4, "198.51.100.77", IPPROTO_TCP, 443, "203.0.113.7",
	  "203.0.113.7", 0 },
	{ "v4-miss-near", 4, "192.0.2.7", IPPROTO_TCP, 443, "192.0.2.128/25",
	  "192.0.2.200", 0 },
	{ "v4-hit-addr", 4, "203.0.113.7", IPPROTO_TCP, 443, "203.0.113.7",
	  "203.0.113.7", 1 },
	{ "v4-hit-port", 4, "198.51.100.10", IPPROTO_UDP, 30000,
	  "198.51.100.10:30000/udp", "198.51.100.10", 1 },
	{ "v4-hit-prefix", 4, "192.0.2.200", IPPROTO_TCP, 443, "192.0.2.128/25",
	  "192.0.2.200", 1 },
	{ "v4-hit-prefix16", 4, "198.19.7.7", IPPROTO_TCP, 443, "198.19.0.0/16",
	  "198.19.7.7", 1 },
	{ "v6-miss", 6, "2001:db8:ffff::77", IPPROTO_TCP, 443, "2001:db8::7",
	  "2001:db8::7", 0 },
	{ "v6-hit-addr", 6, "2001:db8::7", IPPROTO_TCP, 443, "2001:db8::7",
	  "2001:db8::7", 1 },
	{ "v6-hit-port", 6, "2001:db8::10", IPPROTO_UDP, 30000,
	  "[2001:db8::10]:30000/udp", "2001:db8::10", 1 },
	{ "v6-hit-prefix", 6, "2001:db8:1::200", IPPROTO_TCP, 443,
	  "2001:db8:1::/48", "2001:db8:1::200", 1 },
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

enum pkind { P_FLOOR, P_XDPFW, P_VARIANT, P_XF };

struct prog {
	char label[64];
	enum pkind kind;
	int fd;
	int set;   /* xset or xfinst index */
	int inverted;
	double ns[N_CASES][MAX_ROUNDS];
	double ratio[N_CASES][MAX_ROUNDS];
	uint32_t kns[N_CASES][MAX_ROUNDS];
	int n[N_CASES];
};

static struct xset sets[MAX_SETS];
static int n_sets;
static struct xfinst xfs[MAX_XF];
static int n_xf;
static struct {
	char label[16];
	const char *path;
} variants[MAX_VARIANTS];
static int n_variants;
static struct prog progs[MAX_PROGS];
static int n_progs;
static uint32_t max_rules = 1048576;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this thread: the time other tasks of this shared machine
 * take on our CPU is not counted (wall time would be). */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- populating xdpfw through the agent's pipeline (benchlib) ---- */

static void parse_one(const char *text, struct xdpfw_rule *r)
{
	char err[256];
	uint32_t col;

	if (rule_parse(text, strlen(text), r, err, sizeof(err), &col))
		xb_die("built-in rule %s: %s", text, err);
}

static void set_load(struct xset *s)
{
	struct apply_stats st;
	int err;

	xb_load_xdpfw(&s->skel, &s->km, max_rules);
	if (s->file) {
		struct ruleset rs;
		double t0 = now_ms(), t1;

		xb_parse_file(&rs, s->file);
		t1 = now_ms();
		err = xb_apply_rules(&s->km, rs.rules, rs.n, &st);
		if (err)
			xb_die("applying %s: %s", s->file, strerror(-err));
		s->parse_ms = t1 - t0;
		s->apply_ms = now_ms() - t1;
		s->n_rules = rs.n;
		s->key_writes = st.key_writes;
		ruleset_free(&rs);
		xb_info("xdpfw@%s: %zu rules from %s (parse %.0f ms, apply %.0f ms, "
		     "%zu key writes)\n", s->label, s->n_rules, s->file,
		     s->parse_ms, s->apply_ms, s->key_writes);
	}
}

static void set_single(struct xset *s, const char *text)
{
	struct xdpfw_rule r;
	struct apply_stats st;
	int err;

	parse_one(text, &r);
	err = xb_apply_rules(&s->km, &r, 1, &st);
	if (err)
		xb_die("applying %s: %s", text, strerror(-err));
	s->n_rules = 1;
	var_cfg_sync(s);
}

/* ---- timing ---- */

static int run(int fd, const void *frame, size_t len, unsigned repeat,
	       double *ns, uint32_t *kns, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
		    .data_size_in = (__u32)len, .repeat = repeat);
	double t0 = cpu_ns(), t1;

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	t1 = cpu_ns();
	if (ns)
		*ns = (t1 - t0) / repeat;
	if (kns)
		*kns = o.duration;
	*retval = o.retval;
	return 0;
}

static void add_prog(const char *label, enum pkind kind, int fd, int set,
		     int inverted)
{
	struct prog *p;

	if (n_progs == MAX_PROGS)
		xb_die("too many programs");
	p = &progs[n_progs++];
	memset(p, 0, sizeof(*p));
	if (snprintf(p->label, sizeof(p->label), "%s", label) >=
	    (int)sizeof(p->label))
		xb_die("label too long");
	p->kind = kind;
	p->fd = fd;
	p->set = set;
	p->inverted = inverted;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-datapath [options]\n"
		"  --repeat N          BPF_PROG_TEST_RUN repeat (default 1000000)\n"
		"  --rounds R          interleaved rounds, median reported (default 5)\n"
		"  --set LABEL=FILE    an xdpfw instance with that rules file (repeatable);\n"
		"                      the instance \"1\" (single entry per case) is always there\n"
		"  --xdp-filter LABEL=BPFFS_ROOT[=FILE]  an xdp-filter that pinned\n"
		"                      under BPFFS_ROOT; FILE: its addresses (else\n"
		"                      the single address of each case)\n"
		"  --variant LABEL=OBJ a prototype object run over each instance's maps\n"
		"  --case NAME[,NAME]  only these cases\n"
		"  --max-rules N       capacity of the xdpfw instances (default 1048576)\n"
		"  --cpu N             pin to this CPU (default: the last one)\n"
		"  --json FILE         write the results there\n"
		"  --quiet\n");
	exit(2);
}

static char *split_eq(char *s)
{
	char *eq = strchr(s, '=');

	if (!eq)
		usage();
	*eq = '\0';
	return eq + 1;
}

static int case_selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static int expected(const struct prog *p, const struct bcase *c)
{
	int drop = c->hit;

	if (p->kind == P_FLOOR)
		return XDP_PASS;
	if (p->inverted)
		drop = !drop;
	return drop ? XDP_DROP : XDP_PASS;
}

/* The command line, once parsed (the sets, xdp-filter instances and
 * variants go to their own tables). */
struct bopts {
	unsigned long repeat;
	int rounds, cpu;
	const char *case_list, *json;
};

/* The frame of every case, and the cases selected. */
struct frameset {
	uint8_t frames[N_CASES][256];
	int flen[N_CASES];
	int sel[N_CASES], n_sel;
};

static void opt_set(char *arg)
{
	char *val;

	if (n_sets == MAX_SETS)
		xb_die("too many sets");
	val = split_eq(arg);
	snprintf(sets[n_sets].label, sizeof(sets[0].label), "%s", arg);
	sets[n_sets++].file = val;
}

static void opt_xdp_filter(char *arg)
{
	char *val, *file;

	if (n_xf == MAX_XF)
		xb_die("too many xdp-filter instances");
	val = split_eq(arg);
	file = strchr(val, '=');
	if (file)
		*file++ = '\0';
	snprintf(xfs[n_xf].label, sizeof(xfs[0].label), "%s", arg);
	snprintf(xfs[n_xf].root, sizeof(xfs[0].root), "%s", val);
	xfs[n_xf++].file = file;
}

static void opt_variant(char *arg)
{
	char *val;

	if (n_variants == MAX_VARIANTS)
		xb_die("too many variants");
	val = split_eq(arg);
	snprintf(variants[n_variants].label, sizeof(variants[0].label), "%s",
		 arg);
	variants[n_variants++].path = val;
}

static void parse_opts(int argc, char **argv, struct bopts *o)
{
	static const struct option opts[] = {
		{ "repeat", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "set", required_argument, NULL, 's' },
		{ "xdp-filter", required_argument, NULL, 'x' },
		{ "variant", required_argument, NULL, 'v' },
		{ "case", required_argument, NULL, 'c' },
		{ "max-rules", required_argument, NULL, 'm' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	*o = (struct bopts){ .repeat = 1000000, .rounds = 5, .cpu = -1 };
	sets[n_sets++] = (struct xset){ .label = "1" };
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			o->repeat = strtoul(optarg, NULL, 0);
			break;
		case 'R':
			o->rounds = atoi(optarg);
			break;
		case 's':
			opt_set(optarg);
			break;
		case 'x':
			opt_xdp_filter(optarg);
			break;
		case 'v':
			opt_variant(optarg);
			break;
		case 'c':
			o->case_list = optarg;
			break;
		case 'm':
			max_rules = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'C':
			o->cpu = atoi(optarg);
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'q':
			xb_quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->repeat < 1 || o->rounds < 1 ||
	    o->rounds > MAX_ROUNDS)
		usage();
}

/* Pins this thread to cpu (< 0: the last one); returns the CPU. */
static int pin_cpu(int cpu)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t cs;

	if (cpu < 0)
		cpu = (int)(ncpu > 0 ? ncpu - 1 : 0);
	CPU_ZERO(&cs);
	CPU_SET(cpu, &cs);
	if (sched_setaffinity(0, sizeof(cs), &cs))
		xb_info("cannot pin to CPU %d: %s\n", cpu, strerror(errno));
	return cpu;
}

static void build_frames(struct frameset *fr, const char *case_list)
{
	fr->n_sel = 0;
	for (size_t c = 0; c < N_CASES; c++) {
		struct pkt_spec fs = {
			.family = cases[c].family,
			.src = cases[c].src,
			.dst = cases[c].family == 6 ? "2001:2::2" : "198.18.0.2",
			.l4proto = cases[c].proto,
			.sport = cases[c].sport,
			.dport = cases[c].proto == IPPROTO_TCP ? 80 : 9,
			.src_mac = { 0x02, 0, 0, 0, 0, 1 },
			.dst_mac = { 0x02, 0, 0, 0, 0, 2 },
			.payload_len = 0,
		};

		fr->flen[c] = pkt_build(&fs, fr->frames[c], sizeof(fr->frames[c]));
		if (fr->flen[c] < 0)
			xb_die("frame of %s", cases[c].name);
		if (case_selected(case_list, cases[c].name))
			fr->sel[fr->n_sel++] = (int)c;
	}
	if (!fr->n_sel)
		xb_die("no case selected");
}

/* The floor, then per set xdpfw and its variants, then the xdp-filters. */
static struct xb_pass *load_progs(void)
{
	const char *hits[N_CASES];
	size_t n_hits = 0;
	struct xb_pass *pass;

	pass = xb_pass__open_and_load();
	if (!pass)
		xb_die("loading the pass program: %s", strerror(errno));
	add_prog("floor", P_FLOOR, bpf_program__fd(pass->progs.xb_pass), -1, 0);

	for (int s = 0; s < n_sets; s++) {
		char label[64];

		set_load(&sets[s]);
		if (snprintf(label, sizeof(label), "xdpfw@%s", sets[s].label) >=
		    (int)sizeof(label))
			xb_die("label too long");
		add_prog(label, P_XDPFW,
			 bpf_program__fd(sets[s].skel->progs.xdpfw_xdp), s, 0);
		for (int v = 0; v < n_variants; v++) {
			variant_load(&sets[s], v, variants[v].path);
			if (snprintf(label, sizeof(label), "%s@%s",
				     variants[v].label, sets[s].label) >=
			    (int)sizeof(label))
				xb_die("label too long");
			add_prog(label, P_VARIANT, sets[s].var_fd[v], s, 0);
		}
	}
	for (size_t c = 0; c < N_CASES; c++)
		if (cases[c].hit)
			hits[n_hits++] = cases[c].xf1;
	for (int x = 0; x < n_xf; x++) {
		char label[64];

		xf_load(&xfs[x], hits, n_hits);
		if (snprintf(label, sizeof(label), "xf%s@%s",
			     xfs[x].deny ? "-deny" : "", xfs[x].label) >=
		    (int)sizeof(label))
			xb_die("label too long");
		add_prog(label, P_XF, xfs[x].prog_fd, x, xfs[x].deny);
	}
	return pass;
}

/* A warm-up then a timed run of p on the frame of bc; returns 1 on a wrong
 * verdict, 0 otherwise. */
static int time_prog(const struct prog *p, const struct bcase *bc,
		     const uint8_t *frame, int len, unsigned long repeat,
		     double *ns, uint32_t *kns, uint32_t *ret)
{
	int err;

	/* warm-up */
	err = run(p->fd, frame, (size_t)len, repeat / 100 + 1, NULL, NULL, ret);
	if (!err)
		err = run(p->fd, frame, (size_t)len, (unsigned)repeat, ns, kns,
			  ret);
	if (err)
		xb_die("%s on %s: test run failed: %s", p->label, bc->name,
		    strerror(-err));
	if ((int)*ret != expected(p, bc)) {
		fprintf(stderr,
			"bench-datapath: %s on %s: verdict %u, expected %d\n",
			p->label, bc->name, *ret, expected(p, bc));
		return 1;
	}
	return 0;
}

/* Case c in round r: every program once, the floor before and after;
 * returns the number of wrong verdicts. */
static int time_case(const struct frameset *fr, int c, int r,
		     unsigned long repeat)
{
	const struct bcase *bc = &cases[c];
	double f0 = 0, f1 = 0, floor_ns;
	uint32_t ret = 0, kns = 0;
	int failures = 0;

	for (int s = 0; s < n_sets; s++)
		if (!sets[s].file)
			set_single(&sets[s], bc->rule1);
	for (int x = 0; x < n_xf; x++)
		if (!xfs[x].file)
			xf_set_single(&xfs[x], bc->xf1);

	/* Floor before and after, the others in between in an order rotated
	 * by round. */
	for (int i = 0; i < n_progs + 1; i++) {
		int pi = i == 0 || i == n_progs ?
				 0 :
				 1 + (i - 1 + r) % (n_progs - 1);
		struct prog *p = &progs[pi];
		double ns = 0;

		failures += time_prog(p, bc, fr->frames[c], fr->flen[c], repeat,
				      &ns, &kns, &ret);
		if (pi == 0) {
			if (i == 0)
				f0 = ns;
			else
				f1 = ns;
			if (i == 0)
				continue;
			floor_ns = (f0 + f1) / 2;
			p->ns[c][p->n[c]] = floor_ns;
			p->ratio[c][p->n[c]] = 1.0;
			p->kns[c][p->n[c]] = kns;
			p->n[c]++;
			continue;
		}
		p->ns[c][p->n[c]] = ns;
		p->kns[c][p->n[c]] = kns;
		p->n[c]++;
	}
	floor_ns = (f0 + f1) / 2;
	for (int pi = 1; pi < n_progs; pi++) {
		struct prog *p = &progs[pi];

		p->ratio[c][p->n[c] - 1] = p->ns[c][p->n[c] - 1] / floor_ns;
	}
	return failures;
}

/* All the rounds; returns the number of wrong verdicts. */
static int time_all(const struct bopts *o, const struct frameset *fr)
{
	int failures = 0;

	xb_info("timing %d programs x %d cases x %d rounds, repeat %lu, CPU %d\n",
	     n_progs, fr->n_sel, o->rounds, o->repeat, o->cpu);
	for (int r = 0; r < o->rounds; r++) {
		for (int k = 0; k < fr->n_sel; k++)
			failures += time_case(fr, fr->sel[k], r, o->repeat);
		xb_info("round %d/%d done\n", r + 1, o->rounds);
	}
	return failures;
}

static void print_table(const struct bopts *o, const struct frameset *fr)
{
	printf("%-14s", "case");
	for (int pi = 0; pi < n_progs; pi++)
		printf(" %17s", progs[pi].label);
	printf("\n");
	for (int k = 0; k < fr->n_sel; k++) {
		int c = fr->sel[k];

		printf("%-14s", cases[c].name);
		for (int pi = 0; pi < n_progs; pi++) {
			struct prog *p = &progs[pi];
			double ns = xb_median(p->ns[c], p->n[c], MAX_ROUNDS, NULL, NULL);
			double ra = xb_median(p->ratio[c], p->n[c], MAX_ROUNDS, NULL, NULL);
			char cell[64];

			if (pi == 0)
				snprintf(cell, sizeof(cell), "%.2f", ns);
			else
				snprintf(cell, sizeof(cell), "%.2f (%.2fx)", ns, ra);
			printf(" %17s", cell);
		}
		printf("\n");
	}
	printf("ns/pkt, median of %d rounds (repeat %lu); (Nx) = ratio to the "
	       "floor of the same round\n", o->rounds, o->repeat);
}

/* The JSON's "sets" and "xdp_filter" objects. */
static void json_instances(FILE *f)
{
	fprintf(f, " \"sets\": {");
	for (int s = 0; s < n_sets; s++)
		fprintf(f, "%s\"%s\": {\"file\": \"%s\", \"rules\": %zu, "
			"\"parse_ms\": %.1f, \"apply_ms\": %.1f, "
			"\"key_writes\": %zu}",
			s ? ", " : "", sets[s].label,
			sets[s].file ? sets[s].file : "", sets[s].n_rules,
			sets[s].parse_ms, sets[s].apply_ms,
			sets[s].key_writes);
	fprintf(f, "},\n \"xdp_filter\": {");
	for (int x = 0; x < n_xf; x++)
		fprintf(f, "%s\"xf%s@%s\": {\"deny\": %d, \"v4\": %zu, "
			"\"v6\": %zu, \"file\": \"%s\"}",
			x ? ", " : "", xfs[x].deny ? "-deny" : "", xfs[x].label,
			xfs[x].deny, xfs[x].n_v4, xfs[x].n_v6,
			xfs[x].file ? xfs[x].file : "");
	fprintf(f, "},\n");
}

/* One element of the JSON's "cases" array. */
static void json_case(FILE *f, const struct frameset *fr, int k)
{
	int c = fr->sel[k];

	fprintf(f, "  {\"name\": \"%s\", \"family\": %d, \"hit\": %d, "
		"\"frame_len\": %d, \"rule1\": \"%s\", \"results\": {",
		cases[c].name, cases[c].family, cases[c].hit, fr->flen[c],
		cases[c].rule1);
	for (int pi = 0; pi < n_progs; pi++) {
		struct prog *p = &progs[pi];
		double mn, mx, rmn, rmx, kv[MAX_ROUNDS];
		double ns = xb_median(p->ns[c], p->n[c], MAX_ROUNDS, &mn, &mx);
		double ra = xb_median(p->ratio[c], p->n[c], MAX_ROUNDS, &rmn, &rmx);

		for (int i = 0; i < p->n[c]; i++)
			kv[i] = p->kns[c][i];
		fprintf(f, "%s\n    \"%s\": {\"ns\": %.3f, \"ns_min\": %.3f, "
			"\"ns_max\": %.3f, \"ratio\": %.4f, "
			"\"ratio_min\": %.4f, \"ratio_max\": %.4f, "
			"\"kernel_ns\": %.1f, \"rounds\": %d}",
			pi ? "," : "", p->label, ns, mn, mx, ra, rmn,
			rmx, xb_median(kv, p->n[c], MAX_ROUNDS, NULL, NULL), p->n[c]);
	}
	fprintf(f, "}}%s\n", k + 1 < fr->n_sel ? "," : "");
}

static void write_json(const struct bopts *o, const struct frameset *fr,
		       int failures)
{
	FILE *f = fopen(o->json, "w");

	if (!f)
		xb_die("%s: %s", o->json, strerror(errno));
	fprintf(f, "{\"repeat\": %lu, \"rounds\": %d, \"cpu\": %d,\n",
		o->repeat, o->rounds, o->cpu);
	json_instances(f);
	fprintf(f, " \"cases\": [\n");
	for (int k = 0; k < fr->n_sel; k++)
		json_case(f, fr, k);
	fprintf(f, " ],\n \"verdict_failures\": %d}\n", failures);
	fclose(f);
}

static void close_progs(struct xb_pass *pass)
{
	for (int s = 0; s < n_sets; s++) {
		for (int v = 0; v < n_variants; v++)
			bpf_object__close(sets[s].var_obj[v]);
		kmaps_close(&sets[s].km);
		xdpfw_bpf__destroy(sets[s].skel);
	}
	xb_pass__destroy(pass);
}

int main(int argc, char **argv)
{
	struct bopts o;
	struct frameset fr;
	struct xb_pass *pass;
	int failures;

	parse_opts(argc, argv, &o);
	log_set_level(LOG_LVL_WARNING);
	o.cpu = pin_cpu(o.cpu);
	build_frames(&fr, o.case_list);
	pass = load_progs();
	failures = time_all(&o, &fr);
	print_table(&o, &fr);
	if (o.json)
		write_json(&o, &fr, failures);
	close_progs(pass);
	if (failures) {
		fprintf(stderr, "bench-datapath: %d wrong verdicts\n", failures);
		return 1;
	}
	return 0;
}
