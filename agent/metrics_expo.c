// SPDX-License-Identifier: GPL-2.0-only
#include "metrics_expo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build_config.h"

int metrics_view_take(struct stat_row *rows, size_t n, size_t in_force,
		      const struct xdpfw_counter *totals, size_t top,
		      struct metrics_view *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->top.totals, totals, sizeof(v->top.totals));
	v->in_force = in_force;
	v->counted = n;
	v->top.rows = rows;
	v->top.n = n;
	stats_sort(&v->top);
	if (v->top.n > top)
		v->top.n = top;
	return 0;
}

void metrics_view_free(struct metrics_view *v)
{
	if (!v)
		return;
	stats_free(&v->top);
}

static void print_facts(FILE *f, const struct metrics_view *v,
			const struct metrics_iface *ifs, size_t n_ifs)
{
	char esc[64];

	fprintf(f, "# HELP xdpfw_metrics_rules_omitted Rules with counts left "
		   "out of this exposition by [stats] metrics_top.\n"
		   "# TYPE xdpfw_metrics_rules_omitted gauge\n"
		   "xdpfw_metrics_rules_omitted %zu\n",
		v->counted - v->top.n);
	fprintf(f, "# HELP xdpfw_build_info The running daemon's version.\n"
		   "# TYPE xdpfw_build_info gauge\n"
		   "xdpfw_build_info{version=\"%s\"} 1\n",
		XDPFW_VERSION_STRING);
	fprintf(f, "# HELP xdpfw_attached Interfaces the program is attached "
		   "to, with the attach mode.\n"
		   "# TYPE xdpfw_attached gauge\n");
	for (size_t i = 0; i < n_ifs; i++) {
		stats_prom_escape(esc, sizeof(esc), ifs[i].ifname);
		fprintf(f, "xdpfw_attached{interface=\"%s\",mode=\"%s\"} 1\n",
			esc, ifs[i].mode);
	}
}

void metrics_print(FILE *f, const struct metrics_view *v,
		   const struct daemon_metrics *m,
		   const struct metrics_iface *ifs, size_t n_ifs)
{
	stats_print_prometheus_part(f, &v->top, v->in_force);
	daemon_metrics_print(f, m);
	print_facts(f, v, ifs, n_ifs);
}
