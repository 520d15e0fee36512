// SPDX-License-Identifier: GPL-2.0-only
#include "daemon_metrics.h"

#include <errno.h>

#include "safefile.h"

void daemon_metrics_print_all(FILE *f, const struct stats_snapshot *s,
			      const struct daemon_metrics *m)
{
	stats_print_prometheus(f, s);
	daemon_metrics_print(f, m);
}

void daemon_metrics_print(FILE *f, const struct daemon_metrics *m)
{
	fprintf(f, "# HELP xdpfw_reloads_total Reloads of the rules file, by result.\n"
		   "# TYPE xdpfw_reloads_total counter\n"
		   "xdpfw_reloads_total{result=\"ok\"} %lu\n"
		   "xdpfw_reloads_total{result=\"rejected\"} %lu\n",
		m->reloads_ok, m->reloads_rejected);
	fprintf(f, "# HELP xdpfw_last_reload_duration_seconds Duration of the last reload.\n"
		   "# TYPE xdpfw_last_reload_duration_seconds gauge\n"
		   "xdpfw_last_reload_duration_seconds %.6f\n",
		m->last_reload_ms / 1000.0);
	fprintf(f, "# HELP xdpfw_last_reload_timestamp_seconds When the last reload ran (Unix time).\n"
		   "# TYPE xdpfw_last_reload_timestamp_seconds gauge\n"
		   "xdpfw_last_reload_timestamp_seconds %.3f\n",
		m->last_reload_unix);
	fprintf(f, "# HELP xdpfw_last_reload_success Whether the last reload was applied (1) or rejected (0).\n"
		   "# TYPE xdpfw_last_reload_success gauge\n"
		   "xdpfw_last_reload_success %d\n",
		m->last_reload_ok);
	tamper_print_prometheus(f, &m->tamper);
}

struct textfile_ctx {
	const struct stats_snapshot *s;
	struct kmaps *km;
	const struct daemon_metrics *m;
};

static const struct xdpfw_rule *slot_run(void *km, uint32_t s, uint32_t *n)
{
	return kmaps_slot_run(km, s, n);
}

static int fill_textfile(FILE *f, void *ctx)
{
	const struct textfile_ctx *t = ctx;
	int err = stats_print_prometheus_runs(f, t->s, slot_run, t->km,
					      t->km->capacity);

	if (err)
		return err;
	daemon_metrics_print(f, t->m);
	return ferror(f) ? -EIO : 0;
}

int daemon_metrics_write_textfile(const char *path,
				  const struct stats_snapshot *s,
				  struct kmaps *km,
				  const struct daemon_metrics *m)
{
	struct textfile_ctx t = { s, km, m };

	/* node_exporter runs as another user: the file must be readable. */
	return safefile_write(path, 0644, fill_textfile, &t);
}
