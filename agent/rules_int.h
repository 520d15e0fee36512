/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the rules parser: what rules.c (the parse on one thread) and
 * rules_split.c (a large file on two) share.  Not for other callers.
 *
 * A stage holds what a parse of some lines found, in line order, without
 * an index: their entries and their diagnostics.  A second thread stages
 * the end of a large file while the first parses and indexes the start;
 * then the stage goes through the index after the start, line by line, as
 * if the one thread had parsed it: the same set, the same duplicates
 * (also across the cut), the same diagnostics in the same order.
 */
#ifndef XDPFW_RULES_INT_H
#define XDPFW_RULES_INT_H

#include "rules.h"

/* Entries a set's arrays get room for before a parse, at most. */
#define RULES_RESERVE_MAX ((size_t)1 << 20)

/* A parsed entry, on its way to the index. */
struct rules_pending {
	struct xdpfw_rule rule;
	uint32_t line, col;
	int64_t expires; /* 0: none */
};

/* A staged diagnostic: it comes right before entry `before` of the stage
 * (all of them: after the last). */
struct rules_staged_diag {
	size_t before;
	uint32_t line, col;
	enum rules_severity sev;
	char *msg;
};

/* An expiry of a staged entry (few have one). */
struct rules_staged_expiry {
	size_t i;
	int64_t expires;
};

/* The entries go into the set's own arrays, in room it has past the
 * first part's lines (which hold at most as many entries): the stage
 * costs no copy of the set.  The rest beside them. */
struct rules_stage {
	struct xdpfw_rule *rules;    /* rs->rules + first position */
	uint32_t *lines;             /* rs->lines + first position */
	uint32_t *cols;
	size_t n, room;
	struct rules_staged_expiry *x;
	size_t n_x, cap_x;
	struct rules_staged_diag *d; /* at most RULES_MAX_DIAGS kept */
	size_t n_d, cap_d;
	size_t more_errors, more_warnings; /* past those: only counted */
	uint32_t n_lines;                  /* lines staged */
};

/* rules_split.c: add to a stage.  0 or -ENOMEM. */
int rules_stage_entry(struct rules_stage *st, const struct rules_pending *p);
int rules_stage_diag(struct rules_stage *st, uint32_t line, uint32_t col,
		     enum rules_severity sev, const char *msg);

/* rules.c: the lines of [p, end). */
size_t rules_count_lines(const char *p, const char *end);

/* rules.c: lines [p, end) numbered from lineno + 1 into the set's last
 * file, its arrays and index sized for est more entries first.  done as
 * for rules_parse_buffer_cb. */
int rules_parse_lines(struct ruleset *rs, const char *p, const char *end,
		      uint32_t lineno, size_t est, rules_parse_done_fn done,
		      void *ctx);

/* rules.c: lines [p, end) into st, numbered from 1. */
int rules_stage_lines(struct rules_stage *st, const char *p, const char *end,
		      rules_parse_done_fn done, void *ctx);

/* rules.c: st into the set's last file after its lines so far, its
 * lines numbered from base + 1. */
int rules_unstage(struct ruleset *rs, const struct rules_stage *st,
		  uint32_t base);

/* rules_split.c: the whole text [p, end) of the set's last file, on two
 * threads from rules_parse_thread_min bytes on. */
int rules_parse_text(struct ruleset *rs, const char *p, const char *end,
		     rules_parse_done_fn done, void *ctx);

#endif
