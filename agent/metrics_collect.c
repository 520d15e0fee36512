// SPDX-License-Identifier: GPL-2.0-only
#include "metrics_collect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Slots per step: a few ms each on a busy 2-core VM, so that reloads and
 * signals never wait long for a scrape of a million rules. */
#define STEP_SLOTS_BATCH 32768
#define STEP_SLOTS_MMAP 131072

static int mapped(const struct metrics_collect *mc, const struct kmaps *km)
{
	return mc->rs.c && mc->rs.capacity == km->capacity;
}

int metrics_collect_open(struct metrics_collect *mc, struct kmaps *km)
{
	memset(mc, 0, sizeof(*mc));
	return rstats_mmap(&mc->rs, km);
}

void metrics_collect_close(struct metrics_collect *mc)
{
	metrics_collect_abort(mc);
	rstats_munmap(&mc->rs);
}

int metrics_collect_begin(struct metrics_collect *mc, struct kmaps *km)
{
	mc->next = 0;
	mc->in_force = 0;
	mc->n_rows = 0;
	/* Either path reads the table at the end or in each step: held
	 * whole until the end or abort. */
	if (!mc->held) {
		int err = kmaps_table_hold(km);

		if (err)
			return err;
		mc->held = km;
	}
	if (!mapped(mc, km))
		return stats_collect_begin(&mc->col, km);
	return 0;
}

int metrics_collect_step(struct metrics_collect *mc, struct kmaps *km)
{
	uint32_t n;
	int err;

	if (!mapped(mc, km))
		return stats_collect_step(&mc->col, km, STEP_SLOTS_BATCH);
	n = km->capacity - mc->next < STEP_SLOTS_MMAP ? km->capacity - mc->next :
							 STEP_SLOTS_MMAP;
	err = rstats_mmap_scan(&mc->rs, km->rbase, km->table, mc->next, n,
			       &mc->in_force, &mc->rows, &mc->n_rows,
			       &mc->cap_rows);
	if (err)
		return err;
	mc->next += n;
	return mc->next >= km->capacity;
}

int metrics_collect_end(struct metrics_collect *mc, struct kmaps *km,
			size_t top, struct metrics_view *v)
{
	struct xdpfw_counter totals[XDPFW_TOTAL_MAX];
	int err = kmaps_read_totals(km, totals);

	if (!err && mapped(mc, km)) {
		err = metrics_view_take(mc->rows, mc->n_rows, mc->in_force,
					totals, top, v);
		mc->rows = NULL; /* the view's now */
		mc->cap_rows = mc->n_rows = 0;
	} else if (!err) {
		err = metrics_view_build(km->table, mc->col.per_slot,
					 km->capacity, totals, top, v);
	}
	metrics_collect_abort(mc);
	return err;
}

void metrics_collect_abort(struct metrics_collect *mc)
{
	stats_collect_abort(&mc->col);
	free(mc->rows);
	mc->rows = NULL;
	mc->cap_rows = mc->n_rows = 0;
	if (mc->held)
		kmaps_table_release(mc->held);
	mc->held = NULL;
}
