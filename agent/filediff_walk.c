// SPDX-License-Identifier: GPL-2.0-only
/*
 * The windows of lines that differ between two texts, from their
 * summaries (filediff.h): the pieces of lines both share are skipped, the
 * others narrowed to the lines that differ.
 */
#include "filediff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void filediff_free(struct filediff *d)
{
	if (!d)
		return;
	free(d->win);
	memset(d, 0, sizeof(*d));
}

/* The old pieces by hash: head[h & mask] the first, next[i] the next
 * with the same bucket (ascending). */
struct piece_ix {
	uint32_t *head, *next, mask;
};

static int piece_ix_build(struct piece_ix *x, const struct filediff_sum *old)
{
	size_t cap = 16;

	while (cap < 2 * old->n_chunks)
		cap *= 2;
	x->mask = (uint32_t)cap - 1;
	x->head = malloc(cap * sizeof(*x->head));
	x->next = malloc((old->n_chunks ? old->n_chunks : 1) * sizeof(*x->next));
	if (!x->head || !x->next)
		return -ENOMEM;
	memset(x->head, 0xff, cap * sizeof(*x->head));
	for (size_t i = old->n_chunks; i-- > 0;) {
		uint32_t b = (uint32_t)old->hash[i] & x->mask;

		x->next[i] = x->head[b];
		x->head[b] = (uint32_t)i;
	}
	return 0;
}

/* The first old piece at or after i with hash h (a few tried), or
 * UINT32_MAX. */
static uint32_t piece_find(const struct piece_ix *x,
			   const struct filediff_sum *old, uint64_t h, size_t i)
{
	uint32_t j = x->head[(uint32_t)h & x->mask];

	for (int tries = 0; j != UINT32_MAX && tries < 16; j = x->next[j]) {
		if (old->hash[j] != h)
			continue;
		if (j >= i)
			return j;
		tries++;
	}
	return UINT32_MAX;
}

/* A reader to tell the text read through (filediff_windows_cb). */
struct walk_done {
	filediff_done_fn done;
	void *ctx;
	size_t told;
};

#define WALK_DONE_EVERY (4u << 20)

/* Where the line k lines after the one at byte at starts (the end of the
 * text when there are fewer): a few lines read, where a search from the
 * text's chunks costs a binary search and up to 1 KiB read (a 1 % churn
 * has 10,000 windows, most of them a line removed: none new). */
static size_t lines_after(const struct filediff_sum *now, const char *buf,
			  size_t at, uint32_t k)
{
	for (; k; k--) {
		const char *e = memchr(buf + at, '\n', now->len - at);

		if (!e)
			return now->len;
		at = (size_t)(e - buf) + 1;
	}
	return at;
}

/* Old lines [o0, o1) became new lines [n0, n1): a window. */
static int add_one(struct filediff *d, size_t *cap, struct walk_done *wd,
		   const struct filediff_sum *now, const char *buf, uint32_t o0,
		   uint32_t o1, uint32_t n0, uint32_t n1)
{
	struct filediff_win *w;

	if (d->n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;

		w = realloc(d->win, c * sizeof(*w));
		if (!w)
			return -ENOMEM;
		d->win = w;
		*cap = c;
	}
	w = &d->win[d->n++];
	w->begin = filediff_line_start(now, buf, n0);
	w->end = n1 - n0 <= 8 ? lines_after(now, buf, w->begin, n1 - n0) :
				filediff_line_start(now, buf, n1);
	if (!w->begin && now->bom)
		w->begin = w->end >= 3 ? 3 : w->end;
	if (wd->done && w->begin >= wd->told + WALK_DONE_EVERY) {
		wd->told = w->begin;
		wd->done(wd->ctx, 0, w->begin);
	}
	w->first_line = n0;
	w->new_lines = n1 - n0;
	w->old_first = o0;
	w->old_lines = o1 - o0;
	return 0;
}

/* Lines of a window no longer than this are matched one by one. */
#define SPLIT_MAX 256

/* Old pieces [i0, i1) became new pieces [j0, j1): the lines that differ
 * are windows (the lines both start and end with left out; between, the
 * lines found again in order, when the pieces are short). */
static int add_win(struct filediff *d, size_t *cap, struct walk_done *wd,
		   const struct filediff_sum *old,
		   const struct filediff_sum *now, const char *buf, size_t i0,
		   size_t i1, size_t j0, size_t j1)
{
	uint32_t o0 = old->first[i0], o1 = old->first[i1];
	uint32_t n0 = now->first[j0], n1 = now->first[j1];
	int err = 0;

	while (o0 < o1 && n0 < n1 && old->line[o0] == now->line[n0])
		o0++, n0++;
	while (o0 < o1 && n0 < n1 && old->line[o1 - 1] == now->line[n1 - 1])
		o1--, n1--;
	if (o0 == o1 && n0 == n1)
		return 0; /* pieces cut apart differently, the same lines */
	if (o1 - o0 + n1 - n0 > SPLIT_MAX || o0 == o1 || n0 == n1)
		return add_one(d, cap, wd, now, buf, o0, o1, n0, n1);
	while (!err && (o0 < o1 || n0 < n1)) {
		uint32_t i = o1, j = n0;

		if (o0 < o1 && n0 < n1 && old->line[o0] == now->line[n0]) {
			o0++, n0++;
			continue;
		}
		/* the first new line found again in the old ones after o0 */
		for (; j < n1 && i == o1; j += i == o1)
			for (i = o0; i < o1 && old->line[i] != now->line[j]; i++)
				;
		err = add_one(d, cap, wd, now, buf, o0, i, n0, j);
		o0 = i;
		n0 = j;
	}
	return err;
}

/* Where a difference is first looked for: in a churn of lines all over
 * a text the pieces line up again within one or two; after a block of
 * lines added or removed, a piece or two after the block; near the end
 * few pieces are left to compare.  The index of every old piece (1.5 MB
 * at 1M lines, written at random: a third of a 1 % churn's windows) is
 * built only for a difference found in none of these ways, and then
 * asked for every difference not found near. */
#define NEAR_PIECES 16
#define BLOCK_PIECES 8192
#define ALL_PAIRS 4096

/* The first of pieces [a0, a1) of x with hash h, or a1. */
static size_t first_of(const struct filediff_sum *x, size_t a0, size_t a1,
		       uint64_t h)
{
	while (a0 < a1 && x->hash[a0] != h)
		a0++;
	return a0;
}

/* Is the new piece jb among old pieces [ia, ie) (*i1, *j1 then set)? */
static int found_at(const struct filediff_sum *old,
		    const struct filediff_sum *now, size_t ia, size_t ie,
		    size_t jb, size_t *i1, size_t *j1)
{
	size_t a = first_of(old, ia, ie, now->hash[jb]);

	if (a == ie)
		return 0;
	*i1 = a;
	*j1 = jb;
	return 1;
}

/* The first new piece from j found again among the old ones from i, if
 * that is told without the index (indexed: it is built): *i1 and *j1
 * (old->n_chunks and now->n_chunks: none is), 1; 0 when the index must
 * tell. */
static int near_find(const struct filediff_sum *old,
		     const struct filediff_sum *now, size_t i, size_t j,
		     int indexed, size_t *i1, size_t *j1)
{
	size_t no = old->n_chunks, nn = now->n_chunks;
	size_t ie = no - i < NEAR_PIECES ? no : i + NEAR_PIECES;
	size_t je = nn - j < NEAR_PIECES ? nn : j + NEAR_PIECES;

	if (no - i <= ALL_PAIRS / (nn - j ? nn - j : 1)) {
		for (size_t b = j; b < nn; b++)
			if (found_at(old, now, i, no, b, i1, j1))
				return 1;
		*i1 = no;
		*j1 = nn;
		return 1;
	}
	for (size_t b = j; b < je; b++)
		if (found_at(old, now, i, ie, b, i1, j1))
			return 1;
	if (indexed)
		return 0;
	/* a block of k new pieces (a new piece after it among the first
	 * old ones) or of k old pieces (the other way round) */
	for (size_t k = NEAR_PIECES; k < BLOCK_PIECES; k++) {
		if (j + k < nn && found_at(old, now, i, ie, j + k, i1, j1))
			return 1;
		for (size_t b = j; i + k < no && b < je; b++)
			if (now->hash[b] == old->hash[i + k]) {
				*i1 = i + k;
				*j1 = b;
				return 1;
			}
	}
	return 0;
}

/* Walk both lists of pieces: equal ones are skipped, and from each
 * that differs, on to the first new piece found again among the old
 * ones after it (near it first, else in the index of them all). */
static int walk(const struct filediff_sum *old, const struct filediff_sum *now,
		const char *buf, struct piece_ix *x, struct filediff *d,
		struct walk_done *wd)
{
	size_t i = 0, j = 0, cap = 0;
	int err = 0;

	while (!err && (i < old->n_chunks || j < now->n_chunks)) {
		size_t i1 = old->n_chunks, j1 = j;

		if (i < old->n_chunks && j < now->n_chunks &&
		    old->hash[i] == now->hash[j]) {
			i++;
			j++;
			continue;
		}
		if (!near_find(old, now, i, j, x->head != NULL, &i1, &j1)) {
			/* the index of the old pieces: at the first difference
			 * not found near */
			if (!x->head && (err = piece_ix_build(x, old)))
				break;
			for (; j1 < now->n_chunks; j1++) {
				uint32_t f = piece_find(x, old, now->hash[j1], i);

				if (f != UINT32_MAX) {
					i1 = f;
					break;
				}
			}
		}
		err = add_win(d, &cap, wd, old, now, buf, i, i1, j, j1);
		i = i1;
		j = j1;
	}
	return err;
}

int filediff_windows(const struct filediff_sum *old, size_t old_lines,
		     const struct filediff_sum *now, const char *buf,
		     struct filediff *d)
{
	return filediff_windows_cb(old, old_lines, now, buf, d, NULL, NULL);
}

int filediff_windows_cb(const struct filediff_sum *old, size_t old_lines,
			const struct filediff_sum *now, const char *buf,
			struct filediff *d, filediff_done_fn done, void *ctx)
{
	struct walk_done wd = { done, ctx, 0 };
	struct piece_ix x = { 0 };
	int err;

	memset(d, 0, sizeof(*d));
	if (old->len < 8 || now->len < 8 || old->lines != old_lines)
		return -EAGAIN;
	if (old->len == now->len && old->n_fixed == now->n_fixed &&
	    !memcmp(old->fixed, now->fixed, now->n_fixed * sizeof(*now->fixed))) {
		d->same = 1;
		return 0;
	}
	/* A byte order mark counts only before line 1: the first pieces
	 * must stay first. */
	if ((old->bom || now->bom) &&
	    (!old->lines || !now->lines || old->line[0] != now->line[0]))
		return -EAGAIN;
	err = walk(old, now, buf, &x, d, &wd);
	free(x.head);
	free(x.next);
	if (err) {
		filediff_free(d);
		return err;
	}
	return 0;
}
