/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's state, shared by its parts: daemon.c (the event loop,
 * reloads, signals, the stats pipeline), startup.c (taking the pin_dir,
 * loading or migrating, the first sync), ifattach.c (interfaces coming and
 * going) and integrity.c (never silently off).  They call one another only
 * downwards: daemon.c -> startup.c -> ifattach.c, and every one of them
 * -> daemon_state.c.
 */
#ifndef XDPFW_DAEMON_INT_H
#define XDPFW_DAEMON_INT_H

#include <ev.h>
#include <stddef.h>

#include "config.h"
#include "daemon_metrics.h"
#include "ifmon.h"
#include "kmaps.h"
#include "rulefiles.h"
#include "stats.h"
#include "sync.h"
#include "watch.h"

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct metrics_http;

struct daemon {
	struct xdpfw_config *cfg;
	struct xdpfw_bpf *skel;
	struct kmaps km;
	struct rules_cache rcache; /* the rule set between reloads */
	struct watch watch;
	struct ev_loop *loop;
	ev_io watch_io;
	ev_io ifmon_io;
	int ifmon_fd;
	int attached[CONFIG_MAX_INTERFACES];
	ev_timer debounce;
	ev_periodic expiry;        /* the earliest expires= in force */
	ev_timer watchdog;         /* WATCHDOG=1 at half systemd's period */
	ev_timer sweep;            /* free slots' counters zeroed (kmaps_clean.c) */
	int64_t next_expiry;       /* its time (Unix s), 0: none */
	ev_signal sig_term, sig_int, sig_hup;
	ev_timer stats_timer;
	ev_idle stats_idle;        /* runs a collection a piece at a time */
	struct stats_counted collector;
	int collecting;
	double collect_start_ms;
	struct stats_snapshot stats_prev;
	double stats_prev_ms;
	int have_stats_prev;
	struct daemon_metrics metrics;
	int lock_fd;
	int owns_pin_dir; /* it was empty: a failed start removes its pins */
	char pidfile[4096];
	struct integrity *integ; /* never silently off (integrity.c) */
	struct metrics_http *http; /* [stats] listen (metrics_http.c) */
};

/* daemon_state.c: helpers every half of the daemon uses. */
double daemon_mono_ms(void);
void daemon_record_reload(struct daemon *d, const struct sync_result *res,
			  int err);

/* daemon.c: after a sync that applied: the next reload prepared
 * (sync_prepare_next, with cache or NULL), and the free slots' counters
 * to be zeroed a second later, a batch at a time, while the loop idles. */
void daemon_prepare_next(struct daemon *d, struct rules_cache *cache);

/* startup.c: take pin_dir, load or migrate, the first sync (its result in
 * res), attach.  An exit code of exitcode.h. */
int daemon_start(struct daemon *d, struct sync_result *res);

#endif
