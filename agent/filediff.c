// SPDX-License-Identifier: GPL-2.0-only
#include "filediff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Eight bytes, the first the lowest (the '\n' search below counts
 * from the low end). */
static inline uint64_t load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline uint64_t nl_bytes(uint64_t w)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL, nl = 0x0a0a0a0a0a0a0a0aULL;
	uint64_t x = w ^ nl;

	/* the high bit of each byte that is '\n' (exact, no carry between
	 * bytes) */
	return ~(((x & lo7) + lo7) | x | lo7);
}

/* Bits set in z, which has them only at the top of bytes (nl_bytes()):
 * summed by a multiplication (no popcnt instruction in the baseline
 * x86-64). */
static inline size_t count_top(uint64_t z)
{
	return (size_t)(((z >> 7) * 0x0101010101010101ULL) >> 56);
}

static inline uint64_t low_bytes(size_t k)
{
	return k ? ~0ULL >> (64 - 8 * k) : 0;
}

static inline uint64_t line_mix(uint64_t h, uint64_t w)
{
	return rotl((h ^ w) * P1, 29);
}

static inline uint64_t line_fin(uint64_t h, size_t len, int nl)
{
	h ^= len * P2 + (uint64_t)nl;
	h *= P3;
	h ^= h >> 32;
	h *= P2;
	return h ^ (h >> 29);
}

/* The hash of a line: its n bytes at p (a '\n' after them: nl), eight
 * at a time from its start, so that it does not depend on where the line
 * is; the text goes on to e. */
static inline uint64_t hash_line(const char *p, size_t n, int nl,
				 const char *e)
{
	uint64_t h = P3, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		h = line_mix(h, load64(p + i));
	if (e - (p + i) >= 8) {
		w = load64(p + i);
	} else {
		char t[8] = { 0 };

		memcpy(t, p + i, (size_t)(e - (p + i)));
		w = load64(t);
	}
	return line_fin(line_mix(h, w & low_bytes(n - i)), n, nl);
}

/* '\n' in buf. */
static size_t count_nl(const char *buf, size_t len)
{
	size_t c = 0, i = 0;

	for (; i + 8 <= len; i += 8)
		c += (size_t)count_top(nl_bytes(load64(buf + i)));
	for (; i < len; i++)
		c += buf[i] == '\n';
	return c;
}

/* Where each '\n' of buf is, into at[] (room for every one, and 2
 * more): a block at a time, its first two '\n' written whatever (most
 * blocks have none or one: no branch), the rest one by one. */
#ifdef __SSE2__
static void find_nl(const char *buf, size_t len, uint64_t *at)
{
	const __m128i nl = _mm_set1_epi8('\n');
	size_t k = 0, i = 0;

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
		unsigned m1 = m & (m - 1), m2 = m1 & (m1 - 1);

		at[k] = i + (size_t)__builtin_ctz(m | 0x10000);
		at[k + 1] = i + (size_t)__builtin_ctz(m1 | 0x10000);
		k += (m != 0) + (m1 != 0);
		for (; m2; m2 &= m2 - 1)
			at[k++] = i + (size_t)__builtin_ctz(m2);
	}
	for (; i < len; i++)
		if (buf[i] == '\n')
			at[k++] = i;
}
#else
static void find_nl(const char *buf, size_t len, uint64_t *at)
{
	size_t k = 0;

	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n')
			at[k++] = i;
}
#endif

/* A piece ends after a line whose hash says so (content-defined: an edit
 * moves no boundary but at its own lines), or after FILEDIFF_MAX lines. */
static int cut_after(uint64_t line_hash, size_t piece_lines)
{
	return piece_lines >= FILEDIFF_MAX ||
	       line_hash >> (64 - FILEDIFF_CUT_BITS) == 0;
}

/* Room for the lines of a text in s: spare's arrays (a summary no longer
 * needed, emptied) when there is one (memory already faulted in: a fresh
 * 8 MB costs ~6 ms of page faults on a VM), else new ones. */
static int sum_alloc(struct filediff_sum *s, size_t lines,
		     struct filediff_sum *spare)
{
	struct filediff_sum none = { 0 };

	if (!spare)
		spare = &none;
	s->line = realloc(spare->line, (lines + 2) * sizeof(*s->line));
	s->hash = realloc(spare->hash, (lines + 1) * sizeof(*s->hash));
	s->first = realloc(spare->first, (lines + 2) * sizeof(*s->first));
	s->off = realloc(spare->off, (lines + 2) * sizeof(*s->off));
	if (!s->line)
		free(spare->line);
	if (!s->hash)
		free(spare->hash);
	if (!s->first)
		free(spare->first);
	if (!s->off)
		free(spare->off);
	memset(spare, 0, sizeof(*spare));
	return s->line && s->hash && s->first && s->off ? 0 : -ENOMEM;
}

/* Kept between reloads: no more room than used. */
static void sum_shrink(struct filediff_sum *s)
{
	uint64_t *l = realloc(s->line, (s->lines + 1) * sizeof(*l));
	uint64_t *h = realloc(s->hash, (s->n_chunks + 1) * sizeof(*h));
	uint32_t *f = realloc(s->first, (s->n_chunks + 1) * sizeof(*f));
	uint32_t *o = realloc(s->off, (s->n_chunks + 1) * sizeof(*o));

	s->line = l ? l : s->line;
	s->hash = h ? h : s->hash;
	s->first = f ? f : s->first;
	s->off = o ? o : s->off;
}

/* The lines and pieces of buf into s (room for them), where s->line
 * holds where each '\n' is (overwritten, in place, by the hashes).
 * Locals only in the loop: through s, each store would reload the rest. */
static void sum_lines(struct filediff_sum *s, const char *buf, size_t len,
		      size_t nls, size_t lines)
{
	uint64_t *line = s->line, *hash = s->hash, ph = P2;
	uint32_t *first = s->first, *off = s->off;
	size_t from = 0, pl = 0, np = 0;

	first[0] = 0;
	off[0] = 0;
	for (size_t i = 0; i < lines; i++) {
		size_t to = i < nls ? line[i] : len;
		uint64_t lh = hash_line(buf + from, to - from, i < nls, buf + len);

		line[i] = lh;
		ph = rotl(ph ^ lh, 23) * P1;
		from = to + 1;
		if (cut_after(lh, ++pl) || i + 1 == lines) {
			hash[np++] = ph ^ pl;
			first[np] = (uint32_t)(i + 1);
			off[np] = (uint32_t)(i < nls ? to + 1 : len);
			pl = 0;
			ph = P2;
		}
	}
	s->lines = (uint32_t)lines;
	s->n_chunks = np;
}

int filediff_sum_of(struct filediff_sum *s, const char *buf, size_t len)
{
	return filediff_sum_reuse(s, buf, len, NULL);
}

int filediff_sum_reuse(struct filediff_sum *s, const char *buf, size_t len,
		       struct filediff_sum *spare)
{
	size_t nls = count_nl(buf, len), lines;

	memset(s, 0, sizeof(*s));
	lines = nls + (len && buf[len - 1] != '\n');
	if (len > UINT32_MAX - 1) {
		filediff_sum_free(spare);
		return -ENOMEM;
	}
	if (sum_alloc(s, lines, spare)) {
		filediff_sum_free(s);
		return -ENOMEM;
	}
	find_nl(buf, len, s->line); /* nls of them, counted the same way */
	sum_lines(s, buf, len, nls, lines);
	s->len = len;
	sum_shrink(s);
	s->bom = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3);
	return 0;
}

void filediff_sum_free(struct filediff_sum *s)
{
	if (!s)
		return;
	free(s->hash);
	free(s->first);
	free(s->off);
	free(s->line);
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

/* Where line `skip` lines after byte at starts (or len). */
static size_t skip_lines(const char *buf, size_t len, size_t at, size_t skip)
{
	for (; skip && at < len; skip--) {
		const char *nl = memchr(buf + at, '\n', len - at);

		at = nl ? (size_t)(nl - buf) + 1 : len;
	}
	return at;
}

/* Old pieces [i0, i1) became new pieces [j0, j1): the lines that differ
 * (the lines both start and end with are left out) are a window. */
static int add_win(struct filediff *d, size_t *cap, const struct filediff_sum *old,
		   const struct filediff_sum *now, const char *buf, size_t i0,
		   size_t i1, size_t j0, size_t j1)
{
	uint32_t o0 = old->first[i0], o1 = old->first[i1];
	uint32_t n0 = now->first[j0], n1 = now->first[j1];
	struct filediff_win *w;

	while (o0 < o1 && n0 < n1 && old->line[o0] == now->line[n0])
		o0++, n0++;
	while (o0 < o1 && n0 < n1 && old->line[o1 - 1] == now->line[n1 - 1])
		o1--, n1--;
	if (o0 == o1 && n0 == n1)
		return 0; /* pieces cut apart differently, the same lines */
	if (d->n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;

		w = realloc(d->win, c * sizeof(*w));
		if (!w)
			return -ENOMEM;
		d->win = w;
		*cap = c;
	}
	w = &d->win[d->n++];
	w->begin = skip_lines(buf, now->len, now->off[j0], n0 - now->first[j0]);
	w->end = skip_lines(buf, now->len, w->begin, n1 - n0);
	if (!w->begin && now->bom)
		w->begin = w->end >= 3 ? 3 : w->end;
	w->first_line = n0;
	w->new_lines = n1 - n0;
	w->old_first = o0;
	w->old_lines = o1 - o0;
	return 0;
}

/* Walk both lists of pieces: equal ones are skipped, and from each
 * that differs, on to the first new piece found again among the old
 * ones after it. */
static int walk(const struct filediff_sum *old, const struct filediff_sum *now,
		const char *buf, const struct piece_ix *x, struct filediff *d)
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
		err = add_win(d, &cap, old, now, buf, i, i1, j, j1);
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
	if (old->lines == now->lines && old->n_chunks == now->n_chunks &&
	    !memcmp(old->hash, now->hash, now->n_chunks * sizeof(*now->hash))) {
		d->same = 1;
		return 0;
	}
	/* A byte order mark counts only before line 1: the first pieces
	 * must stay first. */
	if ((old->bom || now->bom) &&
	    (!old->lines || !now->lines || old->line[0] != now->line[0]))
		return -EAGAIN;
	err = piece_ix_build(&x, old);
	if (!err)
		err = walk(old, now, buf, &x, d);
	free(x.head);
	free(x.next);
	if (err) {
		filediff_free(d);
		return err;
	}
	return 0;
}
