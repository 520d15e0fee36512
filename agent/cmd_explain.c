// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpfw explain [-c CONFIG] [--json] ADDRESS [PORT[/PROTO]]: what happens
 * to a packet from that source, and why.  The rules (files and protected
 * addresses, read as `run` reads them) give the verdict, the entry that
 * decides it with PATH:LINE and every other entry that matches; the live
 * maps, looked up the way the XDP program does (kverdict.c), say whether
 * the kernel agrees.  Nothing is written, no counter moves.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "kstate.h"
#include "kverdict.h"
#include "protect.h"
#include "rulenotes.h"
#include "ruleload.h"
#include "rules.h"

#define MAX_PKTS 2

static const struct cli_cmd explain_cmd = {
	"explain", "[-c CONFIG] [--json] ADDRESS [PORT[/PROTO]]",
	"What happens to a packet from ADDRESS (its source; with PORT, its\n"
	"TCP/UDP source port; PORT without /tcp or /udp explains both):\n"
	"drop or pass, the entry that decides it with PATH:LINE, the exception\n"
	"or protected address that saves it, every other entry that matches,\n"
	"and whether the kernel's maps agree.  Changes nothing, not even a\n"
	"counter.  Exit 0, or 1 when the kernel disagrees with the rules.",
	cli_opts_config_json, NULL,
};

/* One entry that matches, and how specific it is (the program's order:
 * a port beats no port, then the longer prefix, then a protocol). */
struct match {
	size_t i;
	long score;
};

struct outcome {
	struct kv_pkt pkt;
	struct match *m; /* blocking and exceptions, most specific first */
	size_t n;
	long block, saver; /* index into m, or -1 */
	int kernel;        /* 1 checked, 0 not (no state) */
	struct kv_result kv;
};

static int in_prefix(const struct xdpfw_rule *r, const struct kv_pkt *p)
{
	struct xdpfw_rule host = { .family = p->family,
				   .prefixlen = p->family == XDPFW_FAMILY_V4 ?
							32 : 128 };

	memcpy(host.addr, p->addr, 16);
	return protect_covers(r, &host);
}

static int matches(const struct xdpfw_rule *r, const struct kv_pkt *p)
{
	if (!in_prefix(r, p))
		return 0;
	if (!r->port)
		return 1;
	return p->has_l4 && r->port == p->sport &&
	       (!r->proto || r->proto == p->proto);
}

static int by_score(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	return x->score < y->score ? 1 : x->score > y->score ? -1 : 0;
}

static int evaluate(const struct ruleset *rs, struct outcome *o)
{
	o->block = o->saver = -1;
	for (size_t i = 0; i < rs->n; i++) {
		const struct xdpfw_rule *r = &rs->rules[i];
		struct match *m;

		if (!matches(r, &o->pkt))
			continue;
		m = realloc(o->m, (o->n + 1) * sizeof(*m));
		if (!m)
			return -ENOMEM;
		o->m = m;
		o->m[o->n].i = i;
		o->m[o->n].score = (r->port ? 1L << 16 : 0) + r->prefixlen * 2L +
				   (r->proto ? 1 : 0);
		o->n++;
	}
	qsort(o->m, o->n, sizeof(*o->m), by_score);
	for (size_t j = 0; j < o->n; j++) {
		int x = rs->rules[o->m[j].i].flags & XDPFW_RULE_EXCEPT;

		if (x && o->saver < 0)
			o->saver = (long)j;
		else if (!x && o->block < 0)
			o->block = (long)j;
	}
	return 0;
}

static const struct xdpfw_rule *counted(const struct ruleset *rs,
					const struct outcome *o)
{
	if (o->block < 0)
		return NULL;
	return &rs->rules[o->m[o->saver >= 0 ? o->saver : o->block].i];
}

/* Does the kernel count (and so decide) the packet as the rules say? */
static int agrees(const struct ruleset *rs, const struct outcome *o,
		  const struct kmaps *km)
{
	const struct xdpfw_rule *want = counted(rs, o);
	uint32_t s;

	if (!want)
		return !o->kv.matched;
	if (!o->kv.matched || (o->saver >= 0) != o->kv.saved)
		return 0;
	s = o->kv.saved ? o->kv.xslot : o->kv.slot;
	return s < km->capacity && !memcmp(&km->table[s], want, sizeof(*want));
}

static void source_of(const struct ruleset *rs, size_t i, char *buf,
		      size_t len)
{
	if (rs->lines[i])
		snprintf(buf, len, "%s:%u", rs->files[rs->file_of[i]],
			 rs->lines[i]);
	else
		snprintf(buf, len, "%s", rs->files[rs->file_of[i]]);
}

static void describe_pkt(const struct kv_pkt *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == XDPFW_FAMILY_V4 ? AF_INET : AF_INET6, p->addr, a,
		  sizeof(a));
	if (p->has_l4)
		snprintf(buf, len, "%s port %u/%s", a, p->sport,
			 p->proto == IPPROTO_TCP ? "tcp" : "udp");
	else
		snprintf(buf, len, "%s without a port (ICMP, fragments)", a);
}

static void kernel_rule(const struct kmaps *km, const struct outcome *o,
			char *buf, size_t len)
{
	uint32_t s = o->kv.saved ? o->kv.xslot : o->kv.slot;

	if (s < km->capacity && km->table[s].family)
		rule_format(&km->table[s], buf, len);
	else
		snprintf(buf, len, "slot %u (free)", s);
}

static void print_text(const struct ruleset *rs, const struct outcome *o,
		       const struct kmaps *km)
{
	char what[128], rule[RULE_FMT_MAX], src[4096 + 16];
	const struct xdpfw_rule *c = counted(rs, o);

	describe_pkt(&o->pkt, what, sizeof(what));
	printf("%s: %s\n", what,
	       !c ? "pass (no entry matches)" : o->saver >= 0 ? "pass" : "drop");
	for (size_t j = 0; j < o->n; j++) {
		const char *role = (long)j == o->saver ? "saved by" :
				   (long)j == o->block ? "blocked by" :
				   rs->rules[o->m[j].i].flags & XDPFW_RULE_EXCEPT ?
							 "also excepts" :
							 "also matches";

		rule_format(&rs->rules[o->m[j].i], rule, sizeof(rule));
		source_of(rs, o->m[j].i, src, sizeof(src));
		printf("  %-13s %-32s %s\n", role, rule, src);
	}
	if (!o->kernel) {
		printf("  kernel        not checked (no xdpfw state is pinned)\n");
		return;
	}
	if (o->kv.matched)
		kernel_rule(km, o, rule, sizeof(rule));
	printf("  kernel        %s: %s%s%s\n",
	       agrees(rs, o, km) ? "agrees" : "DISAGREES (see `xdpfw verify`)",
	       !o->kv.matched ? "pass, no entry matches" :
	       o->kv.saved ? "pass, counted under " : "drop, counted under ",
	       o->kv.matched ? rule : "", "");
}

static void json_entry(const struct ruleset *rs, const struct outcome *o,
		       long j)
{
	char rule[RULE_FMT_MAX], src[4096 + 16];

	if (j < 0) {
		fputs("null", stdout);
		return;
	}
	rule_format(&rs->rules[o->m[j].i], rule, sizeof(rule));
	source_of(rs, o->m[j].i, src, sizeof(src));
	printf("{\"rule\": \"%s\", \"source\": ", rule);
	json_put_string(stdout, src);
	putchar('}');
}

static void print_json(const struct ruleset *rs, const struct outcome *o,
		       const struct kmaps *km)
{
	const struct xdpfw_rule *c = counted(rs, o);
	char rule[RULE_FMT_MAX];

	printf("{\"proto\": %s, \"port\": %u, \"verdict\": \"%s\", \"decided_by\": ",
	       !o->pkt.has_l4 ? "null" :
	       o->pkt.proto == IPPROTO_TCP ? "\"tcp\"" : "\"udp\"",
	       o->pkt.has_l4 ? o->pkt.sport : 0,
	       c && o->saver < 0 ? "drop" : "pass");
	json_entry(rs, o, o->saver >= 0 && c ? o->saver : o->block);
	fputs(", \"blocked_by\": ", stdout);
	json_entry(rs, o, o->block);
	fputs(", \"saved_by\": ", stdout);
	json_entry(rs, o, c ? o->saver : -1);
	fputs(", \"matches\": [", stdout);
	for (size_t j = 0; j < o->n; j++) {
		if (j)
			fputs(", ", stdout);
		json_entry(rs, o, (long)j);
	}
	fputs("], \"kernel\": ", stdout);
	if (!o->kernel) {
		fputs("null}", stdout);
		return;
	}
	printf("{\"verdict\": \"%s\", \"rule\": ",
	       o->kv.matched && !o->kv.saved ? "drop" : "pass");
	if (o->kv.matched) {
		kernel_rule(km, o, rule, sizeof(rule));
		printf("\"%s\"", rule);
	} else {
		fputs("null", stdout);
	}
	printf(", \"agrees\": %s}}", agrees(rs, o, km) ? "true" : "false");
}

/* ADDRESS (brackets allowed around IPv6) and [PORT[/PROTO]] into the
 * packets to explain.  The count, or -1 after a message. */
static int parse_operands(int argc, char **argv, struct kv_pkt *p)
{
	char addr[INET6_ADDRSTRLEN + 2];
	const char *a = argv[0];
	size_t n = strlen(a);
	unsigned long port = 0;
	int np = 1;

	memset(p, 0, MAX_PKTS * sizeof(*p));
	if (n >= 2 && a[0] == '[' && a[n - 1] == ']' && n - 2 < sizeof(addr)) {
		memcpy(addr, a + 1, n - 2);
		addr[n - 2] = '\0';
	} else {
		snprintf(addr, sizeof(addr), "%s", a);
	}
	if (inet_pton(AF_INET, addr, p[0].addr) == 1) {
		p[0].family = XDPFW_FAMILY_V4;
	} else if (inet_pton(AF_INET6, addr, p[0].addr) == 1) {
		p[0].family = XDPFW_FAMILY_V6;
	} else {
		fprintf(stderr, "xdpfw: explain: expected an IPv4 or IPv6 address, "
				"found \"%s\"\n", a);
		return -1;
	}
	if (argc < 2)
		return 1;
	{
		char *end;
		const char *proto;

		port = strtoul(argv[1], &end, 10);
		proto = *end == '/' ? end + 1 : NULL;
		if (end == argv[1] || argv[1][0] == '-' || port < 1 ||
		    port > 65535 || (*end && !proto) ||
		    (proto && strcasecmp(proto, "tcp") && strcasecmp(proto, "udp"))) {
			fprintf(stderr, "xdpfw: explain: expected PORT (1..65535) "
					"with an optional /tcp or /udp, found \"%s\"\n",
				argv[1]);
			return -1;
		}
		p[0].has_l4 = 1;
		p[0].sport = (uint16_t)port;
		if (proto) {
			p[0].proto = strcasecmp(proto, "tcp") ? IPPROTO_UDP :
								IPPROTO_TCP;
		} else {
			p[0].proto = IPPROTO_TCP;
			p[1] = p[0];
			p[1].proto = IPPROTO_UDP;
			np = 2;
		}
	}
	return np;
}

static int open_kernel(const struct xdpfw_config *cfg, struct kmaps *km)
{
	char how[4200];

	return kstate_open(km, cfg, how, sizeof(how));
}

static int explain(const struct xdpfw_config *cfg, struct kv_pkt *pkts,
		   int np, int json)
{
	char label[4096 + 64], why[4096 + 320];
	struct outcome o[MAX_PKTS];
	struct ruleset rs;
	struct kmaps km;
	int have_km, rc = EXIT_OK;

	memset(o, 0, sizeof(o));
	ruleset_init(&rs);
	rs.now = (int64_t)time(NULL);
	if (ruleset_load(&rs, cfg, label, sizeof(label), why, sizeof(why))) {
		fprintf(stderr, "xdpfw: cannot read %s\n", why);
		ruleset_free(&rs);
		return EXIT_INVALID;
	}
	kmaps_init(&km);
	have_km = !open_kernel(cfg, &km);
	for (int k = 0; k < np; k++) {
		o[k].pkt = pkts[k];
		if (evaluate(&rs, &o[k])) {
			rc = EXIT_RUNTIME;
			goto out;
		}
		if (have_km && !kverdict(&km, &o[k].pkt, &o[k].kv))
			o[k].kernel = 1;
		if (o[k].kernel && !agrees(&rs, &o[k], &km))
			rc = EXIT_INVALID;
	}
	if (json) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(pkts[0].family == XDPFW_FAMILY_V4 ? AF_INET : AF_INET6,
			  pkts[0].addr, a, sizeof(a));
		printf("{\"address\": \"%s\", \"packets\": [", a);
		for (int k = 0; k < np; k++) {
			if (k)
				fputs(", ", stdout);
			print_json(&rs, &o[k], &km);
		}
		puts("]}");
	} else {
		for (int k = 0; k < np; k++)
			print_text(&rs, &o[k], &km);
	}
out:
	for (int k = 0; k < np; k++)
		free(o[k].m);
	kmaps_close(&km);
	ruleset_free(&rs);
	return rc;
}

int cmd_explain(int argc, char **argv)
{
	const char *config = NULL;
	struct kv_pkt pkts[MAX_PKTS];
	struct xdpfw_config cfg;
	int json = 0, np, rc;

	rc = cli_parse_common(argc, argv, &explain_cmd, &config, &json, 1, 2);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	np = parse_operands(argc - optind, argv + optind, pkts);
	if (np < 0)
		return EXIT_USAGE;
	rc = cli_load_config(config, &cfg, 0);
	if (!rc)
		rc = explain(&cfg, pkts, np, json);
	config_free(&cfg);
	return rc;
}
