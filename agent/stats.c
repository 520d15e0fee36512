// SPDX-License-Identifier: GPL-2.0-only
#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rulenotes.h"
#include "rules.h"

const char *const xdpfw_total_name[XDPFW_TOTAL_MAX] = {
	[XDPFW_T_DROPPED] = "dropped",
	[XDPFW_T_PASSED] = "passed",
	[XDPFW_T_NON_IP] = "non_ip",
	[XDPFW_T_BAD_ETH] = "bad_eth",
	[XDPFW_T_BAD_VLAN] = "bad_vlan",
	[XDPFW_T_VLAN_DEPTH] = "vlan_depth",
	[XDPFW_T_BAD_IP4] = "bad_ip4",
	[XDPFW_T_BAD_IP6] = "bad_ip6",
	[XDPFW_T_BAD_IP6_EXT] = "bad_ip6_ext",
	[XDPFW_T_IP6_EXT_DEPTH] = "ip6_ext_depth",
	[XDPFW_T_BAD_L4] = "bad_l4",
};

/* Malformed reasons: every total after NON_IP. */
#define FIRST_MALFORMED XDPFW_T_BAD_ETH

int stats_collect_begin(struct stats_collector *c, struct kmaps *km)
{
	c->next = 0;
	c->per_slot = calloc(km->capacity ? km->capacity : 1,
			     sizeof(*c->per_slot));
	return c->per_slot ? 0 : -ENOMEM;
}

int stats_collect_step(struct stats_collector *c, struct kmaps *km,
		       uint32_t max)
{
	uint32_t n = km->capacity - c->next < max ? km->capacity - c->next : max;
	int err = kmaps_read_slot_counters(km, c->per_slot, c->next, n);

	if (err)
		return err;
	c->next += n;
	return c->next >= km->capacity;
}

int stats_collect_end(struct stats_collector *c, struct kmaps *km,
		      struct stats_snapshot *out)
{
	size_t n = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = kmaps_read_totals(km, out->totals);
	if (err)
		goto out;
	n = kmaps_count_in_force(km);
	out->rows = calloc(n ? n : 1, sizeof(*out->rows));
	if (!out->rows) {
		err = -ENOMEM;
		goto out;
	}
	/* The table a window at a time (kmaps_slot_run). */
	for (uint32_t s = 0, rn; s < km->capacity && out->n < n; s += rn) {
		const struct xdpfw_rule *t = kmaps_slot_run(km, s, &rn);

		if (!t) {
			err = -errno;
			goto out;
		}
		for (uint32_t i = 0; i < rn && out->n < n; i++) {
			if (!t[i].family)
				continue;
			out->rows[out->n].slot = s + i;
			out->rows[out->n].rule = t[i];
			out->rows[out->n].c = c->per_slot[s + i];
			out->n++;
		}
	}
out:
	stats_collect_abort(c);
	return err;
}

void stats_collect_abort(struct stats_collector *c)
{
	if (!c)
		return;
	free(c->per_slot);
	c->per_slot = NULL;
	c->next = 0;
}

int stats_collect(struct kmaps *km, struct stats_snapshot *out)
{
	struct stats_collector c;
	int err = stats_collect_begin(&c, km);

	while (!err && !(err = stats_collect_step(&c, km, UINT32_MAX)))
		;
	if (err < 0) {
		stats_collect_abort(&c);
		memset(out, 0, sizeof(*out));
		return err;
	}
	return stats_collect_end(&c, km, out);
}

void stats_keep_counted(struct stats_snapshot *s)
{
	size_t n = 0;
	struct stat_row *rows;

	for (size_t i = 0; i < s->n; i++)
		if (s->rows[i].c.packets || s->rows[i].c.bytes)
			s->rows[n++] = s->rows[i];
	s->n = n;
	rows = realloc(s->rows, (n ? n : 1) * sizeof(*rows));
	if (rows)
		s->rows = rows;
}

void stats_free(struct stats_snapshot *s)
{
	if (!s)
		return;
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct stat_row *x = a, *y = b;

	if (x->c.packets != y->c.packets)
		return x->c.packets > y->c.packets ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

void stats_sort(struct stats_snapshot *s)
{
	qsort(s->rows, s->n, sizeof(*s->rows), row_cmp);
}

static size_t limit(const struct stats_snapshot *s, size_t top)
{
	return top && top < s->n ? top : s->n;
}

void stats_human_count(uint64_t v, char *buf, size_t len)
{
	static const char units[] = { 'k', 'M', 'G', 'T', 'P', 'E' };
	double x = (double)v;
	int u = -1;

	if (v < 10000) {
		snprintf(buf, len, "%" PRIu64, v);
		return;
	}
	while (x >= 1000 && u < 5) {
		x /= 1000;
		u++;
	}
	snprintf(buf, len, x < 10 ? "%.2f%c" : x < 100 ? "%.1f%c" : "%.0f%c", x,
		 units[u]);
}

void stats_print_table(FILE *f, const struct stats_snapshot *s, size_t top)
{
	char rule[RULE_FMT_MAX];
	size_t n = limit(s, top);

	char pk[32], by[32];

	fprintf(f, "%-45s %10s %10s\n", "RULE", "PACKETS", "BYTES");
	for (size_t i = 0; i < n; i++) {
		rule_format(&s->rows[i].rule, rule, sizeof(rule));
		stats_human_count(s->rows[i].c.packets, pk, sizeof(pk));
		stats_human_count(s->rows[i].c.bytes, by, sizeof(by));
		fprintf(f, "%-45s %10s %10s\n", rule, pk, by);
	}
	if (n < s->n)
		fprintf(f, "(%zu more rules)\n", s->n - n);
	fprintf(f, "\n%zu rules in force; dropped %" PRIu64 " packets (%" PRIu64
		   " bytes); passed %" PRIu64 " packets\n",
		s->n, (uint64_t)s->totals[XDPFW_T_DROPPED].packets,
		(uint64_t)s->totals[XDPFW_T_DROPPED].bytes,
		(uint64_t)s->totals[XDPFW_T_PASSED].packets);
	for (int t = FIRST_MALFORMED; t < XDPFW_TOTAL_MAX; t++)
		if (s->totals[t].packets)
			fprintf(f, "malformed %s: %" PRIu64 " packets (passed)\n",
				xdpfw_total_name[t],
				(uint64_t)s->totals[t].packets);
}

void stats_print_json(FILE *f, const struct stats_snapshot *s, size_t top)
{
	char rule[RULE_FMT_MAX];
	size_t n = limit(s, top);

	/* Rule text is [0-9a-f.:/\[\]tcpud]: nothing to escape in JSON. */
	fputs("{\"rules\": [", f);
	for (size_t i = 0; i < n; i++) {
		rule_format(&s->rows[i].rule, rule, sizeof(rule));
		fprintf(f, "%s{\"rule\": \"%s\", \"packets\": %" PRIu64
			   ", \"bytes\": %" PRIu64,
			i ? ", " : "", rule, (uint64_t)s->rows[i].c.packets,
			(uint64_t)s->rows[i].c.bytes);
		if (s->notes)
			rule_notes_json(f, s->notes, &s->rows[i].rule);
		fputc('}', f);
	}
	fprintf(f, "], \"total\": {\"dropped_packets\": %" PRIu64
		   ", \"dropped_bytes\": %" PRIu64 ", \"passed_packets\": %" PRIu64
		   "}, \"malformed\": {",
		(uint64_t)s->totals[XDPFW_T_DROPPED].packets,
		(uint64_t)s->totals[XDPFW_T_DROPPED].bytes,
		(uint64_t)s->totals[XDPFW_T_PASSED].packets);
	for (int t = FIRST_MALFORMED; t < XDPFW_TOTAL_MAX; t++)
		fprintf(f, "%s\"%s\": %" PRIu64, t == FIRST_MALFORMED ? "" : ", ",
			xdpfw_total_name[t], (uint64_t)s->totals[t].packets);
	fprintf(f, "}, \"rules_in_force\": %zu}\n", s->n);
}

void stats_prom_escape(char *out, size_t len, const char *in)
{
	size_t o = 0;

	for (; *in && o + 3 < len; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

static void prom_header(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One counter per rule in force, labelled with its rule text. */
static void prom_per_rule(FILE *f, const struct stats_snapshot *s,
			  const char *name, const char *help, int bytes)
{
	char rule[RULE_FMT_MAX], esc[2 * RULE_FMT_MAX];

	prom_header(f, name, "counter", help);
	for (size_t i = 0; i < s->n; i++) {
		rule_format(&s->rows[i].rule, rule, sizeof(rule));
		stats_prom_escape(esc, sizeof(esc), rule);
		fprintf(f, "%s{rule=\"%s\"} %" PRIu64 "\n", name, esc,
			(uint64_t)(bytes ? s->rows[i].c.bytes :
					   s->rows[i].c.packets));
	}
}

static void prom_total(FILE *f, const char *name, const char *help,
		       uint64_t value)
{
	prom_header(f, name, "counter", help);
	fprintf(f, "%s %" PRIu64 "\n", name, value);
}

void stats_print_prometheus(FILE *f, const struct stats_snapshot *s)
{
	stats_print_prometheus_part(f, s, s->n);
}

/* Everything after the per-rule counters. */
static void prom_tail(FILE *f, const struct stats_snapshot *s, size_t in_force)
{
	prom_total(f, "xdpfw_dropped_packets_total", "Packets dropped by xdpfw.",
		   s->totals[XDPFW_T_DROPPED].packets);
	prom_total(f, "xdpfw_dropped_bytes_total", "Bytes dropped by xdpfw.",
		   s->totals[XDPFW_T_DROPPED].bytes);
	prom_total(f, "xdpfw_passed_packets_total",
		   "Packets passed to the network stack.",
		   s->totals[XDPFW_T_PASSED].packets);
	prom_total(f, "xdpfw_non_ip_packets_total",
		   "Non-IP packets (ARP, ...) passed untouched.",
		   s->totals[XDPFW_T_NON_IP].packets);
	prom_header(f, "xdpfw_malformed_packets_total", "counter",
		    "Malformed packets passed to the stack, by reason.");
	for (int t = FIRST_MALFORMED; t < XDPFW_TOTAL_MAX; t++)
		fprintf(f, "xdpfw_malformed_packets_total{reason=\"%s\"} %" PRIu64 "\n",
			xdpfw_total_name[t], (uint64_t)s->totals[t].packets);
	prom_header(f, "xdpfw_rules_in_force", "gauge",
		    "Rules enforced in the kernel.");
	fprintf(f, "xdpfw_rules_in_force %zu\n", in_force);
}

void stats_print_prometheus_part(FILE *f, const struct stats_snapshot *s,
				 size_t in_force)
{
	prom_per_rule(f, s, "xdpfw_rule_dropped_packets_total",
		      "Packets dropped by each rule in force.", 0);
	prom_per_rule(f, s, "xdpfw_rule_dropped_bytes_total",
		      "Bytes dropped by each rule in force.", 1);
	prom_tail(f, s, in_force);
}

/* prom_per_rule() for every rule of the table's runs, its count from s's
 * row of its slot (none: zero).  The rules in force, or -errno. */
static long prom_per_rule_runs(FILE *f, const struct stats_snapshot *s,
			       stats_run_fn run, void *ctx, uint32_t capacity,
			       const char *name, const char *help, int bytes)
{
	char rule[RULE_FMT_MAX], esc[2 * RULE_FMT_MAX];
	size_t j = 0, in_force = 0;
	uint32_t rn;

	prom_header(f, name, "counter", help);
	for (uint32_t slot = 0; slot < capacity; slot += rn) {
		const struct xdpfw_rule *t = run(ctx, slot, &rn);

		if (!t)
			return errno ? -errno : -EIO;
		for (uint32_t i = 0; i < rn && i < capacity - slot; i++) {
			uint64_t v = 0;

			if (!t[i].family)
				continue;
			in_force++;
			while (j < s->n && s->rows[j].slot < slot + i)
				j++;
			if (j < s->n && s->rows[j].slot == slot + i)
				v = bytes ? s->rows[j].c.bytes : s->rows[j].c.packets;
			rule_format(&t[i], rule, sizeof(rule));
			stats_prom_escape(esc, sizeof(esc), rule);
			fprintf(f, "%s{rule=\"%s\"} %" PRIu64 "\n", name, esc, v);
		}
	}
	return (long)in_force;
}

int stats_print_prometheus_runs(FILE *f, const struct stats_snapshot *s,
				stats_run_fn run, void *ctx, uint32_t capacity)
{
	long n = prom_per_rule_runs(f, s, run, ctx, capacity,
				    "xdpfw_rule_dropped_packets_total",
				    "Packets dropped by each rule in force.", 0);

	if (n >= 0)
		n = prom_per_rule_runs(f, s, run, ctx, capacity,
				       "xdpfw_rule_dropped_bytes_total",
				       "Bytes dropped by each rule in force.", 1);
	if (n < 0)
		return (int)n;
	prom_tail(f, s, (size_t)n);
	return 0;
}
