/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Facts about the running daemon (reloads, tamper counts) and the
 * Prometheus exposition that puts them beside the counters: printed, and
 * written as node_exporter's textfile.
 */
#ifndef XDPFW_DAEMON_METRICS_H
#define XDPFW_DAEMON_METRICS_H

#include <stdio.h>

#include "stats.h"
#include "tamper.h"

/* Daemon facts exported beside the counters. */
struct daemon_metrics {
	unsigned long reloads_ok, reloads_rejected;
	double last_reload_ms;
	double last_reload_unix; /* seconds since the epoch, 0 = never */
	int last_reload_ok;
	struct tamper_counts tamper;
};

/* Only the daemon's metrics (reloads, tamper counts). */
void daemon_metrics_print(FILE *f, const struct daemon_metrics *m);

/* The full exposition: the counters of stats_print_prometheus() and then
 * the daemon's metrics. */
void daemon_metrics_print_all(FILE *f, const struct stats_snapshot *s,
			      const struct daemon_metrics *m);

/* Write the full exposition to path atomically (mode 0644: node_exporter
 * runs as another user): every rule in force of km's slot table, counted
 * by s's rows (stats_print_prometheus_runs).  0 or -errno. */
int daemon_metrics_write_textfile(const char *path,
				  const struct stats_snapshot *s,
				  struct kmaps *km,
				  const struct daemon_metrics *m);

#endif
