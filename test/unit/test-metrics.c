// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for [stats] listen: agent/listen_addr.c (the address) and
 * agent/metrics_expo.c (the bounded exposition served at /metrics), and
 * the attach keys of [agent]. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "listen_addr.h"
#include "metrics_expo.h"
#include "rules.h"
#include "testlib.h"

static void test_listen_ok(const char *text, const char *canon, int family)
{
	struct listen_addr a;
	char why[256] = "", buf[64];

	CHECK_MSG(listen_addr_parse(text, &a, why, sizeof(why)) == 0, "%s: %s",
		  text, why);
	CHECK_INT(a.ss.ss_family, family);
	listen_addr_format(&a, buf, sizeof(buf));
	CHECK_STR(buf, canon);
}

static void test_listen_bad(const char *text, const char *why_has)
{
	struct listen_addr a;
	char why[256] = "";

	CHECK_MSG(listen_addr_parse(text, &a, why, sizeof(why)) == -EINVAL,
		  "%s accepted", text);
	CHECK_MSG(strstr(why, why_has) != NULL, "%s: \"%s\" lacks \"%s\"",
		  text, why, why_has);
}

static void test_listen(void)
{
	test_listen_ok("127.0.0.1:9740", "127.0.0.1:9740", AF_INET);
	test_listen_ok("0.0.0.0:1", "0.0.0.0:1", AF_INET);
	test_listen_ok("[::1]:9740", "[::1]:9740", AF_INET6);
	test_listen_ok("[2001:db8:0::1]:65535", "[2001:db8::1]:65535", AF_INET6);
	test_listen_bad("localhost:9740", "not a literal IPv4 address");
	test_listen_bad("127.0.0.1", "expected ADDRESS:PORT");
	test_listen_bad("::1:9740", "expected ADDRESS:PORT");
	test_listen_bad("[::1]9740", "brackets");
	test_listen_bad("[::1]:", "port must be 1..65535");
	test_listen_bad("127.0.0.1:0", "port must be 1..65535");
	test_listen_bad("127.0.0.1:65536", "port must be 1..65535");
	test_listen_bad("127.0.0.1:09740", "port must be 1..65535");
	test_listen_bad("127.0.0.1:97x", "port must be 1..65535");
	test_listen_bad("[127.0.0.1]:9740", "not a literal IPv6 address");
	test_listen_bad(":9740", "no valid address");
}

#define CAP 4096

/* The view of the counted rules of table (what stats_counted keeps). */
static int view_of(const struct xdpfw_rule *table,
		   const struct xdpfw_counter *per, const struct xdpfw_counter *totals,
		   size_t top, struct metrics_view *v)
{
	struct stat_row *rows = calloc(CAP, sizeof(*rows));
	size_t n = 0, in_force = 0;

	for (uint32_t s = 0; rows && s < CAP; s++) {
		if (!table[s].family)
			continue;
		in_force++;
		if (per[s].packets || per[s].bytes)
			rows[n++] = (struct stat_row){ s, table[s], per[s] };
	}
	return rows ? metrics_view_take(rows, n, in_force, totals, top, v) :
		      -ENOMEM;
}

/* CAP slots, every 2nd in use; slots 10, 20, ... 100 counted (slot s:
 * s packets), so 10 of 2048 rules counted. */
static void test_view(void)
{
	static struct xdpfw_rule table[CAP];
	static struct xdpfw_counter per[CAP];
	struct xdpfw_counter totals[XDPFW_TOTAL_MAX] = { 0 };
	struct daemon_metrics m = { 0 };
	struct metrics_iface ifs[] = { { "eth0", "native" },
				       { "we\"ird", "generic" } };
	struct metrics_view v;
	char *buf = NULL, rule[RULE_FMT_MAX];
	size_t len = 0, series = 0;
	FILE *f;

	for (uint32_t s = 0; s < CAP; s += 2) {
		table[s].family = XDPFW_FAMILY_V4;
		table[s].prefixlen = 32;
		table[s].addr[0] = 10;
		table[s].addr[2] = (uint8_t)(s >> 8);
		table[s].addr[3] = (uint8_t)s;
	}
	for (uint32_t s = 10; s <= 100; s += 10) {
		per[s].packets = s;
		per[s].bytes = 60 * s;
	}
	per[11].packets = 99; /* a free slot's leftovers are not a rule */
	totals[XDPFW_T_DROPPED].packets = 550;

	CHECK_INT(view_of(table, per, totals, 50, &v), 0);
	CHECK_INT(v.in_force, CAP / 2);
	CHECK_INT(v.counted, 10);
	CHECK_INT(v.top.n, 10);
	CHECK_INT(v.top.rows[0].c.packets, 100); /* most packets first */
	CHECK_INT(v.top.rows[9].c.packets, 10);
	metrics_view_free(&v);

	CHECK_INT(view_of(table, per, totals, 3, &v), 0);
	CHECK_INT(v.top.n, 3);
	CHECK_INT(v.top.rows[2].c.packets, 80);
	f = open_memstream(&buf, &len);
	metrics_print(f, &v, &m, ifs, 2);
	fclose(f);
	rule_format(&table[100], rule, sizeof(rule));
	CHECK(strstr(buf, "xdpfw_rule_dropped_packets_total{rule=\"10.0.0.100\"} 100\n") != NULL);
	CHECK(strstr(buf, "xdpfw_rule_dropped_bytes_total{rule=\"10.0.0.100\"} 6000\n") != NULL);
	CHECK(strstr(buf, "{rule=\"10.0.0.70\"}") == NULL); /* 4th: left out */
	CHECK(strstr(buf, "xdpfw_rules_in_force 2048\n") != NULL);
	CHECK(strstr(buf, "xdpfw_dropped_packets_total 550\n") != NULL);
	CHECK(strstr(buf, "xdpfw_metrics_rules_omitted 7\n") != NULL);
	CHECK(strstr(buf, "xdpfw_build_info{version=\"") != NULL);
	CHECK(strstr(buf, "xdpfw_attached{interface=\"eth0\",mode=\"native\"} 1\n") != NULL);
	CHECK(strstr(buf, "xdpfw_attached{interface=\"we\\\"ird\",mode=\"generic\"} 1\n") != NULL);
	for (char *p = buf; *p; p = strchr(p, '\n') + 1)
		series += *p != '#';
	CHECK_MSG(series <= 50, "%zu series", series);
	free(buf);
	metrics_view_free(&v);
	metrics_view_free(NULL);

	/* top 0: no per-rule series at all. */
	CHECK_INT(view_of(table, per, totals, 0, &v), 0);
	CHECK_INT(v.top.n, 0);
	CHECK_INT(v.counted, 10);
	metrics_view_free(&v);
}

struct diag1 {
	unsigned line, n;
	char msg[512];
};

static void diag(void *ctx, const char *path, unsigned line, const char *msg)
{
	struct diag1 *d = ctx;

	(void)path;
	if (!d->n++) {
		d->line = line;
		snprintf(d->msg, sizeof(d->msg), "%s", msg);
	}
}

/* The keys in the config file: defaults, values, errors naming the line. */
static void test_config(void)
{
	struct xdpfw_config c;
	struct diag1 d = { 0 };

	config_init(&c);
	CHECK(c.stats_listen == NULL);
	CHECK_INT(c.metrics_top, 50);
	CHECK_INT(config_load_string(&c, "t.conf",
				     "[stats]\nlisten = [::1]:9740\n"
				     "metrics_top = 0\n", diag, &d), 0);
	CHECK_STR(c.stats_listen, "[::1]:9740");
	CHECK_INT(c.metrics_top, 0);
	config_free(&c);

	config_init(&c);
	CHECK_INT(config_load_string(&c, "t.conf",
				     "[stats]\nlisten =\n", diag, &d), 0);
	CHECK(c.stats_listen == NULL);
	config_free(&c);

	config_init(&c);
	CHECK_INT(config_load_string(&c, "t.conf", "[stats]\ninterval = 1\n"
				     "listen = localhost:9740\n", diag, &d),
		  -EINVAL);
	CHECK_INT(d.line, 3);
	CHECK_MSG(strstr(d.msg, "not a literal IPv4 address"), "%s", d.msg);
	config_free(&c);

	memset(&d, 0, sizeof(d));
	config_init(&c);
	CHECK_INT(config_load_string(&c, "t.conf",
				     "[stats]\nmetrics_top = 100001\n", diag,
				     &d), -EINVAL);
	CHECK_INT(d.line, 2);
	config_free(&c);
	/* attach and libxdp_priority ([agent], issue 16 too). */
	config_init(&c);
	CHECK_INT(c.attach, ATTACH_LINK);
	CHECK_INT(c.libxdp_priority, 20);
	CHECK_INT(config_load_string(&c, "t.conf", "[agent]\nattach = libxdp\n"
				     "libxdp_priority = 5\n", diag, &d), 0);
	CHECK_INT(c.attach, ATTACH_LIBXDP);
	CHECK_INT(c.libxdp_priority, 5);
	CHECK_STR(attach_method_name(c.attach), "libxdp");
	config_free(&c);
	memset(&d, 0, sizeof(d));
	config_init(&c);
	CHECK_INT(config_load_string(&c, "t.conf", "[agent]\n\nattach = xdp\n",
				     diag, &d), -EINVAL);
	CHECK_INT(d.line, 3);
	CHECK_MSG(strstr(d.msg, "link or libxdp"), "%s", d.msg);
	config_free(&c);
}

int main(void)
{
	test_listen();
	test_config();
	test_view();
	return tl_finish("test-metrics");
}
