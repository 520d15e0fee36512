// SPDX-License-Identifier: GPL-2.0-only
/*
 * A large rules file parsed on two threads (rules_int.h): the caller's
 * thread parses and indexes the start of the text into the set while a
 * second one stages the rest (parsed, not indexed); then the stage goes
 * through the index.  The start is the smaller part: the caller's thread
 * also indexes what the other staged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "prefault.h"
#include "rules_int.h"
#include "twothreads.h"

size_t rules_parse_thread_min = (size_t)4 << 20;

/* The caller's thread takes this share of the text, as it also indexes
 * the rest: `xdpfw check` of 1M entries took as long with a third to a
 * half (docs/bench/round2-sessions-10-14.md, "Session 12: the first
 * load's parse on two threads"). */
#define FIRST_NUM 2
#define FIRST_DEN 5

int rules_stage_entry(struct rules_stage *st, const struct rules_pending *p)
{
	if (st->n == st->room)
		return -EOVERFLOW; /* more entries than lines: cannot be */
	if (p->expires) {
		struct rules_staged_expiry *x = grow(st->x, &st->cap_x,
						     st->n_x + 1, sizeof(*x), 16);

		if (!x)
			return -ENOMEM;
		st->x = x;
		x[st->n_x++] = (struct rules_staged_expiry){ st->n, p->expires };
	}
	st->rules[st->n] = p->rule;
	st->lines[st->n] = p->line;
	st->cols[st->n++] = p->col;
	return 0;
}

int rules_stage_diag(struct rules_stage *st, uint32_t line, uint32_t col,
		     enum rules_severity sev, const char *msg)
{
	struct rules_staged_diag *d;

	if (st->n_d >= RULES_MAX_DIAGS) {
		if (sev == RULES_ERROR)
			st->more_errors++;
		else
			st->more_warnings++;
		return 0;
	}
	d = grow(st->d, &st->cap_d, st->n_d + 1, sizeof(*d), 16);
	if (!d)
		return -ENOMEM;
	st->d = d;
	d = &d[st->n_d];
	d->msg = strdup(msg);
	if (!d->msg)
		return -ENOMEM;
	d->before = st->n;
	d->line = line;
	d->col = col;
	d->sev = sev;
	st->n_d++;
	return 0;
}

static void stage_free(struct rules_stage *st)
{
	for (size_t i = 0; i < st->n_d; i++)
		free(st->d[i].msg);
	free(st->d);
	free(st->x);
	free(st->cols);
}

struct part {
	struct ruleset *rs;      /* the first part: into the set */
	struct rules_stage *st;  /* the second: into the stage */
	const char *p, *end;
	rules_parse_done_fn done;
	void *ctx;
	int err;
	size_t room_a;
};

/* The room of n entries at rules and lines, and at more (their columns
 * or files, more_size bytes each), faulted in first, one call each
 * (prefault.h: `xdpfw check` of 1M entries 0.29 -> 0.26 s).  The room is
 * a line's: a comment line costs its 30 bytes. */
static void prefault_room(struct xdpfw_rule *rules, uint32_t *lines,
			  void *more, size_t more_size, size_t n)
{
	prefault(rules, n * sizeof(*rules));
	prefault(lines, n * sizeof(*lines));
	prefault(more, n * more_size);
}

static void *part_main(void *arg)
{
	struct part *t = arg;
	struct ruleset *rs = t->rs;

	if (t->st)
		prefault_room(t->st->rules, t->st->lines, t->st->cols,
			      sizeof(*t->st->cols), t->st->room);
	else
		prefault_room(rs->rules + rs->n, rs->lines + rs->n,
			      rs->file_of + rs->n, sizeof(*rs->file_of),
			      t->room_a);
	/* make_room reserved the set's arrays and index: the first part
	 * asks for no more (est 0). */
	t->err = t->st ? rules_stage_lines(t->st, t->p, t->end, t->done, t->ctx) :
			 rules_parse_lines(t->rs, t->p, t->end, 0, 0, t->done,
					   t->ctx);
	return NULL;
}

/* Where the second part starts (after a newline), or NULL: one part. */
static const char *cut_of(const char *p, const char *end)
{
	size_t len = (size_t)(end - p);
	const char *m, *nl;

	if (len < rules_parse_thread_min || len < 2)
		return NULL;
	m = p + len / FIRST_DEN * FIRST_NUM + len % FIRST_DEN * FIRST_NUM /
		FIRST_DEN;
	nl = memchr(m, '\n', (size_t)(end - m));
	return nl && nl + 1 < end ? nl + 1 : NULL;
}

/* The set's arrays and index sized for both parts, the second part's
 * entries to go past the first part's lines. */
static int make_room(struct ruleset *rs, struct rules_stage *st,
		     size_t lines_a, size_t lines_b)
{
	int err = ruleset_reserve(rs, rs->n + lines_a + lines_b);

	if (!err && !rs->ix.tab)
		err = ruleidx_init(&rs->ix, rs->n + lines_a + lines_b);
	if (err)
		return err;
	st->cols = malloc((lines_b ? lines_b : 1) * sizeof(*st->cols));
	if (!st->cols)
		return -ENOMEM;
	st->rules = rs->rules + rs->n + lines_a;
	st->lines = rs->lines + rs->n + lines_a;
	st->room = lines_b;
	return 0;
}

int rules_parse_text(struct ruleset *rs, const char *p, const char *end,
		     rules_parse_done_fn done, void *ctx)
{
	const char *cut = cut_of(p, end);
	struct rules_stage st = { 0 };
	struct part a = { rs, NULL, p, cut, done, ctx, 0 };
	struct part b = { NULL, &st, cut, end, done, ctx, 0 };
	size_t lines_a = cut ? rules_count_lines(p, cut) : 0;
	size_t lines_b = cut ? rules_count_lines(cut, end) : 0;
	size_t lines0 = rs->n_lines;
	int err;

	/* One part: a small text, or one of many short lines (a file of
	 * blank lines gets no room for them: RULES_RESERVE_MAX). */
	if (!cut || (lines_a + lines_b > RULES_RESERVE_MAX &&
		     (lines_a + lines_b) * 8 > (size_t)(end - p)))
		return rules_parse_lines(rs, p, end, 0,
					 cut ? lines_a + lines_b :
					       rules_count_lines(p, end),
					 done, ctx);
	err = make_room(rs, &st, lines_a, lines_b);
	if (!err) {
		a.room_a = lines_a;
		two_threads(part_main, &a, &b);
		err = a.err ? a.err : b.err;
	}
	if (!err)
		err = rules_unstage(rs, &st, (uint32_t)(rs->n_lines - lines0));
	stage_free(&st);
	return err;
}
