// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's collection of the counters (stats.h, struct
 * stats_counted): each step joins its slots' counters with the slot
 * table's run there, and keeps only the rows worth keeping. */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

void stats_counted_begin(struct stats_counted *c,
			 const struct stats_snapshot *keep)
{
	memset(c, 0, sizeof(*c));
	c->keep = keep;
}

/* Is slot s in c->keep (its rows are in slot order, and so are the calls)? */
static int kept(struct stats_counted *c, uint32_t s)
{
	const struct stats_snapshot *k = c->keep;

	if (!k)
		return 0;
	while (c->keep_i < k->n && k->rows[c->keep_i].slot < s)
		c->keep_i++;
	return c->keep_i < k->n && k->rows[c->keep_i].slot == s;
}

static int push(struct stats_counted *c, uint32_t s,
		const struct xdpfw_rule *r, const struct xdpfw_counter *n)
{
	struct stat_row *p = grow(c->rows, &c->cap_rows, c->n_rows + 1,
				  sizeof(*p), 64);

	if (!p)
		return -ENOMEM;
	c->rows = p;
	p[c->n_rows].slot = s;
	p[c->n_rows].rule = *r;
	p[c->n_rows].c = *n;
	c->n_rows++;
	return 0;
}

/* Slots [first, first + n), their counters in c->buf. */
static int join(struct stats_counted *c, struct kmaps *km, uint32_t first,
		uint32_t n)
{
	uint32_t rn;

	for (uint32_t s = first; s < first + n; s += rn) {
		const struct xdpfw_rule *t = kmaps_slot_run(km, s, &rn);

		if (!t)
			return -errno;
		if (rn > first + n - s)
			rn = first + n - s;
		for (uint32_t i = 0; i < rn; i++) {
			const struct xdpfw_counter *v = &c->buf[s + i - first];

			if (!t[i].family)
				continue;
			c->in_force++;
			if ((v->packets || v->bytes || kept(c, s + i)) &&
			    push(c, s + i, &t[i], v))
				return -ENOMEM;
		}
	}
	return 0;
}

int stats_counted_step(struct stats_counted *c, struct kmaps *km,
		       uint32_t max)
{
	uint32_t n = km->capacity - c->next < max ? km->capacity - c->next : max;
	int err;

	if (n > c->buf_n) {
		free(c->buf);
		c->buf = malloc((size_t)n * sizeof(*c->buf));
		c->buf_n = c->buf ? n : 0;
		if (!c->buf)
			return -ENOMEM;
	}
	err = kmaps_read_slot_counters_to(km, c->buf, c->next, n);
	if (!err)
		err = join(c, km, c->next, n);
	if (err)
		return err;
	c->next += n;
	return c->next >= km->capacity;
}

int stats_counted_end(struct stats_counted *c, struct kmaps *km,
		      struct stats_snapshot *out, size_t *in_force)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = kmaps_read_totals(km, out->totals);
	if (!err) {
		out->rows = c->rows;
		out->n = c->n_rows;
		*in_force = c->in_force;
		c->rows = NULL;
	}
	stats_counted_abort(c);
	return err;
}

void stats_counted_abort(struct stats_counted *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c->rows);
	memset(c, 0, sizeof(*c)); /* as stats_counted_begin(c, NULL) leaves it */
}
