/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rule set as `run` enforces it, read the same way by every command
 * (run, check, verify, list, stats, explain): the configured files
 * (rulefiles.c), the protected addresses (protect.c) as exceptions, and the
 * warnings about the set as a whole (an entry that covers a protected
 * address; 90 % of max_rules).
 */
#ifndef XDPFW_RULELOAD_H
#define XDPFW_RULELOAD_H

#include <stddef.h>

#include "config.h"
#include "rules.h"

/* Add cfg's protected addresses (resolved under root: NULL for the real
 * system) to rs as exceptions, and the set-level warnings.  0 or -ENOMEM. */
int ruleset_finish(struct ruleset *rs, const struct xdpfw_config *cfg,
		   const char *root);

/* rules_read_set() of cfg's files, then ruleset_finish().  label names
 * the files for messages; on failure why says what went wrong.  0, or
 * the error of rules_read_set(). */
int ruleset_load(struct ruleset *rs, const struct xdpfw_config *cfg,
		 char *label, size_t label_len, char *why, size_t why_len);

/* The same through the daemon's cache (rulefiles.h): only the files from
 * the first changed one on are parsed; the set is c->rs.  *parsed: how
 * many files were. */
struct rules_cache;
int ruleset_load_cached(struct rules_cache *c, const struct xdpfw_config *cfg,
			int64_t now, char *label, size_t label_len, char *why,
			size_t why_len, size_t *parsed);

/* Entries of rs that came from files (not the protected addresses). */
static inline size_t ruleset_n_from_files(const struct ruleset *rs)
{
	return rs->n - rs->n_protected;
}

#endif
