// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every part of the daemon uses (daemon_int.h): the monotonic clock
 * of its timings, and the record of each reload for the metrics.
 */
#include <time.h>

#include "daemon_int.h"

double daemon_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void daemon_record_reload(struct daemon *d, const struct sync_result *res,
			  int err)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	d->metrics.last_reload_ok = !err && res->applied;
	if (d->metrics.last_reload_ok)
		d->metrics.reloads_ok++;
	else
		d->metrics.reloads_rejected++;
	d->metrics.last_reload_ms = res->ms;
	d->metrics.last_reload_unix = now.tv_sec + now.tv_nsec / 1e9;
}
