// SPDX-License-Identifier: GPL-2.0-only
/*
 * An edited file's set without parsing the whole file again (rules.h,
 * ruleset_splice): the entries and diagnostics of the changed lines are
 * replaced by those of their new text, everything after them moves, and
 * the result is what a full parse gives.  Whatever could make it differ
 * (a duplicate across the edge of the window, the diagnostics cap) is
 * refused with -EAGAIN, before anything is changed.
 */
#include "rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where [first, last] (1-based lines) of file k are, in rs. */
struct window {
	size_t fa, fb; /* entries of file k */
	size_t a, b;   /* entries on the lines */
	size_t da, db; /* diagnostics of file k */
	size_t wa, wb; /* diagnostics on the lines */
	size_t ea, eb; /* expired entries of file k */
	size_t xa, xb; /* expired entries on the lines */
};

static size_t first_entry_after(const struct ruleset *rs, size_t lo, size_t hi,
				uint32_t line)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rs->lines[mid] <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t first_diag_after(const struct ruleset *rs, size_t lo, size_t hi,
			       uint32_t line)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rs->diags[mid].line <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void locate(const struct ruleset *rs, const struct ruleset_splice *sp,
		   struct window *win)
{
	const struct ruleset_mark *next =
		sp->k + 1 < rs->n_files ? &rs->marks[sp->k + 1] : sp->end;
	uint32_t last = sp->first_line + sp->old_lines;

	win->fa = rs->marks[sp->k].n;
	win->fb = next->n;
	win->a = first_entry_after(rs, win->fa, win->fb, sp->first_line);
	win->b = first_entry_after(rs, win->a, win->fb, last);
	win->da = rs->marks[sp->k].n_diags;
	win->db = next->n_diags;
	win->wa = first_diag_after(rs, win->da, win->db, sp->first_line);
	win->wb = first_diag_after(rs, win->wa, win->db, last);
	win->ea = rs->marks[sp->k].n_expired;
	win->eb = next->n_expired;
	for (win->xa = win->ea; win->xa < win->eb &&
	     rs->expired_at[win->xa].line <= sp->first_line; win->xa++)
		;
	for (win->xb = win->xa; win->xb < win->eb &&
	     rs->expired_at[win->xb].line <= last; win->xb++)
		;
}

/* The start of the message of duplicate d, as index_one() writes it. */
static void dup_prefix(const struct ruleset *rs, const struct rules_diag *d,
		       uint32_t line, char *buf, size_t len)
{
	if (d->file == d->dup_file)
		snprintf(buf, len, "duplicate of line %u: ", line);
	else
		snprintf(buf, len, "duplicate of %s:%u: ", rs->files[d->dup_file],
			 line);
}

/* A duplicate's message naming a line of file k after the window. */
static int names_moved(const struct ruleset_splice *sp,
		       const struct rules_diag *d)
{
	return d->dup_line && d->dup_file == sp->k &&
	       d->dup_line > sp->first_line + sp->old_lines &&
	       sp->new_lines != sp->old_lines;
}

/* Those messages name the lines where they are now. */
static int rename_moved(struct ruleset *rs, const struct ruleset_splice *sp,
			const struct window *win)
{
	char old[320], now[320], *msg;

	for (size_t i = 0; i < rs->n_diags; i++) {
		struct rules_diag *d = &rs->diags[i];
		uint32_t line = d->dup_line + sp->new_lines - sp->old_lines;

		if ((i >= win->wa && i < win->wb) || !names_moved(sp, d))
			continue;
		dup_prefix(rs, d, d->dup_line, old, sizeof(old));
		dup_prefix(rs, d, line, now, sizeof(now));
		if (asprintf(&msg, "%s%s", now, d->msg + strlen(old)) < 0)
			return -ENOMEM;
		free(d->msg);
		d->msg = msg;
		d->dup_line = line;
	}
	return 0;
}

static int in_window(const struct ruleset_splice *sp, size_t file, uint32_t line)
{
	return file == sp->k && line > sp->first_line &&
	       line <= sp->first_line + sp->old_lines;
}

/* Can w replace the window and give what a full parse gives?  NULL, or
 * why not. */
static const char *splice_refused(const struct ruleset *rs, const struct ruleset *w,
		     const struct ruleset_splice *sp, const struct window *win)
{
	char old[320];

	/* Every diagnostic kept, before and after. */
	if (rs->n_diags != rs->n_errors + rs->n_warnings ||
	    w->n_diags != w->n_errors + w->n_warnings ||
	    rs->n_diags - (win->wb - win->wa) + w->n_diags >= RULES_MAX_DIAGS)
		return "the diagnostics cap";
	/* An entry that goes and is repeated outside the window, or one whose
	 * line moves and is named by a duplicate's message. */
	for (size_t i = 0; i < rs->n_diags; i++) {
		const struct rules_diag *d = &rs->diags[i];

		if (!d->dup_line || d->dup_file != sp->k)
			continue;
		if (in_window(sp, d->dup_file, d->dup_line) &&
		    !in_window(sp, d->file, d->line))
			return "a duplicate of a changed entry";
		dup_prefix(rs, d, d->dup_line, old, sizeof(old));
		if (names_moved(sp, d) && strncmp(d->msg, old, strlen(old)))
			return "a cut duplicate message";
	}
	/* A new entry equal to one outside the window. */
	for (size_t i = 0; i < w->n; i++) {
		uint32_t pos = ruleidx_find(&rs->ix, rs->rules, &w->rules[i]);

		if (pos != RULEIDX_NONE && (pos < win->a || pos >= win->b))
			return "a new entry that duplicates another";
	}
	return NULL;
}

/* The entries: the window's go, w's come, those after move. */
static int splice_entries(struct ruleset *rs, const struct ruleset *w,
			  const struct ruleset_splice *sp, const struct window *win)
{
	size_t gone = win->b - win->a, tail = rs->n - win->b;
	size_t at = win->a + w->n;
	long long dpos = (long long)w->n - (long long)gone;
	int err = ruleset_reserve(rs, rs->n + w->n);

	if (err)
		return err;
	if (w->expires && !rs->expires) {
		rs->expires = calloc(rs->cap, sizeof(*rs->expires));
		if (!rs->expires)
			return -ENOMEM;
	}
	for (size_t i = win->a; i < win->b; i++)
		ruleidx_remove(&rs->ix, rs->rules, (uint32_t)i);
	memmove(&rs->rules[at], &rs->rules[win->b], tail * sizeof(*rs->rules));
	memmove(&rs->lines[at], &rs->lines[win->b], tail * sizeof(*rs->lines));
	memmove(&rs->file_of[at], &rs->file_of[win->b],
		tail * sizeof(*rs->file_of));
	if (rs->expires)
		memmove(&rs->expires[at], &rs->expires[win->b],
			tail * sizeof(*rs->expires));
	/* The index holds positions: those past the window move. */
	if (dpos && tail) {
		for (uint32_t i = 0; i <= rs->ix.mask; i++) {
			uint32_t v = rs->ix.tab[i];

			if (v > win->b)
				rs->ix.tab[i] = (uint32_t)((long long)v + dpos);
		}
	}
	for (size_t i = 0; i < w->n; i++) {
		size_t pos = win->a + i;
		uint32_t dup;

		rs->rules[pos] = w->rules[i];
		rs->lines[pos] = w->lines[i];
		rs->file_of[pos] = (uint16_t)sp->k;
		if (rs->expires)
			rs->expires[pos] = w->expires ? w->expires[i] : 0;
		dup = ruleidx_add(&rs->ix, rs->rules, (uint32_t)pos);
		if (dup != RULEIDX_NONE)
			return -ENOMEM; /* checked before: cannot happen */
	}
	rs->n = (size_t)((long long)rs->n + dpos);
	for (size_t i = at; i < (size_t)((long long)win->fb + dpos); i++)
		rs->lines[i] += sp->new_lines - sp->old_lines;
	return 0;
}

/* The diagnostics: the window's go, w's come (taken from it), those of
 * the file's later lines move. */
static int splice_diags(struct ruleset *rs, struct ruleset *w,
			const struct ruleset_splice *sp, const struct window *win)
{
	size_t gone = win->wb - win->wa, tail = rs->n_diags - win->wb;
	size_t nw = w->n_diags, need = rs->n_diags - gone + nw;

	if (need > rs->cap_diags) {
		struct rules_diag *d = realloc(rs->diags, need * sizeof(*d));

		if (!d)
			return -ENOMEM;
		rs->diags = d;
		rs->cap_diags = need;
	}
	for (size_t i = win->wa; i < win->wb; i++) {
		if (rs->diags[i].severity == RULES_ERROR)
			rs->n_errors--;
		else
			rs->n_warnings--;
		free(rs->diags[i].msg);
	}
	memmove(&rs->diags[win->wa + nw], &rs->diags[win->wb],
		tail * sizeof(*rs->diags));
	for (size_t i = 0; i < nw; i++) {
		struct rules_diag *d = &rs->diags[win->wa + i];

		*d = w->diags[i];
		d->file = (uint16_t)sp->k;
		if (d->dup_line)
			d->dup_file = (uint16_t)sp->k;
		w->diags[i].msg = NULL;
	}
	w->n_diags = 0;
	rs->n_errors += w->n_errors;
	rs->n_warnings += w->n_warnings;
	rs->n_diags = need;
	for (size_t i = win->wa + nw; i < win->wa + nw + (win->db - win->wb); i++)
		rs->diags[i].line += sp->new_lines - sp->old_lines;
	return 0;
}

/* The counts of the set, of the marks of later files and of sp->end. */
static void move_marks(struct ruleset *rs, const struct ruleset_splice *sp,
		       long long dn, long long dd, long long de, long long dw,
		       long long dx)
{
	long long dl = (long long)sp->new_lines - (long long)sp->old_lines;

	for (size_t j = sp->k + 1; j <= rs->n_files; j++) {
		struct ruleset_mark *m = j < rs->n_files ? &rs->marks[j] : sp->end;

		m->n = (size_t)((long long)m->n + dn);
		m->n_diags = (size_t)((long long)m->n_diags + dd);
		m->n_errors = (size_t)((long long)m->n_errors + de);
		m->n_warnings = (size_t)((long long)m->n_warnings + dw);
		m->n_lines = (size_t)((long long)m->n_lines + dl);
		m->n_expired = (size_t)((long long)m->n_expired + dx);
	}
	rs->n_lines = (size_t)((long long)rs->n_lines + dl);
}

/* The entries left out as expired: the window's go, w's come, those of
 * the file's later lines move. */
static int splice_expired(struct ruleset *rs, const struct ruleset *w,
			  const struct ruleset_splice *sp,
			  const struct window *win)
{
	size_t gone = win->xb - win->xa, tail = rs->n_expired - win->xb;
	size_t need = rs->n_expired - gone + w->n_expired;

	if (need > rs->cap_expired) {
		struct rules_where *v = realloc(rs->expired_at, need * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rs->expired_at = v;
		rs->cap_expired = need;
	}
	if (tail)
		memmove(&rs->expired_at[win->xa + w->n_expired],
			&rs->expired_at[win->xb], tail * sizeof(*rs->expired_at));
	for (size_t i = 0; i < w->n_expired; i++) {
		rs->expired_at[win->xa + i].file = (uint16_t)sp->k;
		rs->expired_at[win->xa + i].line = w->expired_at[i].line;
	}
	for (size_t i = win->xa + w->n_expired;
	     i < win->xa + w->n_expired + (win->eb - win->xb); i++)
		rs->expired_at[i].line += sp->new_lines - sp->old_lines;
	rs->n_expired = need;
	return 0;
}

/* The earliest expiry of the set and before each file, again. */
static void recount_expiry(struct ruleset *rs, struct ruleset_mark *end)
{
	int64_t next = 0;
	size_t j = 0;

	for (size_t i = 0; i <= rs->n; i++) {
		for (; j < rs->n_files && rs->marks[j].n == i; j++)
			rs->marks[j].next_expiry = next;
		if (i < rs->n && rs->expires && rs->expires[i] &&
		    (!next || rs->expires[i] < next))
			next = rs->expires[i];
	}
	rs->next_expiry = next;
	end->next_expiry = next;
}

int ruleset_splice(struct ruleset *rs, struct ruleset *w,
		   struct ruleset_splice *sp)
{
	size_t n0 = rs->n, d0 = rs->n_diags, e0 = rs->n_errors,
	       w0 = rs->n_warnings, x0 = rs->n_expired;
	struct window win;
	int err, expiry = w->expires != NULL;

	sp->removed = NULL;
	sp->n_removed = 0;
	sp->why = "not the set's last read";
	if (sp->k >= rs->n_files || rs->n != sp->end->n ||
	    rs->n_diags != sp->end->n_diags || w->n_files != 1)
		return -EAGAIN;
	locate(rs, sp, &win);
	sp->why = splice_refused(rs, w, sp, &win);
	if (sp->why)
		return -EAGAIN;
	sp->at = win.a;
	sp->n_removed = win.b - win.a;
	sp->removed = malloc((sp->n_removed ? sp->n_removed : 1) *
			     sizeof(*sp->removed));
	if (!sp->removed)
		return -ENOMEM;
	memcpy(sp->removed, &rs->rules[win.a],
	       sp->n_removed * sizeof(*sp->removed));
	for (size_t i = win.a; rs->expires && i < win.b; i++)
		expiry |= rs->expires[i] != 0;
	err = rename_moved(rs, sp, &win);
	if (!err)
		err = splice_entries(rs, w, sp, &win);
	if (!err)
		err = splice_diags(rs, w, sp, &win);
	if (!err)
		err = splice_expired(rs, w, sp, &win);
	if (err)
		return err;
	move_marks(rs, sp, (long long)rs->n - (long long)n0,
		   (long long)rs->n_diags - (long long)d0,
		   (long long)rs->n_errors - (long long)e0,
		   (long long)rs->n_warnings - (long long)w0,
		   (long long)rs->n_expired - (long long)x0);
	if (expiry)
		recount_expiry(rs, sp->end);
	return 0;
}
