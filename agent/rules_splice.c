// SPDX-License-Identifier: GPL-2.0-only
/*
 * An edited file's set without parsing the whole file again (rules.h,
 * ruleset_splice): the entries and diagnostics of the changed windows of
 * lines are replaced by those of their new text, everything between and
 * after them moves, and the result is what a full parse gives.  All the
 * windows go in one pass that builds the new arrays (10,000 windows cost
 * one copy of the set, not 10,000 moves of it).  Whatever could make the
 * result differ (a duplicate across the edge of a window, the diagnostics
 * cap) is refused with -EAGAIN, before anything is changed.
 */
#include "rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "twothreads.h"

/* One window, located in rs (old lines) and in w (new lines). */
struct cut {
	uint32_t first, last;   /* old lines (first, last] */
	size_t a, b, wa, wb;    /* entries: rs's, w's */
	size_t da, db, wda, wdb; /* diagnostics */
	size_t xa, xb, wxa, wxb; /* expired entries */
	long long dl;           /* lines moved after it (all windows so far) */
};

struct job {
	struct ruleset *rs;
	struct ruleset *w;
	struct ruleset_splice *sp;
	struct cut *cut;
	size_t n;
	size_t fa, fb, fda, fdb, fea, feb; /* file k's ranges in rs */
	size_t base; /* the entries before it stay: the first window's a */
	int moved;   /* an entry after base is kept at another position */
};

/* The first of elements [lo, hi) of an array sorted by line (each element
 * `stride` bytes, its uint32_t line `off` bytes in) whose line is past
 * `line`: one binary search for the entries' lines, the diagnostics and the
 * expired entries alike. */
static size_t after_line(const void *base, size_t stride, size_t off,
			 size_t lo, size_t hi, uint32_t line)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t at;

		memcpy(&at, (const char *)base + mid * stride + off, sizeof(at));
		if (at <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t entry_after(const uint32_t *lines, size_t lo, size_t hi,
			  uint32_t line)
{
	return after_line(lines, sizeof(*lines), 0, lo, hi, line);
}

static size_t diag_after(const struct rules_diag *d, size_t lo, size_t hi,
			 uint32_t line)
{
	return after_line(d, sizeof(*d), offsetof(struct rules_diag, line), lo,
			  hi, line);
}

static size_t expired_after(const struct rules_where *x, size_t lo, size_t hi,
			    uint32_t line)
{
	return after_line(x, sizeof(*x), offsetof(struct rules_where, line), lo,
			  hi, line);
}

/* Where each window is, in rs (old lines) and w (new lines). */
static void locate(struct job *j)
{
	const struct ruleset *rs = j->rs, *w = j->w;
	size_t k = j->sp->k, a = j->fa, da = j->fda, xa = j->fea;
	size_t wa = 0, wda = 0, wxa = 0;
	const struct ruleset_mark *next =
		k + 1 < rs->n_files ? &rs->marks[k + 1] : j->sp->end;
	long long dl = 0;

	j->fb = next->n;
	j->fdb = next->n_diags;
	j->feb = next->n_expired;
	for (size_t t = 0; t < j->n; t++) {
		struct cut *c = &j->cut[t];
		uint32_t nf = (uint32_t)((long long)c->first + dl);
		uint32_t nl = nf + (uint32_t)((long long)c->last - c->first + c->dl);

		c->a = entry_after(rs->lines, a, j->fb, c->first);
		c->b = a = entry_after(rs->lines, c->a, j->fb, c->last);
		c->da = diag_after(rs->diags, da, j->fdb, c->first);
		c->db = da = diag_after(rs->diags, c->da, j->fdb, c->last);
		c->xa = expired_after(rs->expired_at, xa, j->feb, c->first);
		c->xb = xa = expired_after(rs->expired_at, c->xa, j->feb, c->last);
		c->wa = entry_after(w->lines, wa, w->n, nf);
		c->wb = wa = entry_after(w->lines, c->wa, w->n, nl);
		c->wda = diag_after(w->diags, wda, w->n_diags, nf);
		c->wdb = wda = diag_after(w->diags, c->wda, w->n_diags, nl);
		c->wxa = expired_after(w->expired_at, wxa, w->n_expired, nf);
		c->wxb = wxa = expired_after(w->expired_at, c->wxa, w->n_expired, nl);
		dl += c->dl;
		c->dl = dl;
	}
}

/* The window holding old line `line` of file k, or the number of windows
 * before it (*in 0). */
static size_t cut_of(const struct job *j, uint32_t line, int *in)
{
	size_t lo = 0, hi = j->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (j->cut[mid].first < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	*in = lo && line <= j->cut[lo - 1].last;
	return *in ? lo - 1 : lo;
}

/* How far old line `line` of file k (outside the windows) moves. */
static long long shift_of(const struct job *j, uint32_t line)
{
	int in;
	size_t t = cut_of(j, line, &in);

	return t ? j->cut[t - 1].dl : 0;
}

static int in_cut(const struct job *j, size_t file, uint32_t line)
{
	int in = 0;

	if (file == j->sp->k)
		cut_of(j, line, &in);
	return in;
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

/* Is old position pos in a window? */
static int pos_in_cut(const struct job *j, size_t pos)
{
	size_t lo = 0, hi = j->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (j->cut[mid].b <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < j->n && pos >= j->cut[lo].a;
}

/* Can w replace the windows and give what a full parse gives?  NULL, or
 * why not. */
static const char *splice_refused(const struct job *j)
{
	const struct ruleset *rs = j->rs, *w = j->w;
	size_t gone = 0;
	char old[320];

	for (size_t t = 0; t < j->n; t++)
		gone += j->cut[t].db - j->cut[t].da;
	/* Every diagnostic kept, before and after. */
	if (rs->n_diags != rs->n_errors + rs->n_warnings ||
	    w->n_diags != w->n_errors + w->n_warnings ||
	    rs->n_diags - gone + w->n_diags >= RULES_MAX_DIAGS)
		return "the diagnostics cap";
	/* An entry that goes and is repeated outside the windows, or one whose
	 * line moves and is named by a duplicate's message. */
	for (size_t i = 0; i < rs->n_diags; i++) {
		const struct rules_diag *d = &rs->diags[i];

		if (!d->dup_line || d->dup_file != j->sp->k ||
		    in_cut(j, d->file, d->line))
			continue;
		if (in_cut(j, d->dup_file, d->dup_line))
			return "a duplicate of a changed entry";
		dup_prefix(rs, d, d->dup_line, old, sizeof(old));
		if (shift_of(j, d->dup_line) && strncmp(d->msg, old, strlen(old)))
			return "a cut duplicate message";
	}
	/* A new entry equal to one outside the windows. */
	for (size_t i = 0; i < w->n; i++) {
		uint32_t pos = ruleidx_find(&rs->ix, rs->rules, &w->rules[i]);

		if (pos != RULEIDX_NONE && !pos_in_cut(j, pos))
			return "a new entry that duplicates another";
	}
	return NULL;
}

/* The arrays of a set's entries (rs's own: put_new). */
struct entries {
	struct xdpfw_rule *rules;
	uint32_t *lines;
	uint16_t *file_of;
	int64_t *expires;
};

/* Window c's new entries to e's arrays at position at. */
static void put_window(const struct job *j, const struct entries *e,
		       size_t at, const struct cut *c)
{
	const struct ruleset *w = j->w;
	size_t n = c->wb - c->wa;

	if (!n)
		return;
	memcpy(&e->rules[at], &w->rules[c->wa], n * sizeof(*e->rules));
	memcpy(&e->lines[at], &w->lines[c->wa], n * sizeof(*e->lines));
	for (size_t i = 0; i < n; i++) {
		e->file_of[at + i] = (uint16_t)j->sp->k;
		if (e->expires)
			e->expires[at + i] = w->expires ? w->expires[c->wa + i] : 0;
	}
}

/* Where the kept entries from base on go: segment t (the entries before
 * window t, or after the last) ends before bound[t] and moves by
 * shift[t]; blk[k] is the segment of position base + (k << RENUM_BLK).
 * A position's segment is found from its block in a few steps, in
 * arrays that stay in the cache (a map of every position cost a cache
 * miss per index entry: ~10 ms of a 1 % churn at 1M). */
#define RENUM_BLK 5

struct renum {
	uint32_t *bound;
	long long *shift;
	uint32_t *blk;
	size_t nblk;
};

static int renum_alloc(struct renum *m, size_t n_win, size_t span)
{
	m->nblk = (span >> RENUM_BLK) + 1;
	m->bound = malloc((n_win + 1) * sizeof(*m->bound));
	m->shift = malloc((n_win + 1) * sizeof(*m->shift));
	m->blk = malloc(m->nblk * sizeof(*m->blk));
	return m->bound && m->shift && m->blk ? 0 : -ENOMEM;
}

static void renum_free(struct renum *m)
{
	free(m->bound);
	free(m->shift);
	free(m->blk);
}

static void renum_blocks(struct renum *m, size_t base, size_t n_win)
{
	size_t t = 0;

	for (size_t k = 0; k < m->nblk; k++) {
		size_t at = base + (k << RENUM_BLK);

		while (t < n_win && m->bound[t] <= at)
			t++;
		m->blk[k] = (uint32_t)t;
	}
}

/* A part of the index table renumbered: slots [lo, hi). */
struct renum_part {
	uint32_t *tab;
	const struct renum *m;
	uint32_t base, lo, hi;
};

/* No branch on whether an entry moves (half the slots are empty, the
 * other half spread over the set: a branch mispredicted every other
 * slot), and two steps within a block before the loop (a block holds a
 * window's edge 1 time in 3 at 1 %). */
static void *renum_part(void *arg)
{
	const struct renum_part *r = arg;
	const struct renum *m = r->m;
	uint32_t base = r->base;

	for (uint32_t i = r->lo; i < r->hi; i++) {
		uint32_t v = r->tab[i], in = 0u - (uint32_t)(v > base);
		uint32_t p = (v - 1) & in, t;

		t = m->blk[((p - base) >> RENUM_BLK) & in];
		t += m->bound[t] <= p;
		t += m->bound[t] <= p;
		while (m->bound[t] <= p)
			t++;
		r->tab[i] = v + ((uint32_t)m->shift[t] & in);
	}
	return NULL;
}

size_t ruleset_splice_thread_min = (size_t)1 << 18;

/* The index: the windows' entries leave, those after the first window
 * are renumbered (one pass over the table). */
static void reindex(struct job *j, const struct renum *m)
{
	struct ruleset *rs = j->rs;
	struct ruleidx *ix = &rs->ix;
	struct renum_part a = { ix->tab, m, (uint32_t)j->base, 0,
				ix->mask + 1 },
			  b = a;

	for (size_t t = 0; t < j->n; t++)
		for (size_t i = j->cut[t].a; i < j->cut[t].b; i++)
			ruleidx_remove(ix, rs->rules, (uint32_t)i);
	if (!j->moved) /* an edit at the end: no pass over the table */
		return;
	if (a.hi < ruleset_splice_thread_min) {
		renum_part(&a);
		return;
	}
	a.hi = b.lo = a.hi / 2;
	two_threads(renum_part, &a, &b);
}

/* rs's entries [src, src + n) to dst, in place, their lines moved by dl
 * (those of file k only). */
static void move_run(const struct job *j, size_t dst, size_t src, size_t n,
		     long long dl)
{
	struct ruleset *rs = j->rs;
	size_t lo = src > j->fa ? src : j->fa;
	size_t hi = src + n < j->fb ? src + n : j->fb;

	if (n && dst != src) {
		memmove(&rs->rules[dst], &rs->rules[src], n * sizeof(*rs->rules));
		memmove(&rs->lines[dst], &rs->lines[src], n * sizeof(*rs->lines));
		memmove(&rs->file_of[dst], &rs->file_of[src],
			n * sizeof(*rs->file_of));
		if (rs->expires)
			memmove(&rs->expires[dst], &rs->expires[src],
				n * sizeof(*rs->expires));
	}
	for (size_t p = lo; dl && p < hi; p++)
		rs->lines[p - src + dst] = (uint32_t)((long long)rs->lines[p - src + dst] + dl);
}

/* Window c's new entries into rs itself at position at. */
static void put_new(const struct job *j, const struct cut *c, size_t at)
{
	const struct ruleset *rs = j->rs;
	const struct entries e = { rs->rules, rs->lines, rs->file_of,
				   rs->expires };

	put_window(j, &e, at, c);
}

/* The kept runs moved in place, then the windows' new entries put in the
 * gaps they leave.  The runs keep their order, so a run moving down (to
 * lower positions) lands only where runs before it were, and one moving
 * up only where runs after it were, never on a run moving the other way:
 * those moving down go front to back, then those moving up back to
 * front.  No copy of the set (a churn's windows both shrink and grow
 * it: 30 MB aside at 1M before). */
static void move_in_place(struct job *j, size_t n)
{
	const struct splice_seg *g = j->sp->segs;

	for (size_t t = 0; t < j->n; t++) {
		size_t to = t + 1 < j->n ? g[t + 1].a : n;

		if (g[t].at + g[t].added <= g[t].b)
			move_run(j, g[t].at + g[t].added, g[t].b, to - g[t].b,
				 j->cut[t].dl);
	}
	for (size_t t = j->n; t-- > 0;) {
		size_t to = t + 1 < j->n ? g[t + 1].a : n;

		if (g[t].at + g[t].added > g[t].b)
			move_run(j, g[t].at + g[t].added, g[t].b, to - g[t].b,
				 j->cut[t].dl);
	}
	for (size_t t = 0; t < j->n; t++)
		put_new(j, &j->cut[t], g[t].at);
}

/* Where each window goes (sp->segs, sp->removed) and where each kept
 * entry from base on goes (m's bound and shift).  The new count. */
static size_t plan_moves(struct job *j, struct renum *m)
{
	struct ruleset_splice *sp = j->sp;
	size_t src = j->base, dst = j->base, r = 0;

	for (size_t t = 0; t <= j->n; t++) {
		const struct cut *c = t < j->n ? &j->cut[t] : NULL;
		size_t to = c ? c->a : j->rs->n;

		m->bound[t] = (uint32_t)to;
		m->shift[t] = (long long)dst - (long long)src;
		j->moved |= to > src && dst != src;
		dst += to - src;
		if (!c)
			break;
		memcpy(&sp->removed[r], &j->rs->rules[c->a],
		       (c->b - c->a) * sizeof(*sp->removed));
		r += c->b - c->a;
		sp->segs[t] = (struct splice_seg){ c->a, c->b, dst, c->wb - c->wa };
		dst += c->wb - c->wa;
		src = c->b;
	}
	sp->n_removed = r;
	sp->at = j->n ? sp->segs[0].at : 0;
	return dst;
}

/* The entries: the windows' go (into sp->removed), w's come, the rest
 * moves; sp->segs says where.  What is before the first window stays. */
static int splice_entries(struct job *j)
{
	struct ruleset *rs = j->rs;
	struct ruleset_splice *sp = j->sp;
	size_t n = rs->n, gone = 0, n_new;
	struct renum m = { 0 };
	int err = 0;

	for (size_t t = 0; t < j->n; t++)
		gone += j->cut[t].b - j->cut[t].a;
	err = renum_alloc(&m, j->n, n - j->base);
	sp->removed = malloc((gone ? gone : 1) * sizeof(*sp->removed));
	sp->segs = malloc((j->n ? j->n : 1) * sizeof(*sp->segs));
	if (err || !sp->removed || !sp->segs) {
		renum_free(&m);
		return -ENOMEM;
	}
	n_new = plan_moves(j, &m);
	renum_blocks(&m, j->base, j->n);
	reindex(j, &m);
	renum_free(&m);
	err = ruleset_reserve(rs, n_new > n ? n_new : n);
	if (!err && j->w->expires && !rs->expires) {
		rs->expires = calloc(rs->cap, sizeof(*rs->expires));
		err = rs->expires ? 0 : -ENOMEM;
	}
	if (!err)
		move_in_place(j, n);
	rs->n = n_new;
	for (size_t t = 0; !err && t < j->n; t++)
		for (size_t i = 0; i < sp->segs[t].added; i++)
			if (ruleidx_add(&rs->ix, rs->rules,
					(uint32_t)(sp->segs[t].at + i)) != RULEIDX_NONE)
				err = -ENOMEM; /* checked before: cannot be */
	return err;
}

/* A kept diagnostic: its line moves with file k's lines, and so does the
 * line its duplicate message names (splice_refused: the message starts
 * with it). */
static int move_diag(const struct job *j, struct rules_diag *d, long long dl)
{
	char old[320], now[320], *msg;
	long long s;

	if (d->file == j->sp->k)
		d->line = (uint32_t)((long long)d->line + dl);
	if (!d->dup_line || d->dup_file != j->sp->k)
		return 0;
	s = shift_of(j, d->dup_line);
	if (!s)
		return 0;
	dup_prefix(j->rs, d, d->dup_line, old, sizeof(old));
	dup_prefix(j->rs, d, (uint32_t)((long long)d->dup_line + s), now,
		   sizeof(now));
	if (asprintf(&msg, "%s%s", now, d->msg + strlen(old)) < 0)
		return -ENOMEM;
	free(d->msg);
	d->msg = msg;
	d->dup_line = (uint32_t)((long long)d->dup_line + s);
	return 0;
}

static int keep_diags(const struct job *j, struct rules_diag *out, size_t *dst,
		      size_t from, size_t to, long long dl)
{
	for (size_t i = from; i < to; i++) {
		out[*dst] = j->rs->diags[i];
		if (move_diag(j, &out[(*dst)++], dl))
			return -ENOMEM;
	}
	return 0;
}

/* The diagnostics: the windows' go, w's come (taken from it), the rest
 * moves. */
static int splice_diags(struct job *j)
{
	struct ruleset *rs = j->rs, *w = j->w;
	size_t src = 0, dst = 0, cap = rs->n_diags + w->n_diags + 1;
	struct rules_diag *out = malloc(cap * sizeof(*out));
	int err = 0;

	if (!out)
		return -ENOMEM;
	for (size_t t = 0; !err && t < j->n; t++) {
		const struct cut *c = &j->cut[t];

		err = keep_diags(j, out, &dst, src, c->da, t ? j->cut[t - 1].dl : 0);
		for (size_t i = c->da; i < c->db; i++) {
			if (rs->diags[i].severity == RULES_ERROR)
				rs->n_errors--;
			else
				rs->n_warnings--;
			free(rs->diags[i].msg);
		}
		for (size_t i = c->wda; i < c->wdb; i++) {
			struct rules_diag *d = &out[dst++];

			*d = w->diags[i];
			d->file = (uint16_t)j->sp->k;
			if (d->dup_line)
				d->dup_file = (uint16_t)j->sp->k;
			w->diags[i].msg = NULL;
		}
		src = c->db;
	}
	if (!err)
		err = keep_diags(j, out, &dst, src, rs->n_diags,
				 j->n ? j->cut[j->n - 1].dl : 0);
	rs->n_errors += w->n_errors;
	rs->n_warnings += w->n_warnings;
	w->n_diags = 0;
	free(rs->diags);
	rs->diags = out;
	rs->cap_diags = cap;
	rs->n_diags = dst;
	return err;
}

/* The entries left out as expired: the windows' go, w's come, the rest
 * moves. */
static int splice_expired(struct job *j)
{
	struct ruleset *rs = j->rs, *w = j->w;
	size_t src = 0, dst = 0, cap = rs->n_expired + w->n_expired + 1;
	struct rules_where *out = malloc(cap * sizeof(*out));

	if (!out)
		return -ENOMEM;
	for (size_t t = 0; t <= j->n; t++) {
		const struct cut *c = t < j->n ? &j->cut[t] : NULL;
		size_t to = c ? c->xa : rs->n_expired;
		long long dl = t ? j->cut[t - 1].dl : 0;

		for (size_t i = src; i < to; i++, dst++) {
			out[dst] = rs->expired_at[i];
			if (out[dst].file == j->sp->k)
				out[dst].line = (uint32_t)((long long)out[dst].line + dl);
		}
		for (size_t i = c ? c->wxa : 0; c && i < c->wxb; i++, dst++) {
			out[dst].file = (uint16_t)j->sp->k;
			out[dst].line = w->expired_at[i].line;
		}
		src = c ? c->xb : src;
	}
	free(rs->expired_at);
	rs->expired_at = out;
	rs->cap_expired = cap;
	rs->n_expired = dst;
	return 0;
}

/* The counts of the set, of the marks of later files and of sp->end. */
static void move_marks(struct ruleset *rs, const struct ruleset_splice *sp,
		       const struct ruleset_mark *was, long long dl)
{
	long long dn = (long long)rs->n - (long long)was->n,
		  dd = (long long)rs->n_diags - (long long)was->n_diags,
		  de = (long long)rs->n_errors - (long long)was->n_errors,
		  dw = (long long)rs->n_warnings - (long long)was->n_warnings,
		  dx = (long long)rs->n_expired - (long long)was->n_expired;

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

/* The windows, as cuts (sp->win, or the one window of sp's fields). */
static int cuts_of(struct job *j)
{
	const struct ruleset_splice *sp = j->sp;
	struct splice_win one = { sp->first_line, sp->old_lines, sp->new_lines };
	const struct splice_win *win = sp->n_win ? sp->win : &one;

	j->n = sp->n_win ? sp->n_win : 1;
	j->cut = calloc(j->n, sizeof(*j->cut));
	if (!j->cut)
		return -ENOMEM;
	for (size_t t = 0; t < j->n; t++) {
		if (t && win[t].first_line < j->cut[t - 1].last)
			return -EINVAL;
		j->cut[t].first = win[t].first_line;
		j->cut[t].last = win[t].first_line + win[t].old_lines;
		j->cut[t].dl = (long long)win[t].new_lines - win[t].old_lines;
	}
	return 0;
}

static int splice_all(struct job *j)
{
	struct ruleset *rs = j->rs;
	struct ruleset_mark was;
	int err, expiry = j->w->expires != NULL;

	ruleset_mark_now(rs, &was);
	for (size_t t = 0; rs->expires && t < j->n; t++)
		for (size_t i = j->cut[t].a; i < j->cut[t].b; i++)
			expiry |= rs->expires[i] != 0;
	err = splice_entries(j);
	if (!err)
		err = splice_diags(j);
	if (!err)
		err = splice_expired(j);
	if (err)
		return err;
	move_marks(rs, j->sp, &was, j->n ? j->cut[j->n - 1].dl : 0);
	if (expiry)
		recount_expiry(rs, j->sp->end);
	return 0;
}

int ruleset_splice(struct ruleset *rs, struct ruleset *w,
		   struct ruleset_splice *sp)
{
	struct job j = { .rs = rs, .w = w, .sp = sp };
	int err;

	sp->removed = NULL;
	sp->segs = NULL;
	sp->n_removed = 0;
	sp->why = "not the set's last read";
	if (sp->k >= rs->n_files || rs->n != sp->end->n ||
	    rs->n_diags != sp->end->n_diags || w->n_files != 1)
		return -EAGAIN;
	err = cuts_of(&j);
	if (err) {
		free(j.cut);
		sp->why = "windows out of order";
		return err == -EINVAL ? -EAGAIN : err;
	}
	j.fa = rs->marks[sp->k].n;
	j.fda = rs->marks[sp->k].n_diags;
	j.fea = rs->marks[sp->k].n_expired;
	locate(&j);
	j.base = j.cut[0].a;
	sp->why = splice_refused(&j);
	err = sp->why ? -EAGAIN : splice_all(&j);
	free(j.cut);
	return err;
}
