// SPDX-License-Identifier: GPL-2.0-only
#include "metrics_collect.h"

#include <errno.h>
#include <string.h>

/* Slots per step: a few ms each on a busy 2-core VM, so that reloads and
 * signals never wait long for a scrape of a million rules. */
#define STEP_SLOTS_BATCH 32768
#define STEP_SLOTS_MMAP 131072

int metrics_collect_open(struct metrics_collect *mc, struct kmaps *km)
{
	memset(mc, 0, sizeof(*mc));
	return km->rstats_mmapable ? 0 : -EINVAL;
}

void metrics_collect_close(struct metrics_collect *mc)
{
	metrics_collect_abort(mc);
}

int metrics_collect_begin(struct metrics_collect *mc, struct kmaps *km)
{
	(void)km;
	stats_counted_begin(&mc->col, NULL);
	return 0;
}

int metrics_collect_step(struct metrics_collect *mc, struct kmaps *km)
{
	return stats_counted_step(&mc->col, km, km->rstats_mmapable ?
						   STEP_SLOTS_MMAP :
						   STEP_SLOTS_BATCH);
}

int metrics_collect_end(struct metrics_collect *mc, struct kmaps *km,
			size_t top, struct metrics_view *v)
{
	struct stats_snapshot s;
	size_t in_force = 0;
	int err = stats_counted_end(&mc->col, km, &s, &in_force);

	if (err)
		return err;
	return metrics_view_take(s.rows, s.n, in_force, s.totals, top, v);
}

void metrics_collect_abort(struct metrics_collect *mc)
{
	stats_counted_abort(&mc->col);
}
