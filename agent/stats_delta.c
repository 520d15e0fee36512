// SPDX-License-Identifier: GPL-2.0-only
#include "stats_delta.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "ruleidx.h"

static uint64_t sub(uint64_t now, uint64_t then)
{
	/* A counter below its old value was reset (slot reused): all new. */
	return now >= then ? now - then : now;
}

static int delta_cmp(const void *a, const void *b)
{
	const struct delta_row *x = a, *y = b;

	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

int stats_delta_compute(const struct stats_snapshot *prev,
			const struct stats_snapshot *cur, double seconds,
			struct stats_delta *out)
{
	size_t j = 0;

	memset(out, 0, sizeof(*out));
	out->seconds = seconds;
	out->rows = calloc(cur->n ? cur->n : 1, sizeof(*out->rows));
	if (!out->rows)
		return -ENOMEM;
	for (int t = 0; t < XDPFW_TOTAL_MAX; t++) {
		out->totals[t].packets = sub(cur->totals[t].packets,
					     prev ? prev->totals[t].packets : 0);
		out->totals[t].bytes = sub(cur->totals[t].bytes,
					   prev ? prev->totals[t].bytes : 0);
	}
	/* Both snapshots are in slot order when unsorted; walk them together.
	 * Callers pass snapshots straight from stats_collect(). */
	for (size_t i = 0; i < cur->n; i++) {
		const struct stat_row *c = &cur->rows[i];
		struct xdpfw_counter before = { 0 };
		struct delta_row *d;

		while (prev && j < prev->n && prev->rows[j].slot < c->slot)
			j++;
		if (prev && j < prev->n && prev->rows[j].slot == c->slot &&
		    rule_equal(&prev->rows[j].rule, &c->rule))
			before = prev->rows[j].c;
		if (c->c.packets == before.packets)
			continue;
		d = &out->rows[out->n++];
		d->slot = c->slot;
		d->rule = c->rule;
		d->packets = sub(c->c.packets, before.packets);
		d->bytes = sub(c->c.bytes, before.bytes);
		d->pps = seconds > 0 ? (double)d->packets / seconds : 0;
	}
	if (out->n)
		qsort(out->rows, out->n, sizeof(*out->rows), delta_cmp);
	return 0;
}

void stats_delta_free(struct stats_delta *d)
{
	if (!d)
		return;
	free(d->rows);
	d->rows = NULL;
	d->n = 0;
}

int stats_delta_format(const struct stats_delta *d, size_t top, char *buf,
		       size_t len)
{
	const struct xdpfw_counter *dr = &d->totals[XDPFW_T_DROPPED];
	double s = d->seconds > 0 ? d->seconds : 1;
	size_t o;
	int n;

	buf[0] = '\0';
	if (!dr->packets)
		return 0;
	n = snprintf(buf, len,
		     "stats: dropped %" PRIu64 " packets (%.0f pps, %" PRIu64
		     " bytes), passed %" PRIu64 " in %.0f s",
		     (uint64_t)dr->packets, (double)dr->packets / s,
		     (uint64_t)dr->bytes,
		     (uint64_t)d->totals[XDPFW_T_PASSED].packets, d->seconds);
	if (n < 0 || (size_t)n >= len)
		return 0;
	o = (size_t)n;
	for (size_t i = 0; i < d->n && i < top; i++) {
		char rule[RULE_FMT_MAX];

		rule_format(&d->rows[i].rule, rule, sizeof(rule));
		n = snprintf(buf + o, len - o, "%s %s %" PRIu64 " (%.0f pps)",
			     i ? "," : "; top:", rule, (uint64_t)d->rows[i].packets,
			     d->rows[i].pps);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	return 0;
}
