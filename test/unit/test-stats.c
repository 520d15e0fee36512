// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stats pipeline stages without a kernel: deltas (incl. slot reuse and
 * counter resets), the journal line, JSON shape, Prometheus escaping and a
 * strict check of the exposition format.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_metrics.h"
#include "stats_delta.h"
#include "stats.h"
#include "testlib.h"

static struct xdpfw_rule v4(const char *a, int port)
{
	struct xdpfw_rule r;

	memset(&r, 0, sizeof(r));
	r.family = XDPFW_FAMILY_V4;
	r.prefixlen = 32;
	r.port = (uint16_t)port;
	inet_pton(AF_INET, a, r.addr);
	return r;
}

static void snap_init(struct stats_snapshot *s, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->rows = calloc(n, sizeof(*s->rows));
	s->n = n;
}

static void test_delta(void)
{
	struct stats_snapshot a, b;
	struct stats_delta d;
	char line[1024];

	snap_init(&a, 3);
	a.rows[0] = (struct stat_row){ 0, v4("203.0.113.1", 0), { 10, 1000 } };
	a.rows[1] = (struct stat_row){ 1, v4("203.0.113.2", 0), { 5, 500 } };
	a.rows[2] = (struct stat_row){ 2, v4("203.0.113.3", 0), { 7, 700 } };
	a.totals[XDPFW_T_DROPPED] = (struct xdpfw_counter){ 22, 2200 };
	a.totals[XDPFW_T_PASSED] = (struct xdpfw_counter){ 100, 9000 };

	snap_init(&b, 3);
	b.rows[0] = (struct stat_row){ 0, v4("203.0.113.1", 0), { 30, 3000 } };
	/* slot 1 now holds another rule that counted 4 since it was added */
	b.rows[1] = (struct stat_row){ 1, v4("203.0.113.9", 0), { 4, 400 } };
	/* slot 2 unchanged: no new drops */
	b.rows[2] = (struct stat_row){ 2, v4("203.0.113.3", 0), { 7, 700 } };
	b.totals[XDPFW_T_DROPPED] = (struct xdpfw_counter){ 46, 4600 };
	b.totals[XDPFW_T_PASSED] = (struct xdpfw_counter){ 150, 13000 };

	CHECK_INT(stats_delta_compute(&a, &b, 2.0, &d), 0);
	CHECK_INT(d.n, 2);
	CHECK_INT(d.rows[0].slot, 0);
	CHECK_INT(d.rows[0].packets, 20);
	CHECK_INT(d.rows[0].bytes, 2000);
	CHECK(d.rows[0].pps > 9.99 && d.rows[0].pps < 10.01);
	/* The new rule in slot 1 starts at zero: delta is its own count. */
	CHECK_INT(d.rows[1].slot, 1);
	CHECK_INT(d.rows[1].packets, 4);
	CHECK_INT(d.totals[XDPFW_T_DROPPED].packets, 24);
	CHECK_INT(d.totals[XDPFW_T_PASSED].packets, 50);

	stats_delta_format(&d, 1, line, sizeof(line));
	CHECK(strstr(line, "dropped 24 packets (12 pps, 2400 bytes)") != NULL);
	CHECK(strstr(line, "top: 203.0.113.1 20 (10 pps)") != NULL);
	CHECK(strstr(line, "203.0.113.9") == NULL); /* only top 1 */
	stats_delta_free(&d);

	/* Idle interval: no line. */
	CHECK_INT(stats_delta_compute(&b, &b, 10.0, &d), 0);
	CHECK_INT(d.n, 0);
	stats_delta_format(&d, 5, line, sizeof(line));
	CHECK_STR(line, "");
	stats_delta_free(&d);

	/* A counter that went down (slot reset) counts from zero. */
	b.rows[0].c.packets = 3;
	CHECK_INT(stats_delta_compute(&a, &b, 1.0, &d), 0);
	CHECK_INT(d.rows[0].packets, 4 > 3 ? 4 : 3); /* slot 1: 4, slot 0: 3 */
	CHECK_INT(d.n, 2);
	stats_delta_free(&d);

	/* A compacted base (idle rules dropped) gives the same deltas. */
	{
		struct stats_snapshot base;
		struct stats_delta d2;

		snap_init(&base, 3);
		memcpy(base.rows, a.rows, 3 * sizeof(*a.rows));
		base.rows[2].c = (struct xdpfw_counter){ 0, 0 };
		base.totals[XDPFW_T_DROPPED] = a.totals[XDPFW_T_DROPPED];
		stats_keep_counted(&base);
		CHECK_INT(base.n, 2);
		CHECK_INT(base.rows[1].slot, 1);
		b.rows[2].c = (struct xdpfw_counter){ 2, 200 };
		CHECK_INT(stats_delta_compute(&base, &b, 1.0, &d2), 0);
		/* slot 2 was idle (absent from the base): all its counts new */
		CHECK_INT(d2.n, 3);
		for (size_t i = 0; i < d2.n; i++)
			if (d2.rows[i].slot == 2)
				CHECK_INT(d2.rows[i].packets, 2);
		stats_delta_free(&d2);
		stats_free(&base);
		b.rows[2].c = (struct xdpfw_counter){ 7, 700 };
	}

	/* First collection: everything is new. */
	CHECK_INT(stats_delta_compute(NULL, &a, 1.0, &d), 0);
	CHECK_INT(d.n, 3);
	CHECK_INT(d.totals[XDPFW_T_DROPPED].packets, 22);
	stats_delta_free(&d);

	stats_free(&a);
	stats_free(&b);
}

static void test_human(void)
{
	char b[32];

	stats_human_count(0, b, sizeof(b));
	CHECK_STR(b, "0");
	stats_human_count(9999, b, sizeof(b));
	CHECK_STR(b, "9999");
	stats_human_count(12345, b, sizeof(b));
	CHECK_STR(b, "12.3k");
	stats_human_count(1234567, b, sizeof(b));
	CHECK_STR(b, "1.23M");
	stats_human_count(999999999, b, sizeof(b));
	CHECK_STR(b, "1000M");
}

static void test_escape(void)
{
	char b[64];

	stats_prom_escape(b, sizeof(b), "a\"b\\c\nd");
	CHECK_STR(b, "a\\\"b\\\\c\\nd");
	stats_prom_escape(b, sizeof(b), "[2001:db8::/48]:443");
	CHECK_STR(b, "[2001:db8::/48]:443");
}

/* A strict reading of the text exposition format 0.0.4: every line is a
 * comment (# HELP / # TYPE name ...), or name{labels} value; names match
 * [a-zA-Z_:][a-zA-Z0-9_:]*; label values are quoted with escapes; every
 * sample's metric has a TYPE line before it; no name has two TYPE lines. */
static int valid_name(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return 0;
	return 1;
}

static int check_exposition(char *text, int *samples)
{
	char typed[64][64];
	int n_typed = 0;

	*samples = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "# HELP ", 7))
			continue;
		if (!strncmp(line, "# TYPE ", 7)) {
			char name[64], type[32];

			if (sscanf(line + 7, "%63s %31s", name, type) != 2)
				return 0;
			if (strcmp(type, "counter") && strcmp(type, "gauge"))
				return 0;
			for (int i = 0; i < n_typed; i++)
				if (!strcmp(typed[i], name))
					return 0;
			strcpy(typed[n_typed++], name);
			continue;
		}
		if (line[0] == '#')
			return 0;
		{
			size_t nl = strcspn(line, "{ ");
			char *p = line + nl, *end;
			int found = 0;

			if (!valid_name(line, nl))
				return 0;
			for (int i = 0; i < n_typed; i++)
				found |= strlen(typed[i]) == nl &&
					 !strncmp(typed[i], line, nl);
			if (!found)
				return 0;
			if (*p == '{') {
				p++;
				while (*p != '}') {
					size_t ln = strcspn(p, "=");

					if (!valid_name(p, ln) || p[ln + 1] != '"')
						return 0;
					p += ln + 2;
					while (*p && *p != '"') {
						if (*p == '\\') {
							if (p[1] != '\\' && p[1] != '"' &&
							    p[1] != 'n')
								return 0;
							p++;
						}
						p++;
					}
					if (*p != '"')
						return 0;
					p++;
					if (*p == ',')
						p++;
					else if (*p != '}')
						return 0;
				}
				p++;
			}
			if (*p != ' ')
				return 0;
			strtod(p + 1, &end);
			if (end == p + 1 || *end)
				return 0;
			(*samples)++;
		}
	}
	return 1;
}

static void test_prometheus(void)
{
	struct stats_snapshot s;
	struct daemon_metrics m = { 3, 1, 12.5, 1700000000.0, 1, { { 0 }, { 0 } } };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int samples;

	snap_init(&s, 2);
	s.rows[0] = (struct stat_row){ 0, v4("10.0.2.2", 30000), { 12, 720 } };
	s.rows[1] = (struct stat_row){ 1, v4("203.0.113.7", 0), { 1, 60 } };
	s.totals[XDPFW_T_DROPPED] = (struct xdpfw_counter){ 13, 780 };
	s.totals[XDPFW_T_PASSED] = (struct xdpfw_counter){ 5, 300 };
	m.tamper.events[TAMPER_MAP] = 2;
	m.tamper.repairs[TAMPER_ATTACH] = 1;

	f = open_memstream(&buf, &len);
	daemon_metrics_print_all(f, &s, &m);
	fclose(f);
	CHECK(strstr(buf, "xdpfw_rule_dropped_packets_total{rule=\"10.0.2.2:30000\"} 12\n") != NULL);
	CHECK(strstr(buf, "xdpfw_rule_dropped_bytes_total{rule=\"203.0.113.7\"} 60\n") != NULL);
	CHECK(strstr(buf, "xdpfw_dropped_packets_total 13\n") != NULL);
	CHECK(strstr(buf, "xdpfw_passed_packets_total 5\n") != NULL);
	CHECK(strstr(buf, "xdpfw_rules_in_force 2\n") != NULL);
	CHECK(strstr(buf, "xdpfw_reloads_total{result=\"rejected\"} 1\n") != NULL);
	CHECK(strstr(buf, "xdpfw_malformed_packets_total{reason=\"bad_ip4\"} 0\n") != NULL);
	CHECK(strstr(buf, "xdpfw_tamper_events_total{kind=\"map\"} 2\n") != NULL);
	CHECK(strstr(buf, "xdpfw_repairs_total{kind=\"attach\"} 1\n") != NULL);
	CHECK(check_exposition(buf, &samples));
	/* per rule 2+2; dropped pk/bytes, passed, non-IP; malformed; rules;
	 * reloads ok/rejected; 3 reload gauges; tamper events and repairs
	 * per kind */
	CHECK_INT(samples, 2 + 2 + 4 + (XDPFW_TOTAL_MAX - XDPFW_T_BAD_ETH) + 1 + 2 + 3 +
			   2 * TAMPER_KIND_N);
	free(buf);

	/* The checker itself rejects what is wrong. */
	{
		char bad1[] = "# TYPE x counter\nx{rule=\"a\"b\"} 1\n";
		char bad2[] = "y 1\n";
		char bad3[] = "# TYPE x counter\nx 1 2 3\n";
		char good[] = "# TYPE x counter\nx{rule=\"a\\\"b\"} 1\n";

		CHECK(!check_exposition(bad1, &samples));
		CHECK(!check_exposition(bad2, &samples));
		CHECK(!check_exposition(bad3, &samples));
		CHECK(check_exposition(good, &samples));
	}
	stats_free(&s);
}

/* A table of 10 slots (free: 1, 4, 8) read in runs of 3. */
static struct xdpfw_rule runs_table[10];

static const struct xdpfw_rule *runs3(void *ctx, uint32_t s, uint32_t *n)
{
	(void)ctx;
	*n = 10 - s < 3 ? 10 - s : 3;
	return &runs_table[s];
}

static char *print_full(const struct stats_snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	stats_print_prometheus(f, s);
	fclose(f);
	return buf;
}

/* The exposition streamed from the table's runs and only the counted
 * rows is the one of the full snapshot, byte for byte. */
static void test_prometheus_runs(void)
{
	struct stats_snapshot full, counted;
	char name[32], *a, *b = NULL;
	size_t len = 0, k = 0;
	FILE *f;

	snap_init(&full, 7);
	snap_init(&counted, 3);
	full.n = counted.n = 0;
	for (uint32_t s = 0; s < 10; s++) {
		struct stat_row r = { s, { 0 }, { 0, 0 } };

		if (s == 1 || s == 4 || s == 8)
			continue;
		snprintf(name, sizeof(name), "203.0.113.%u", s);
		runs_table[s] = v4(name, s == 6 ? 80 : 0);
		r.rule = runs_table[s];
		if (s == 0 || s == 5 || s == 9)
			r.c = (struct xdpfw_counter){ s + 1, 100 * s + 7 };
		full.rows[full.n++] = r;
		if (r.c.packets)
			counted.rows[counted.n++] = r;
	}
	full.totals[XDPFW_T_DROPPED] = (struct xdpfw_counter){ 18, 1421 };
	full.totals[XDPFW_T_BAD_L4].packets = 3;
	memcpy(counted.totals, full.totals, sizeof(full.totals));
	a = print_full(&full);
	f = open_memstream(&b, &len);
	CHECK_INT(stats_print_prometheus_runs(f, &counted, runs3, NULL, 10), 0);
	fclose(f);
	CHECK_STR(b, a);
	for (char *p = strstr(b, "{rule="); p; p = strstr(p + 1, "{rule="))
		k++;
	CHECK_INT(k, 14); /* 7 rules in force, two families */
	free(a);
	free(b);
	stats_free(&full);
	stats_free(&counted);
}

static void test_json(void)
{
	struct stats_snapshot s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	snap_init(&s, 2);
	s.rows[0] = (struct stat_row){ 0, v4("203.0.113.7", 0), { 1, 60 } };
	s.rows[1] = (struct stat_row){ 1, v4("10.0.2.2", 30000), { 12, 720 } };
	s.totals[XDPFW_T_DROPPED] = (struct xdpfw_counter){ 13, 780 };
	s.totals[XDPFW_T_PASSED] = (struct xdpfw_counter){ 5, 300 };
	stats_sort(&s);
	s.totals[XDPFW_TOTAL_MAX - 1] = (struct xdpfw_counter){ 7, 0 };
	f = open_memstream(&buf, &len);
	stats_print_json(f, &s, 1);
	fclose(f);
	/* The whole object, byte for byte: the top rule only (--top 1), the
	 * totals, every malformed reason, the rules in force. */
	{
		char want[2048];
		size_t o = (size_t)snprintf(want, sizeof(want),
			"{\"rules\": [{\"rule\": \"10.0.2.2:30000\", \"packets\": 12, "
			"\"bytes\": 720}], \"total\": {\"dropped_packets\": 13, "
			"\"dropped_bytes\": 780, \"passed_packets\": 5}, "
			"\"malformed\": {");

		for (int t = XDPFW_T_BAD_ETH; t < XDPFW_TOTAL_MAX; t++)
			o += (size_t)snprintf(want + o, sizeof(want) - o,
					      "%s\"%s\": %d",
					      t == XDPFW_T_BAD_ETH ? "" : ", ",
					      xdpfw_total_name[t],
					      t == XDPFW_TOTAL_MAX - 1 ? 7 : 0);
		snprintf(want + o, sizeof(want) - o,
			 "}, \"rules_in_force\": 2}\n");
		CHECK_STR(buf, want);
	}
	free(buf);
	stats_free(&s);
}

int main(void)
{
	test_prometheus_runs();
	test_delta();
	test_human();
	test_escape();
	test_prometheus();
	test_json();
	return tl_finish("test-stats");
}
