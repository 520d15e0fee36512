// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bringing the daemon up: take the pin_dir, load the program (adopting the
 * pinned maps, or migrating them), the first full sync, attach to the
 * interfaces (ifattach.c), pin, write the PID.  Each step returns an
 * error; daemon_start maps them to an exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_config.h"
#include "daemon_int.h"
#include "exitcode.h"
#include "ifattach.h"
#include "kfeatures.h"
#include "loader.h"
#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "pins.h"
#include "ruleload.h"
#include "skel.h"

static int lock_pin_dir(struct daemon *d)
{
	d->lock_fd = open(d->cfg->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->lock_fd < 0)
		return -errno;
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		if (err == -EWOULDBLOCK)
			log_error("another xdpfw daemon already runs on %s; stop it "
				  "first or give this one another pin_dir",
				  d->cfg->pin_dir);
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	return 0;
}

static void write_pidfile(struct daemon *d)
{
	int err = pidfile_path(d->pidfile, sizeof(d->pidfile), d->cfg->pin_dir);

	if (!err)
		err = pidfile_write(d->pidfile, d->cfg->pin_dir);
	if (err) {
		log_warn("cannot write the identity file %s: %s (`xdpfw reload` "
			 "and `xdpfw detach` will not find the daemon)",
			 d->pidfile, err == -EPERM ? "its directory is not a "
			 "directory owned by root and closed to others" :
			 strerror(-err));
		d->pidfile[0] = '\0';
	}
}

/* Take pin_dir: prepare it, lock it (one daemon per pin_dir).  0 or
 * -errno, said. */
static int take_pin_dir(struct daemon *d)
{
	int err;

	/* A start that fails before it enforces anything must not leave its
	 * maps behind in a pin_dir that was empty (a refused second daemon). */
	d->owns_pin_dir = pins_dir_empty(d->cfg->pin_dir);
	err = pins_prepare(d->cfg->pin_dir);
	if (err)
		return err;
	err = lock_pin_dir(d);
	if (err) {
		d->owns_pin_dir = 0; /* another daemon's, or unusable */
		if (err != -EBUSY)
			log_error("cannot lock %s: %s", d->cfg->pin_dir, strerror(-err));
	}
	return err;
}

/* Load the program with the pinned maps, or beside them when they differ
 * (*migrate); map the slot table.  fresh: none of this layout's maps were
 * pinned.  0 or -errno, said. */
static int load_maps(struct daemon *d, int fresh, int *migrate)
{
	int err = loader_load(&d->skel, d->cfg->pin_dir, d->cfg->max_rules);

	*migrate = 0;
	if (err == -EEXIST) {
		/* max_rules or the layout changed: build new maps beside the
		 * pinned ones, fill them, swap the program, then re-pin. */
		log_info("migrating the pinned maps under %s to max_rules=%u",
			 d->cfg->pin_dir, d->cfg->max_rules);
		*migrate = 1;
		err = loader_load(&d->skel, NULL, d->cfg->max_rules);
	}
	if (err)
		return err;
	err = kmaps_from_skel(&d->km, d->skel);
	if (err)
		return log_error_errno(err, "cannot map the rule table");
	/* Reloads read and write the slot table a window at a time; only
	 * the audit, stats and migration map it whole while they run. */
	kmaps_table_lazy(&d->km);
	d->km.counters_fresh = fresh || *migrate;
	return 0;
}

/* The links run the new program now, so the old maps (still pinned) count
 * no more: carry their counts over, once, empty them (freeing a full map
 * would hold a CPU), then pin the new maps. */
static int finish_migration(struct daemon *d)
{
	struct kmaps old;
	size_t carried = 0, drained = 0;
	int err;

	if (!kmaps_open_pinned(&old, d->cfg->pin_dir, 1)) {
		err = kmaps_carry_counters(&d->km, &old, &carried);
		if (err)
			log_warn("counters not carried over: %s", strerror(-err));
		err = kmaps_drain(&old, &drained);
		if (err)
			log_warn_errno(err, "cannot empty the old maps before they "
				       "are freed");
		kmaps_close(&old);
	}
	log_info("migration: carried the counters of %zu rules over, %zu old "
		 "keys deleted", carried, drained);
	err = loader_repin_maps(d->skel, d->cfg->pin_dir);
	if (!err)
		log_info("migration done: old maps released");
	return err;
}

/* An upgrade from an older layout whose slot table and counters read as
 * this one's (XDPFW_COUNTERS_SINCE_LAYOUT): the links run the new program
 * now, so the old maps count no more: carry their counts over, once,
 * before they are removed.  Only into maps this start created: a start
 * that found this layout's maps pinned (a crash between the carry and the
 * removal) must not add the old counts twice.  The layout carried from,
 * or 0. */
static int carry_old_layout(struct daemon *d)
{
	int v = pins_old_layout(d->cfg->pin_dir, XDPFW_COUNTERS_SINCE_LAYOUT);
	size_t carried = 0;
	struct kmaps old;
	int err;

	if (!v)
		return 0;
	err = kmaps_open_pinned_v(&old, d->cfg->pin_dir, v, 0);
	if (!err) {
		err = kmaps_carry_counters(&d->km, &old, &carried);
		kmaps_close(&old);
	}
	if (err) {
		log_warn("the counters of layout %d's maps under %s not carried "
			 "over: %s", v, d->cfg->pin_dir, strerror(-err));
		return 0;
	}
	log_info("upgrade from layout %d: carried the counters of %zu rules "
		 "over", v, carried);
	return v;
}

/*
 * The rules read and parsed on a thread of their own while the maps are
 * created and the program loaded (each a few hundred ms at 1M entries, on
 * different CPUs when there are two).  The start-up sync then finds the
 * set parsed: its read checks every file's identity, as an incremental
 * sync's does, and parses only what changed meanwhile.  What fails here
 * is the sync's to report: it reads again.
 */
struct preread {
	struct rules_cache *c;
	const struct xdpfw_config *cfg;
	pthread_t th;
	int started;
	double ms; /* how long it took */
};

static void *preread_main(void *arg)
{
	struct preread *pr = arg;
	char label[4096 + 64], why[4096 + 320];
	double t0 = daemon_mono_ms();
	size_t parsed;

	pr->c->read_now = !ruleset_load_cached(pr->c, pr->cfg,
					       (int64_t)time(NULL), label,
					       sizeof(label), why, sizeof(why),
					       &parsed);
	pr->ms = daemon_mono_ms() - t0;
	return NULL;
}

static void preread_start(struct preread *pr, struct daemon *d)
{
	pr->c = &d->rcache;
	pr->cfg = d->cfg;
	pr->started = !pthread_create(&pr->th, NULL, preread_main, pr);
}

static void preread_join(struct preread *pr)
{
	if (pr->started) {
		pthread_join(pr->th, NULL);
		log_debug("startup: the rules read and parsed in %.1f ms beside "
			  "the maps' creation", pr->ms);
	}
	pr->started = 0;
}

int daemon_start(struct daemon *d, struct sync_result *res)
{
	struct preread pr = { .started = 0 };
	size_t attached;
	int err, migrate, fresh;

	memset(res, 0, sizeof(*res));
	kfeatures_log();
	if (take_pin_dir(d))
		return EXIT_RUNTIME;
	fresh = !pins_have_maps(d->cfg->pin_dir);
	preread_start(&pr, d);
	err = load_maps(d, fresh, &migrate);
	preread_join(&pr);
	if (err)
		return EXIT_RUNTIME;
	/* Rules first, then the program: it never runs on stale maps. */
	err = sync_rules(&d->km, d->cfg, &d->rcache, "startup", SYNC_FULL, res);
	d->next_expiry = res->applied ? res->next_expiry : 0;
	malloc_trim(0);
	if (err)
		return EXIT_RUNTIME;
	if (migrate && !res->applied) {
		log_error("cannot migrate: the rules file was not applied, so the "
			  "new maps would be empty; fix it and restart (the old "
			  "program keeps enforcing)");
		return EXIT_INVALID;
	}
	err = ifattach_all(d, &attached);
	if (err)
		return EXIT_RUNTIME;
	if (migrate && finish_migration(d))
		return EXIT_RUNTIME;
	pins_remove_old_layouts(d->cfg->pin_dir,
				fresh && !migrate ? carry_old_layout(d) : 0);
	err = loader_pin_prog(d->skel, d->cfg->pin_dir);
	if (err)
		log_warn("cannot pin the program under %s: %s", d->cfg->pin_dir,
			 strerror(-err));
	log_info("xdpfw %s running: %zu interface%s, %zu rules in force, "
		 "pin_dir %s, watching %s",
		 XDPFW_VERSION_STRING, attached, attached == 1 ? "" : "s",
		 res->in_force, d->cfg->pin_dir, d->cfg->rules_path);
	write_pidfile(d); /* before READY=1: `xdpfw reload` works from then on */
	notify_printf("READY=1\nSTATUS=%zu rules in force", res->in_force);
	return EXIT_OK;
}
