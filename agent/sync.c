// SPDX-License-Identifier: GPL-2.0-only
#include "sync.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "plan.h"
#include "rulefiles.h"
#include "ruleload.h"
#include "ruleidx.h"
#include "sync_v4tbl.h"
#include "v4tbl.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void sync_report_diags(const struct ruleset *rs, size_t max, diag_out_fn out,
		       void *ctx)
{
	char line[1024];
	size_t shown = 0;

	for (size_t i = 0; i < rs->n_diags; i++) {
		if (max && shown == max)
			break;
		rules_diag_format(rs, &rs->diags[i], line, sizeof(line));
		out(ctx, rs->diags[i].severity == RULES_ERROR, line);
		shown++;
	}
	if (shown < rs->n_errors + rs->n_warnings) {
		snprintf(line, sizeof(line), "%s: ... and %zu more diagnostics",
			 rs->path, rs->n_errors + rs->n_warnings - shown);
		out(ctx, rs->n_errors > 0, line);
	}
}

int sync_validate(const struct ruleset *rs, const struct xdpfw_config *cfg,
		  uint32_t capacity, char *why, size_t whylen)
{
	/* Garbage (a binary or UTF-16 file, a wrong file) must never read as
	 * "no rules", whatever on_invalid says. */
	if (rs->n_errors && !ruleset_n_from_files(rs)) {
		snprintf(why, whylen, "%zu invalid line%s and no valid entry",
			 rs->n_errors, rs->n_errors == 1 ? "" : "s");
		return -EINVAL;
	}
	if (rs->n_errors && cfg->on_invalid == ON_INVALID_REJECT) {
		snprintf(why, whylen, "%zu invalid line%s (on_invalid = reject)",
			 rs->n_errors, rs->n_errors == 1 ? "" : "s");
		return -EINVAL;
	}
	if (rs->n > capacity) {
		snprintf(why, whylen,
			 "%zu entries exceed the capacity of %u; raise [agent] "
			 "max_rules in %s",
			 rs->n, capacity, cfg->path ? cfg->path : "the config file");
		return -ENOSPC;
	}
	return 0;
}

size_t sync_count_in_force(struct kmaps *km)
{
	return kmaps_count_in_force(km);
}

static const struct xdpfw_rule *slot_run(void *km, uint32_t s, uint32_t *n)
{
	return kmaps_slot_run(km, s, n);
}

/* The plan's view of km's slot table: read a window at a time unless
 * it is mapped whole. */
static struct kview table_view(struct kmaps *km)
{
	struct kview v = { km->table, km->capacity, slot_run, km };

	return v;
}

static void log_diag(void *ctx, int is_error, const char *line)
{
	(void)ctx;
	if (is_error)
		log_error("%s", line);
	else
		log_warn("%s", line);
}


/* The cache's tags are the slots of its set in this table, and it knows
 * what changed since (rulefiles.h): a plan of the change only. */
static int delta_usable(const struct kmaps *km, const struct rules_cache *c,
			size_t n, enum sync_mode mode)
{
	return c && mode == SYNC_INCREMENTAL && c->tags_ok && c->busy &&
	       c->tag_space == km->table_gen && c->tag_space_n == km->capacity &&
	       c->tag_n == n;
}

/* plan_build_delta() when the cache allows, else (or when the table is not
 * what the cache says) plan_build().  *delta: which one planned. */
static int make_plan(struct plan *p, struct kmaps *km,
		     const struct xdpfw_rule *rules, size_t n,
		     const struct ruleidx *ix, struct rules_cache *c,
		     enum sync_mode mode, int *delta)
{
	struct kview old = table_view(km);
	int err;

	/* kmaps_apply writes the added address entries' keys itself. */
	p->addr_upserts_implicit = 1;
	*delta = delta_usable(km, c, n, mode);
	if (*delta) {
		struct plan_delta d = {
			c->tags, c->arrived, c->n_arrived, c->gone, c->gone_tags,
			c->n_gone, c->busy,
		};

		err = plan_build_delta(p, &old, rules, n, ix, &d);
		if (err != -ESTALE)
			return err;
		log_warn("the slot table is not what the last reload left; "
			 "comparing all of it");
		plan_free(p);
		plan_init(p);
		p->addr_upserts_implicit = 1;
		*delta = 0;
	}
	if (c)
		c->tags_ok = 0; /* the tags are the plan's slots once applied */
	/* Maps just created hold no key: a first load's port keys too are
	 * made by kmaps_apply (no 12 MB of kops at 1M). */
	p->port_upserts_implicit = km->counters_fresh;
	return plan_build(p, &old, rules, n, ix);
}

/* After p was applied: the cache's tags are the slots of its set. */
static void keep_slots(struct kmaps *km, struct rules_cache *c,
		       const struct plan *p, size_t n, int delta)
{
	size_t words = (km->capacity + 63) / 64;

	if (!c)
		return;
	if (delta) {
		plan_mark_busy(p, c->busy);
		rules_cache_tags_settled(c);
		return;
	}
	if (c->rs.n != n || rules_cache_tags_reserve(c))
		return;
	if (!c->busy || c->tag_space_n != km->capacity) {
		free(c->busy);
		c->busy = malloc(words * sizeof(*c->busy));
		if (!c->busy)
			return;
	}
	memset(c->busy, 0, words * sizeof(*c->busy));
	for (size_t i = 0; i < n; i++) {
		c->tags[i] = p->slots[i];
		c->busy[p->slots[i] / 64] |= 1ULL << (p->slots[i] % 64);
	}
	c->tag_space = km->table_gen;
	c->tag_space_n = km->capacity;
	rules_cache_tags_settled(c);
	/* maps found pinned: their free slots' counters are not known zero
	 * until swept (kmaps_clean.c) */
	kmaps_clean_start(km, c->busy);
}

/* The flags of the set from the cache's count of rules per flag: the
 * added rules counted in, the removed ones (still in the table) out. */
static uint32_t count_flags(struct rules_cache *c,
			    const struct xdpfw_rule *rules, const struct plan *p)
{
	uint32_t flags = 0;

	for (size_t i = 0; i < p->n_added; i++) {
		uint32_t fl = rule_flags(&rules[p->added[i]]);

		for (int b = 0; fl; b++, fl >>= 1)
			c->flag_n[b] += fl & 1;
	}
	for (size_t i = 0; i < p->n_removed; i++) {
		uint32_t fl = rule_flags(&p->removed_rules[i]);

		for (int b = 0; fl; b++, fl >>= 1)
			c->flag_n[b] -= fl & 1;
	}
	for (int b = 0; b < 32; b++)
		if (c->flag_n[b])
			flags |= 1u << b;
	return flags;
}

/* Maps this start (or migration) created, whose slot table had nothing:
 * they hold no key and no filter bit, so the plan's writes are all there
 * is, and the filters can be built in them directly. */
static int maps_just_created(const struct kmaps *km, const struct plan *p)
{
	return km->counters_fresh && !p->n_unchanged && !p->n_removed;
}

/* Where the filters for kmaps_apply go, and whether they are rebuilt
 * (1) or only widened (0).  Rebuilding walks every rule with random writes
 * into megabytes of bitmaps: done at start-up, on SIGHUP and once the bits
 * left by removed rules reach 1/8 of the set; otherwise only the added
 * rules are OR-ed in.  The added bits go straight into the kernel's
 * bitmaps (a bit set early costs a lookup, never a verdict), and so does a
 * first build into bitmaps just created (fresh: maps_just_created, read
 * before kmaps_apply clears it); only a rebuild of bitmaps in use needs
 * words of its own (km->fbuf).  km is written here only: the build itself
 * (build_filters) may run on another thread. */
static int filters_prepare(struct kmaps *km, struct filters *f, size_t n,
			   const struct plan *p, enum sync_mode mode,
			   int fresh)
{
	int full;

	km->stale_filter_rules += p->n_removed;
	full = mode == SYNC_FULL || km->stale_filter_rules * 8 > n;
	if (full)
		km->stale_filter_rules = 0;
	if (!full || fresh)
		filters_in_place(f, km->filter);
	else if (km->fbuf || (km->fbuf = malloc(filters_words_total() *
						 sizeof(uint64_t))))
		filters_use(f, km->fbuf);
	else
		return -ENOMEM;
	f->widen_only = !full;
	return full;
}

/* The filters into f as filters_prepare set it up; the flags from counts
 * (delta: the cache keeps them, a plan of the change only) or a pass over
 * the set (counted into cache, when there is one). */
static void build_filters(struct filters *f, const struct xdpfw_rule *rules,
			  size_t n, const struct plan *p,
			  struct rules_cache *delta, struct rules_cache *cache)
{
	if (delta) {
		f->flags = count_flags(delta, rules, p);
	} else {
		if (cache)
			memset(cache->flag_n, 0, sizeof(cache->flag_n));
		for (size_t i = 0; i < n; i++) {
			uint32_t fl = rule_flags(&rules[i]);

			f->flags |= fl;
			for (int b = 0; cache && fl; b++, fl >>= 1)
				cache->flag_n[b] += fl & 1;
		}
	}
	if (!f->widen_only) {
		for (size_t i = 0; i < n; i++)
			filters_add(f, &rules[i]);
		return;
	}
	for (size_t i = 0; i < p->n_added; i++)
		filters_add(f, &rules[p->added[i]]);
}

static int held_key(void *ctx, const struct kop *op)
{
	return plan_full_held(ctx, op);
}

/* The maps' own keys (the tries'), read on a thread
 * of their own into a fork of the comparison. */
struct scan_half {
	struct kmaps *km;
	struct plan_full c;
	int err;
};

static void *scan_half_main(void *arg)
{
	struct scan_half *h = arg;

	h->err = kmaps_scan_map_keys(h->km, held_key, &h->c);
	return NULL;
}

/* The keys of km into f, read on two threads: the open addressing tables'
 * here, the maps' on the other (at 1M: ~120 ms of memory reads and
 * ~180 ms of syscalls, most of them the IPv4 trie's 100k prefixes at
 * ~1.4 us each); on one if a thread cannot be had. */
static int scan_held(struct kmaps *km, struct plan_full *f)
{
	struct scan_half h = { .km = km };
	pthread_t th;
	int err;

	if (plan_full_fork(&h.c, f) ||
	    pthread_create(&th, NULL, scan_half_main, &h)) {
		plan_full_join(f, &h.c);
		return kmaps_scan_keys(km, held_key, f);
	}
	err = kmaps_scan_oa_keys(km, held_key, f);
	pthread_join(th, NULL);
	if (h.err && !h.c.err)
		h.c.err = h.err;
	return plan_full_join(f, &h.c) ? f->err : err;
}

/* A full sync: p's key writes from the keys the maps hold, compared as
 * they are read.  Maps created by this start (or migration) and a slot
 * table with nothing in it hold nothing: the rule diff has every key to
 * write already, and reading them would only scan empty tables. */
static int compare_keys(struct kmaps *km, struct plan *p,
			const struct xdpfw_rule *rules, size_t n,
			const struct ruleidx *ix)
{
	struct kview old = table_view(km);
	struct plan_full f;
	double t0 = now_ms();
	int err;

	if (maps_just_created(km, p)) {
		log_debug("sync: the maps were just created: no keys to read");
		return 0;
	}
	err = plan_full_begin(&f, p, &old, rules, n, ix);
	if (!err)
		err = scan_held(km, &f);
	if (err)
		f.err = err; /* plan_full_end only frees */
	err = plan_full_end(&f);
	log_debug("sync: compared the keys the kernel holds in %.1f ms: %zu to "
		  "write, %zu to delete", now_ms() - t0, p->upserts.n,
		  p->deletes.n);
	return err;
}

/* The filters and the /24 table of a sync, from its plan. */
struct derive {
	struct kmaps *km;
	struct filters *f;
	struct v4tbl_change *v4t;
	struct v4tbl_ix *vix;
	const struct xdpfw_rule *rules;
	size_t n;
	const struct ruleidx *ix;
	const struct plan *p;
	enum sync_mode mode;
	struct rules_cache *delta, *cache;
	int fresh;  /* maps_just_created */
	int full;   /* filters and /24 table rebuilt (derive_prepare) */
	int early;  /* the /24 table written here too (kmaps_v4tbl_widen_early) */
	int err;
	int running; /* on a thread of its own, not joined yet */
	int beside;  /* was built on a thread (derive_wait) */
	pthread_t th;
	double ms;
};

/* km's part, on the thread that owns km: after it, a full build
 * (d->full) reads km only for the filters' pointers and may run on
 * another thread while km is read or copied (kmaps_write_kops). */
static int derive_prepare(struct derive *d)
{
	int full = filters_prepare(d->km, d->f, d->n, d->p, d->mode, d->fresh);

	if (full < 0)
		return full;
	d->full = full;
	if (full)
		sync_v4tbl_reset(d->km);
	return 0;
}

static void derive(struct derive *d)
{
	double t0 = now_ms();

	build_filters(d->f, d->rules, d->n, d->p, d->delta, d->cache);
	/* Not full: an incremental /24 table build reads and writes km (and
	 * the plan's key lists): only ever on km's own thread. */
	d->err = d->full ? sync_v4tbl_build_full(d->v4t, d->vix, d->rules,
						 d->n, d->p) :
			   sync_v4tbl_build(d->km, d->v4t, d->vix, d->rules,
					    d->n, d->ix, d->p);
	if (!d->err && d->early)
		d->err = kmaps_v4tbl_widen_early(d->km, d->v4t);
	d->ms = now_ms() - t0;
}

static void *derive_main(void *d)
{
	derive(d);
	return NULL;
}

/* A full build (d->full) on a thread of its own, beside what this one
 * does next; without a thread, here and now (then its error, if any).
 * derive_wait joins it. */
static int derive_start(struct derive *d)
{
	d->running = !pthread_create(&d->th, NULL, derive_main, d);
	if (d->running)
		return 0;
	derive(d);
	return d->err;
}

static int derive_wait(void *ctx)
{
	struct derive *d = ctx;

	if (d->running) {
		pthread_join(d->th, NULL);
		d->running = 0;
		d->beside = 1;
	}
	return d->err;
}

/* A full sync's key comparison with the filters and the /24 table built
 * beside it (a no-op SIGHUP at 1M: ~200 ms of reading keys and ~65 ms of
 * building, one after the other before).  Neither touches what the other
 * writes: the comparison fills the plan's key lists and reads only the
 * maps; a full build of the filters (into km->fbuf) and of the /24 table
 * reads the rules and the plan's slots (sync_v4tbl.h). */
static int compare_and_derive(struct plan *p, struct derive *d)
{
	int err;

	derive_start(d);
	err = compare_keys(d->km, p, d->rules, d->n, d->ix);
	derive_wait(d);
	return err ? err : d->err;
}

static int sync_apply_indexed(struct kmaps *km, const struct xdpfw_rule *rules,
			      size_t n, const struct ruleidx *ix,
			      enum sync_mode mode, struct sync_result *res,
			      struct rules_cache *c)
{
	struct v4tbl_change v4t = { 0 };
	struct v4tbl_ix vix = { 0 };
	struct filters f = { 0 };
	struct derive d = { .km = km, .f = &f, .v4t = &v4t, .vix = &vix,
			    .rules = rules, .n = n, .ix = ix, .mode = mode,
			    .cache = c };
	struct kchange change;
	struct plan p;
	double t[4];
	int err, delta;

	plan_init(&p);
	t[0] = now_ms();
	err = make_plan(&p, km, rules, n, ix, c, mode, &delta);
	t[1] = now_ms();
	d.p = &p;
	d.delta = delta ? c : NULL;
	d.fresh = maps_just_created(km, &p);
	v4t.fresh = d.fresh;
	if (!err)
		err = derive_prepare(&d);
	/* (a full sync's build is always full) */
	if (!err && mode == SYNC_FULL && !d.fresh)
		err = compare_and_derive(&p, &d);
	/* Maps just created: nothing reads them yet but kmaps_apply, which
	 * reads the filters and the /24 table only after writing the keys
	 * (a first load at 1M: ~470 ms of key writes, ~85 ms of building),
	 * so the build runs beside the key writes and kmaps_apply waits for
	 * it there (kchange.derived).  It writes the filters in place: a bit
	 * set early costs a lookup, never a verdict.  It writes the /24
	 * table's words and blocks too (~200 ms at 1M, which came after the
	 * key writes): into maps nothing reads, the order does not matter.  Only
	 * for a load large enough for the kernel writer, loaded here, on
	 * km's thread, for both. */
	else if (!err && d.fresh && d.full) {
		if (n >= KMAPS_KW_LOAD_MIN) {
			kmaps_kwrite(km);
			d.early = 1;
		}
		err = derive_start(&d);
	}
	else if (!err)
		derive(&d), err = d.err;
	/* Planned: the old slots are not looked at again (4 MB at 1M, at
	 * the peak of the apply below otherwise). */
	free(p.old_slots);
	p.old_slots = NULL;
	if (err)
		goto out;
	t[2] = now_ms();
	if (p.delete_first)
		log_warn("the change needs more than the free slots; removing %zu "
			 "rules before adding (raise [agent] max_rules to avoid it)",
			 p.n_removed);
	plan_kchange(&p, rules, &change);
	change.ix = ix;
	change.v4t = &v4t;
	if (d.running) {
		change.derived = derive_wait;
		change.derived_ctx = &d;
	}
	err = kmaps_apply(km, &change, &f, &res->writes);
	if (!err)
		err = derive_wait(&d);
	if (err)
		goto out;
	t[3] = now_ms();
	keep_slots(km, c, &p, n, delta);
	/* (a load into maps just created compares nothing: the time is the
	 * kernel writer's loading) */
	log_debug("sync: plan%s %.1f ms, %s %.1f ms, filters%s %.1f ms%s, "
		  "apply %.1f ms", delta ? " (the change only)" : "", t[1] - t[0],
		  d.early ? "kernel writer loaded" : "compare keys",
		  t[2] - t[1] - (d.beside ? 0 : d.ms),
		  d.early ? " and /24 table" : "", d.ms,
		  !d.beside ? "" : d.fresh ? " (beside the key writes)" :
					     " (beside the compare)", t[3] - t[2]);
	res->applied = 1;
	res->added = p.n_added;
	res->removed = p.n_removed;
	res->unchanged = p.n_unchanged;
	res->in_force = n;
out:
	derive_wait(&d); /* before what it builds is freed */
	if (err && d.early) /* blocks given that no word points at */
		kmaps_v4tbl_forget(km);
	if (err && c)
		c->tags_ok = 0; /* they may name slots not written */
	v4tbl_change_free(&v4t);
	v4tbl_ix_free(&vix);
	plan_free(&p);
	return err;
}

int sync_apply(struct kmaps *km, const struct xdpfw_rule *rules, size_t n,
	       const struct ruleidx *ix, enum sync_mode mode,
	       struct sync_result *res)
{
	struct ruleidx own = { 0 };
	int err;

	if (ix)
		return sync_apply_indexed(km, rules, n, ix, mode, res, NULL);
	err = ruleidx_init(&own, n);
	for (size_t i = 0; !err && i < n; i++)
		if (ruleidx_failed(ruleidx_add(&own, rules, (uint32_t)i)))
			err = -ENOMEM;
	if (!err)
		err = sync_apply_indexed(km, rules, n, &own, mode, res, NULL);
	ruleidx_free(&own);
	return err;
}

int sync_apply_ruleset(struct kmaps *km, const struct ruleset *rs,
		       enum sync_mode mode, struct sync_result *res)
{
	return sync_apply(km, rs->rules, rs->n, &rs->ix, mode, res);
}

/* ", N expired" for the reload's log line (a static buffer). */
static const char *expiry_note(const struct ruleset *rs)
{
	static char note[64];

	if (!rs->n_expired)
		return "";
	snprintf(note, sizeof(note), ", %zu expired", rs->n_expired);
	return note;
}

/* ", N protected" (the lock-out guard's addresses among those in force)
 * for the reload's log line (a static buffer). */
static const char *protect_note(const struct ruleset *rs)
{
	static char note[64];

	if (!rs->n_protected)
		return "";
	snprintf(note, sizeof(note), ", %zu protected", rs->n_protected);
	return note;
}

/* Read the rule set into c->rs (only the files that changed, for an
 * incremental sync).  0, or a negative errno after logging why nothing
 * changes (the caller keeps the rules in force). */
static int read_rules(struct kmaps *km, const struct xdpfw_config *cfg,
		      struct rules_cache *c, const char *trigger,
		      struct sync_result *res, char *what, size_t whatlen)
{
	char why[4096 + 320];
	size_t parsed;
	int err = ruleset_load_cached(c, cfg, (int64_t)time(NULL), what, whatlen,
				      why, sizeof(why), &parsed);

	if (!err) {
		log_debug("sync: read %zu of %zu files (the others are as they were)",
			  parsed, c->n_ids);
		return 0;
	}
	res->in_force = sync_count_in_force(km);
	if (err == -EBUSY)
		log_warn("reload (%s): %s; keeping %zu rules in force", trigger,
			 why, res->in_force);
	else
		log_error("reload (%s): cannot read %s; keeping %zu rules in "
			  "force", trigger, why, res->in_force);
	return err;
}

void sync_prepare_next(struct kmaps *km, struct rules_cache *cache)
{
	double t0 = now_ms();

	kmaps_kwrite(km); /* the verifier's ~40 ms, not in the next reload */
	if (cache && cache->valid &&
	    sync_v4tbl_prepare(km, cache->rs.rules, cache->rs.n))
		log_debug("sync: no memory for the IPv4 prefixes' index: the "
			  "next reload makes it");
	if (cache)
		rules_cache_warm(cache);
	log_debug("sync: the next reload prepared in %.1f ms", now_ms() - t0);
}

int sync_rules(struct kmaps *km, const struct xdpfw_config *cfg,
	       struct rules_cache *cache, const char *trigger,
	       enum sync_mode mode, struct sync_result *res)
{
	double t0 = now_ms();
	struct rules_cache own;
	struct rules_cache *c = cache;
	struct ruleset *rs;
	char why[512], what[4096 + 64];
	int err;

	memset(res, 0, sizeof(*res));
	if (!c) {
		rules_cache_init(&own);
		c = &own;
	}
	/* A full sync (SIGHUP, repair) reads every file again: the text of
	 * each, parsing again only what differs from the set.  The start's
	 * read came moments before (its 22 MB at 1M hashed again: 70-85 ms
	 * of a first load). */
	if (mode == SYNC_FULL && !c->read_now)
		c->recheck = 1;
	c->read_now = 0;
	err = read_rules(km, cfg, c, trigger, res, what, sizeof(what));
	if (err) {
		err = err == -ENOMEM ? err : 0;
		goto out;
	}
	/* A full sync's read hashed every file again: the line hashes it
	 * replaced, kept for the next read to reuse, are not kept through
	 * the plan and the writes (8 MB at 1M, at their peak). */
	if (mode == SYNC_FULL)
		filediff_sum_free(&c->spare);
	rs = &c->rs;
	res->errors = rs->n_errors;
	res->warnings = rs->n_warnings;
	res->expired = rs->n_expired;
	sync_report_diags(rs, 20, log_diag, NULL);
	err = sync_validate(rs, cfg, km->capacity, why, sizeof(why));
	if (err) {
		res->in_force = sync_count_in_force(km);
		log_error("reload (%s): rejected %s: %s; keeping %zu rules in force",
			  trigger, what, why, res->in_force);
		err = 0;
		goto out;
	}

	log_debug("sync: parsed %zu entries in %.1f ms", rs->n, now_ms() - t0);
	err = sync_apply_indexed(km, rs->rules, rs->n, &rs->ix, mode, res,
				 c == &own ? NULL : c);
	res->ms = now_ms() - t0;
	if (err) {
		log_error("reload (%s): writing %s failed: %s; the kernel may "
			  "hold part of the change, the next reload repairs it",
			  trigger, res->writes.failed_map ? res->writes.failed_map :
			  "the maps", strerror(-err));
		goto out;
	}
	res->next_expiry = rs->next_expiry;
	log_info("reload (%s): %s: %zu added, %zu removed, %zu unchanged, "
		 "%zu in force, %zu key writes, %.1f ms%s%s%s%s",
		 trigger, what, res->added, res->removed,
		 res->unchanged, res->in_force, res->writes.key_writes, res->ms,
		 rs->n_errors ? " (invalid lines skipped)" : "",
		 expiry_note(rs), protect_note(rs),
		 rs->n_warnings ? ", with warnings above" : "");
out:
	res->ms = now_ms() - t0;
	if (c == &own)
		rules_cache_free(&own);
	return err;
}
