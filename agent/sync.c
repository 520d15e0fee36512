// SPDX-License-Identifier: GPL-2.0-only
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "plan.h"
#include "rulefiles.h"
#include "ruleload.h"
#include "ruleidx.h"

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

size_t sync_count_in_force(const struct kmaps *km)
{
	size_t n = 0;

	for (uint32_t s = 0; s < km->capacity; s++)
		n += km->table[s].family != 0;
	return n;
}

static void log_diag(void *ctx, int is_error, const char *line)
{
	(void)ctx;
	if (is_error)
		log_error("%s", line);
	else
		log_warn("%s", line);
}

int sync_apply_ruleset(struct kmaps *km, const struct ruleset *rs,
		       enum sync_mode mode, struct sync_result *res)
{
	return sync_apply(km, rs->rules, rs->n, &rs->ix, mode, res);
}

static int sync_apply_indexed(struct kmaps *km, const struct xdpfw_rule *rules,
			      size_t n, const struct ruleidx *ix,
			      enum sync_mode mode, struct sync_result *res)
{
	struct filters *f = NULL;
	struct kop *actual = NULL;
	size_t n_actual = 0;
	struct kchange change;
	struct plan p;
	double t[5];
	int err;

	plan_init(&p);
	t[0] = now_ms();
	{
		struct kview old = { km->table, km->capacity };

		err = plan_build(&p, &old, rules, n, ix);
	}
	t[1] = now_ms();
	if (!err && mode == SYNC_FULL) {
		err = kmaps_dump_keys(km, &actual, &n_actual);
		log_debug("sync: read %zu keys from the kernel in %.1f ms", n_actual,
			  now_ms() - t[1]);
		/* Empty maps and an empty slot table (a first start): the rule
		 * diff has every key to write already. */
		if (!err && (n_actual || p.n_unchanged || p.n_removed))
			err = plan_full_keys(&p, rules, n, ix, actual,
					     n_actual);
	}
	if (!err && !km->scratch) {
		km->scratch = malloc(sizeof(*km->scratch));
		if (!km->scratch)
			err = -ENOMEM;
	}
	f = km->scratch;
	if (err)
		goto out;
	t[2] = now_ms();
	filters_clear(f);
	/* Rebuilding the filters walks every rule with random writes into
	 * megabytes of bitmaps: do it at start-up, on SIGHUP and once the
	 * bits left by removed rules reach 1/8 of the set; otherwise only OR
	 * in the added rules. */
	km->stale_filter_rules += p.n_removed;
	if (mode == SYNC_FULL || km->stale_filter_rules * 8 > n) {
		for (size_t i = 0; i < n; i++)
			filters_add(f, &rules[i]);
		km->stale_filter_rules = 0;
	} else {
		for (size_t i = 0; i < n; i++)
			f->flags |= rule_flags(&rules[i]);
		for (size_t i = 0; i < p.n_added; i++)
			filters_add(f, &rules[p.added[i]]);
		f->widen_only = 1;
	}
	t[3] = now_ms();
	if (p.delete_first)
		log_warn("the change needs more than the free slots; removing %zu "
			 "rules before adding (raise [agent] max_rules to avoid it)",
			 p.n_removed);
	plan_kchange(&p, rules, &change);
	err = kmaps_apply(km, &change, f, &res->writes);
	if (err)
		goto out;
	t[4] = now_ms();
	log_debug("sync: plan %.1f ms, compare keys %.1f ms, filters %.1f ms, "
		  "apply %.1f ms", t[1] - t[0], t[2] - t[1], t[3] - t[2],
		  t[4] - t[3]);
	res->applied = 1;
	res->added = p.n_added;
	res->removed = p.n_removed;
	res->unchanged = p.n_unchanged;
	res->in_force = n;
out:
	free(actual);
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
		return sync_apply_indexed(km, rules, n, ix, mode, res);
	err = ruleidx_init(&own, n);
	for (size_t i = 0; !err && i < n; i++)
		if (ruleidx_failed(ruleidx_add(&own, rules, (uint32_t)i)))
			err = -ENOMEM;
	if (!err)
		err = sync_apply_indexed(km, rules, n, &own, mode, res);
	ruleidx_free(&own);
	return err;
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
	/* A full sync (start-up, SIGHUP, repair) reads every file again. */
	if (mode == SYNC_FULL)
		c->valid = 0;
	err = read_rules(km, cfg, c, trigger, res, what, sizeof(what));
	if (err) {
		err = err == -ENOMEM ? err : 0;
		goto out;
	}
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
	err = sync_apply_ruleset(km, rs, mode, res);
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
