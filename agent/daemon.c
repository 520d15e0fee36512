// SPDX-License-Identifier: GPL-2.0-only
#include "daemon.h"

/* The event loop: reloads, signals, the stats pipeline (startup.c brings
 * the daemon up). */

#include <errno.h>
#include <ev.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_int.h"
#include "exitcode.h"
#include "ifattach.h"
#include "integrity.h"
#include "loader.h"
#include "log.h"
#include "metrics_http.h"
#include "notify.h"
#include "skel.h"
#include "stats_delta.h"


static void notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_printf("RELOADING=1\nMONOTONIC_USEC=%llu",
		      (unsigned long long)ts.tv_sec * 1000000ULL +
			      (unsigned long long)ts.tv_nsec / 1000);
}


/* Debounce: the reload runs reload_delay_ms after the last event. */
static void schedule_reload(struct daemon *d)
{
	ev_timer_stop(d->loop, &d->debounce);
	ev_timer_set(&d->debounce, d->cfg->reload_delay_ms / 1000.0, 0.);
	ev_timer_start(d->loop, &d->debounce);
}

/* One timer for the earliest expires= in force, on the wall clock (an
 * ev_periodic follows clock changes): when it fires, a reload leaves the
 * expired entries out.  Kept as it is while a file is rejected (the old
 * set, with its expiries, stays in force). */
static void arm_expiry(struct daemon *d, int64_t at)
{
	ev_periodic_stop(d->loop, &d->expiry);
	d->next_expiry = at;
	if (!at)
		return;
	ev_periodic_set(&d->expiry, (double)at + 0.05, 0., 0);
	ev_periodic_start(d->loop, &d->expiry);
	log_debug("the next entry expires at %lld", (long long)at);
}

/* The counters of the slots reloads freed zeroed while the loop idles,
 * so that the next reload's added rules need not (10 ms in a 1 % churn at
 * 1M rules): a second after the last reload that freed any (a packet may
 * count on a slot for a moment after its rule went), SWEEP_SLOTS at a
 * time (~10 ms each), a step every SWEEP_STEP_S. */
#define SWEEP_DELAY_S 1.0
#define SWEEP_STEP_S 0.02
#define SWEEP_SLOTS 16384

static void on_sweep(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct daemon *d = container_of(t, struct daemon, sweep);
	double t0 = daemon_mono_ms();
	size_t count;
	int err = kmaps_sweep_counters(&d->km, SWEEP_SLOTS, &count);

	(void)revents;
	if (err) {
		log_warn("zeroing the counters of free rule slots failed: %s; "
			 "the reloads that take them zero them",
			 strerror(-err));
		return;
	}
	log_debug("free slots: %zu counters zeroed in %.1f ms, %zu slots left",
		  count, daemon_mono_ms() - t0, kmaps_sweep_pending(&d->km));
	if (kmaps_sweep_pending(&d->km)) {
		ev_timer_set(t, SWEEP_STEP_S, 0.);
		ev_timer_start(loop, t);
	}
}

void daemon_prepare_next(struct daemon *d, struct rules_cache *cache)
{
	sync_prepare_next(&d->km, cache);
	if (!kmaps_sweep_pending(&d->km))
		return;
	ev_timer_stop(d->loop, &d->sweep);
	ev_timer_set(&d->sweep, SWEEP_DELAY_S, 0.);
	ev_timer_start(d->loop, &d->sweep);
}

static void reload(struct daemon *d, const char *trigger, enum sync_mode mode)
{
	struct sync_result res;
	int err;

	notify_reloading();
	err = sync_rules(&d->km, d->cfg, &d->rcache, trigger, mode, &res);
	daemon_record_reload(d, &res, err);
	if (!err && res.applied)
		arm_expiry(d, res.next_expiry);
	notify_printf("READY=1\nSTATUS=%zu rules in force; last reload (%s) %s",
		      res.in_force, trigger,
		      err ? "failed" : res.applied ? "applied" : "rejected");
	/* A ConfigMap-style swap moves the real directory: follow it.  A
	 * directory that came back may hold a file written before its watch
	 * existed: read once more. */
	if (watch_refresh(&d->watch) == 1)
		schedule_reload(d);
	if (!err && res.applied)
		daemon_prepare_next(d, &d->rcache);
	/* A reload of a large file used tens of MB for a moment: give them
	 * back, the daemon idles between reloads. */
	malloc_trim(0);
}

static void on_debounce(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct daemon *d = container_of(t, struct daemon, debounce);

	(void)revents;
	ev_timer_stop(loop, t);
	reload(d, "inotify", SYNC_INCREMENTAL);
}

static void on_watch(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = container_of(w, struct daemon, watch_io);
	int r = watch_read(&d->watch);

	(void)loop;
	(void)revents;
	if (r < 0) {
		log_error("reading inotify events failed: %s", strerror(-r));
		return;
	}
	if (r)
		schedule_reload(d);
}

static void on_expiry(struct ev_loop *loop, ev_periodic *w, int revents)
{
	struct daemon *d = container_of(w, struct daemon, expiry);

	(void)loop;
	(void)revents;
	reload(d, "expiry", SYNC_INCREMENTAL);
}

/* From the event loop itself, so that a loop stuck in one step (the
 * longest, a full sync of a million rules, takes about 2 s) is what
 * systemd's watchdog (WatchdogSec=) sees and restarts; the pins keep
 * enforcing meanwhile. */
static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	notify_send("WATCHDOG=1");
}

static void start_watchdog(struct daemon *d)
{
	uint64_t usec = notify_watchdog_usec();

	if (!usec)
		return;
	ev_timer_init(&d->watchdog, on_watchdog, usec / 2e6, usec / 2e6);
	ev_timer_start(d->loop, &d->watchdog);
	notify_send("WATCHDOG=1");
	log_debug("systemd watchdog: a ping every %.1f s", usec / 2e6);
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = container_of(w, struct daemon, sig_hup);

	(void)revents;
	/* A forced re-sync supersedes a pending debounced one. */
	ev_timer_stop(loop, &d->debounce);
	reload(d, "SIGHUP", SYNC_FULL);
}

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_info("received %s; exiting, the firewall stays attached and enforcing "
		 "(`xdpfw detach` turns it off)",
		 strsignal(w->signum));
	notify_send("STOPPING=1");
	ev_break(loop, EVBREAK_ALL);
}

/* Slots read per loop iteration: a few ms, so reloads and signals wait
 * no longer than that for a collection over a million rules. */
#define STATS_STEP_SLOTS 32768

/* collect -> delta -> journal line and Prometheus textfile. */
static void stats_sinks(struct daemon *d, struct stats_snapshot *cur,
			double now)
{
	struct stats_delta delta;
	char line[4096];
	int err;

	if (d->have_stats_prev &&
	    !stats_delta_compute(&d->stats_prev, cur,
				 (now - d->stats_prev_ms) / 1000.0, &delta)) {
		stats_delta_format(&delta, d->cfg->stats_log_top, line,
				   sizeof(line));
		if (line[0])
			log_info("%s", line);
		stats_delta_free(&delta);
	}
	if (d->cfg->prometheus_textfile) {
		err = daemon_metrics_write_textfile(d->cfg->prometheus_textfile, cur,
						    &d->km, &d->metrics);
		if (err)
			log_warn("stats: cannot write %s: %s",
				 d->cfg->prometheus_textfile, strerror(-err));
	}
	/* The next delta only needs the rules that have counted something:
	 * keep those (cur also has the previous ones gone idle). */
	stats_keep_counted(cur);
	stats_free(&d->stats_prev);
	d->stats_prev = *cur;
	d->stats_prev_ms = now;
	d->have_stats_prev = 1;
}

static void on_stats_step(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct daemon *d = container_of(w, struct daemon, stats_idle);
	struct stats_snapshot cur;
	size_t in_force = 0;
	int r;

	(void)revents;
	r = stats_counted_step(&d->collector, &d->km, STATS_STEP_SLOTS);
	if (r == 0)
		return; /* more next iteration */
	ev_idle_stop(loop, w);
	d->collecting = 0;
	if (r < 0 ||
	    (r = stats_counted_end(&d->collector, &d->km, &cur, &in_force))) {
		stats_counted_abort(&d->collector);
		log_error("stats: cannot read counters: %s", strerror(-r));
		return;
	}
	log_debug("stats: collected %zu rules (%zu kept) in %.1f ms", in_force,
		  cur.n, daemon_mono_ms() - d->collect_start_ms);
	stats_sinks(d, &cur, daemon_mono_ms());
}

static void on_stats(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct daemon *d = container_of(t, struct daemon, stats_timer);

	(void)revents;
	if (d->collecting) {
		log_debug("stats: previous collection still running; skipping");
		return;
	}
	/* Rows kept: the rules that counted, and the previous delta's
	 * base (the rules of stats_prev, which stays until the end). */
	stats_counted_begin(&d->collector,
			    d->have_stats_prev ? &d->stats_prev : NULL);
	d->collecting = 1;
	d->collect_start_ms = daemon_mono_ms();
	ev_idle_start(loop, &d->stats_idle);
}

static void on_syserr(const char *msg)
{
	log_error("event loop: %s: %s", msg, strerror(errno));
	abort();
}

/* Everything the loop reacts to, once the firewall is up. */
static void start_watchers(struct daemon *d)
{
	if (d->ifmon_fd >= 0) {
		ev_io_init(&d->ifmon_io, ifattach_on_event, d->ifmon_fd, EV_READ);
		ev_io_start(d->loop, &d->ifmon_io);
	}
	ev_io_init(&d->watch_io, on_watch, d->watch.fd, EV_READ);
	ev_io_start(d->loop, &d->watch_io);
	ev_init(&d->debounce, on_debounce);
	ev_init(&d->expiry, on_expiry);
	arm_expiry(d, d->next_expiry);
	start_watchdog(d);
	ev_signal_init(&d->sig_hup, on_hup, SIGHUP);
	ev_signal_init(&d->sig_term, on_stop, SIGTERM);
	ev_signal_init(&d->sig_int, on_stop, SIGINT);
	ev_signal_start(d->loop, &d->sig_hup);
	ev_signal_start(d->loop, &d->sig_term);
	ev_signal_start(d->loop, &d->sig_int);

	if (d->cfg->stats_interval) {
		ev_idle_init(&d->stats_idle, on_stats_step);
		ev_timer_init(&d->stats_timer, on_stats, 0., d->cfg->stats_interval);
		ev_timer_again(d->loop, &d->stats_timer);
		/* A first sample now, so the first interval has a baseline and
		 * the textfile exists from the start. */
		on_stats(d->loop, &d->stats_timer, 0);
	}
}

int daemon_run(struct xdpfw_config *cfg)
{
	struct daemon d = { .cfg = cfg, .lock_fd = -1, .ifmon_fd = -1 };
	struct sync_result first;
	int rc, err;

	log_bridge_libbpf();
	signal(SIGPIPE, SIG_IGN);
	/* Large, short-lived buffers (file, rule arrays, plans) straight from
	 * mmap, so that freeing them returns the memory: glibc would otherwise
	 * raise this threshold and keep them in the heap. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	ev_set_syserr_cb(on_syserr);
	kmaps_init(&d.km);
	rules_cache_init(&d.rcache);
	d.loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_SIGNALFD);
	ev_init(&d.sweep, on_sweep); /* armed by daemon_prepare_next */

	/* Watch before the first read so no save is missed in between. */
	err = watch_init(&d.watch, cfg->rules_path, cfg->rules_dir);
	if (err) {
		log_error("cannot watch %s: %s", cfg->rules_path, strerror(-err));
		rc = EXIT_RUNTIME;
		goto out;
	}
	/* Subscribe before attaching: a link that appears in between is seen. */
	d.ifmon_fd = ifmon_open();
	if (d.ifmon_fd < 0)
		log_warn("cannot follow interface changes: %s", strerror(-d.ifmon_fd));
	rc = daemon_start(&d, &first);
	if (rc) {
		if (d.owns_pin_dir) {
			log_info("start-up failed: removing what it pinned under %s",
				 cfg->pin_dir);
			loader_detach_all(cfg->pin_dir);
		}
		goto out;
	}
	daemon_record_reload(&d, &first, 0);
	if (first.applied)
		daemon_prepare_next(&d, &d.rcache);
	start_watchers(&d);
	integrity_start(&d); /* signals handled from here on */
	metrics_http_start(&d);
	ev_run(d.loop, 0);
out:
	metrics_http_stop(&d);
	integrity_stop(&d);
	stats_free(&d.stats_prev);
	stats_counted_abort(&d.collector);
	if (d.ifmon_fd >= 0)
		close(d.ifmon_fd);
	if (d.pidfile[0])
		unlink(d.pidfile);
	watch_free(&d.watch);
	rules_cache_free(&d.rcache);
	kmaps_close(&d.km);
	if (d.skel)
		xdpfw_bpf__destroy(d.skel);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	return rc;
}
