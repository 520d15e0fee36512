// SPDX-License-Identifier: GPL-2.0-only
#include "filediff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* 64-bit hash of n bytes: four independent lanes (xxHash's round), so
 * that the multiplications overlap. */
static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t a = P1 + P2, b = P2, c = 0, d = 0 - P1, h, w = 0;
	const char *e = p + n;

	for (; e - p >= 32; p += 32) {
		a = rotl(a + load64(p) * P2, 31) * P1;
		b = rotl(b + load64(p + 8) * P2, 31) * P1;
		c = rotl(c + load64(p + 16) * P2, 31) * P1;
		d = rotl(d + load64(p + 24) * P2, 31) * P1;
	}
	h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) + n * P3;
	for (; e - p >= 8; p += 8)
		h = rotl(h ^ (rotl(load64(p) * P2, 31) * P1), 27) * P1 + P3;
	memcpy(&w, p, (size_t)(e - p));
	h ^= (w + (uint64_t)(e - p)) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	return h ^ (h >> 32);
}

/* '\n' in [p, p + n): eight bytes at a time (after the xor, a byte is
 * zero exactly when its high bit survives the carry-free test), the tail
 * one by one. */
static size_t count_nl(const char *p, size_t n)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL, nl = 0x0a0a0a0a0a0a0a0aULL;
	size_t c = 0, i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x = load64(p + i) ^ nl;

		uint64_t z = ~(((x & lo7) + lo7) | x | lo7) >> 7;

		/* one per '\n' byte; summed by the multiplication (no popcnt
		 * instruction in the baseline x86-64) */
		c += (size_t)((z * 0x0101010101010101ULL) >> 56);
	}
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* Does a piece end at the '\n' at q (the line after it starts one)?  By
 * the 16 bytes after it only, so that an edit moves no boundary but its
 * own: the pieces of two texts line up again right after a change. */
static int cut_after(const char *buf, size_t len, size_t q, size_t piece)
{
	uint64_t a = 0, b = 0;
	size_t at = q + 1;

	if (piece < FILEDIFF_MIN)
		return 0;
	if (piece >= FILEDIFF_MAX)
		return 1;
	if (at + 16 <= len) {
		a = load64(buf + at);
		b = load64(buf + at + 8);
	} else {
		char t[16] = { 0 };

		memcpy(t, buf + at, len - at);
		a = load64(t);
		b = load64(t + 8);
	}
	return ((a * P1 ^ rotl(b * P2, 29)) * P3) >> (64 - FILEDIFF_CUT_BITS) == 0;
}

/* Where the pieces of buf end (after a '\n', or at len): ends[i] for
 * piece i; *n of them. */
static int cut_pieces(const char *buf, size_t len, uint32_t **ends, size_t *n)
{
	size_t cap = len / (FILEDIFF_CHUNK / 2) + 16, k = 0, start = 0;
	uint32_t *e = malloc(cap * sizeof(*e));
	const char *p = buf, *end = buf + len, *nl;

	if (!e)
		return -ENOMEM;
	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		size_t q = (size_t)(nl - buf);

		p = nl + 1;
		if (q + 1 == len || !cut_after(buf, len, q, q + 1 - start))
			continue;
		if (k + 1 >= cap) {
			uint32_t *g = realloc(e, 2 * cap * sizeof(*e));

			if (!g) {
				free(e);
				return -ENOMEM;
			}
			e = g;
			cap *= 2;
		}
		e[k++] = (uint32_t)(q + 1);
		start = q + 1;
	}
	if (start < len)
		e[k++] = (uint32_t)len;
	*ends = e;
	*n = k;
	return 0;
}

int filediff_sum_of(struct filediff_sum *s, const char *buf, size_t len)
{
	uint32_t *ends = NULL;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	if (len > UINT32_MAX || cut_pieces(buf, len, &ends, &n))
		return -ENOMEM;
	s->hash = malloc((n ? n : 1) * sizeof(*s->hash));
	s->nl = malloc((n + 1) * sizeof(*s->nl));
	s->off = malloc((n + 1) * sizeof(*s->off));
	if (!s->hash || !s->nl || !s->off) {
		free(ends);
		filediff_sum_free(s);
		return -ENOMEM;
	}
	s->nl[0] = 0;
	s->off[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t at = s->off[i], l = ends[i] - at;

		s->off[i + 1] = ends[i];
		s->hash[i] = hash_bytes(buf + at, l);
		s->nl[i + 1] = s->nl[i] + (uint32_t)count_nl(buf + at, l);
	}
	free(ends);
	s->len = len;
	s->n_chunks = n;
	s->lines = s->nl[n] + (len && buf[len - 1] != '\n');
	s->bom = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3);
	return 0;
}

void filediff_sum_free(struct filediff_sum *s)
{
	if (!s)
		return;
	free(s->hash);
	free(s->nl);
	free(s->off);
	memset(s, 0, sizeof(*s));
}

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

static int add_win(struct filediff *d, size_t *cap, const struct filediff_sum *old,
		   const struct filediff_sum *now, size_t i0, size_t i1,
		   size_t j0, size_t j1)
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
	w->begin = now->off[j0];
	w->end = now->off[j1];
	w->first_line = now->nl[j0];
	w->new_lines = (j1 == now->n_chunks ? now->lines : now->nl[j1]) - now->nl[j0];
	w->old_first = old->nl[i0];
	w->old_lines = (i1 == old->n_chunks ? old->lines : old->nl[i1]) - old->nl[i0];
	return 0;
}

/* Walk both lists of pieces: equal ones are skipped, and from each
 * that differs, on to the first new piece found again among the old
 * ones after it. */
static int walk(const struct filediff_sum *old, const struct filediff_sum *now,
		const struct piece_ix *x, struct filediff *d)
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
		for (; j1 < now->n_chunks; j1++) {
			uint32_t f = piece_find(x, old, now->hash[j1], i);

			if (f != UINT32_MAX) {
				i1 = f;
				break;
			}
		}
		err = add_win(d, &cap, old, now, i, i1, j, j1);
		i = i1;
		j = j1;
	}
	return err;
}

int filediff_windows(const struct filediff_sum *old, size_t old_lines,
		     const struct filediff_sum *now, const char *buf,
		     struct filediff *d)
{
	struct piece_ix x = { 0 };
	int err;

	memset(d, 0, sizeof(*d));
	if (old->len < 8 || now->len < 8 || old->lines != old_lines)
		return -EAGAIN;
	if (old->len == now->len && old->n_chunks == now->n_chunks &&
	    !memcmp(old->hash, now->hash, now->n_chunks * sizeof(*now->hash))) {
		d->same = 1;
		return 0;
	}
	/* A byte order mark counts only before line 1: the first pieces
	 * must stay first. */
	(void)buf;
	if ((old->bom || now->bom) && old->hash[0] != now->hash[0])
		return -EAGAIN;
	err = piece_ix_build(&x, old);
	if (!err)
		err = walk(old, now, &x, d);
	free(x.head);
	free(x.next);
	if (err) {
		filediff_free(d);
		return err;
	}
	return 0;
}
