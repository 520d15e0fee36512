/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One reload: read the rules file, validate it against the config
 * (on_invalid, capacity), diff it against what the kernel holds and apply
 * only the difference.  A file that cannot be used changes nothing.
 */
#ifndef XDPFW_SYNC_H
#define XDPFW_SYNC_H

#include <stddef.h>

#include "config.h"
#include "kmaps.h"
#include "rules.h"

enum sync_mode {
	SYNC_INCREMENTAL, /* trust the slot table, write the rule-level diff */
	SYNC_FULL,        /* also compare every key the maps hold (repair) */
};

struct sync_result {
	int applied;          /* 0: file rejected or unreadable, kernel untouched */
	size_t added, removed, unchanged, in_force;
	struct apply_stats writes;
	double ms;
	size_t errors, warnings;
	size_t expired;       /* entries left out: their expires= has passed */
	int64_t next_expiry;  /* earliest expires= in force (Unix s), 0: none */
};

/* Print diagnostics of rs: the first max (0: all) errors and warnings, then
 * a count of the rest.  out(ctx, level, line) receives each formatted line. */
typedef void (*diag_out_fn)(void *ctx, int is_error, const char *line);
void sync_report_diags(const struct ruleset *rs, size_t max, diag_out_fn out,
		       void *ctx);

/* 0 when rs may be applied under cfg; else -EINVAL (errors, on_invalid =
 * reject, or errors and no valid entry whatever on_invalid says) or -ENOSPC (over capacity), with a reason in why. */
int sync_validate(const struct ruleset *rs, const struct xdpfw_config *cfg,
		  uint32_t capacity, char *why, size_t whylen);

/* Make the kernel hold exactly the rules of rs (already validated): diff
 * against the slot table (SYNC_FULL: and every key), apply the difference.
 * Fills res (not ms).  0 or -errno. */
int sync_apply_ruleset(struct kmaps *km, const struct ruleset *rs,
		       enum sync_mode mode, struct sync_result *res);

/* The same for distinct rules not from a file; ix indexes them (NULL:
 * sync_apply indexes them itself). */
int sync_apply(struct kmaps *km, const struct xdpfw_rule *rules, size_t n,
	       const struct ruleidx *ix, enum sync_mode mode,
	       struct sync_result *res);

/* The whole reload, logged as one line.  cache (NULL: none) keeps the
 * rule set between reloads so that an incremental one parses only the
 * files that changed (rulefiles.h).  Returns 0 when the kernel now matches
 * the files, or when they were rejected (res->applied = 0); a negative
 * errno when writing to the kernel failed. */
struct rules_cache;
int sync_rules(struct kmaps *km, const struct xdpfw_config *cfg,
	       struct rules_cache *cache, const char *trigger,
	       enum sync_mode mode, struct sync_result *res);

/* After a reload that applied cache's set (sync_rules, res->applied),
 * where the daemon would idle: what the next reload would otherwise make
 * first, made now (the
 * kernel writer of the open addressing tables loaded, kmaps_kwrite; the
 * IPv4 prefixes' index, sync_v4tbl_prepare). */
void sync_prepare_next(struct kmaps *km, struct rules_cache *cache);

/* Rules currently in the slot table. */
size_t sync_count_in_force(struct kmaps *km);

#endif
