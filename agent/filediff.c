// SPDX-License-Identifier: GPL-2.0-only
/*
 * A text's summary (filediff.h): a hash of each 1 KiB, of each line and of
 * each piece of lines.  Built again after a change from what did not
 * change: the lines of the chunks both texts start and end with keep
 * their hashes (copied), only those between are hashed.
 */
#include "filediff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "prefault.h"
#include "twothreads.h"

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

/* Where each '\n' of buf is, into at[] (room for cap, as many as there
 * are): a block at a time, its first two '\n' written whatever (most
 * blocks have none or one: no branch) while two slots are left, the rest
 * one by one.  Nothing is written past at[cap - 1]: two threads fill the
 * two halves of one array. */
#ifdef __SSE2__
static void find_nl(const char *buf, size_t len, uint64_t *at, size_t cap)
{
	const __m128i nl = _mm_set1_epi8('\n');
	size_t k = 0, i = 0;

	for (; i + 16 <= len && k + 2 <= cap; i += 16) {
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
static void find_nl(const char *buf, size_t len, uint64_t *at, size_t cap)
{
	size_t k = 0;

	(void)cap; /* one slot a '\n' */
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

static size_t chunk_len(size_t len, size_t i)
{
	size_t at = i * FILEDIFF_FIXED;

	return len - at < FILEDIFF_FIXED ? len - at : FILEDIFF_FIXED;
}

/* Chunks between two calls of a reader's done(): 4 MiB of text. */
#define DONE_EVERY 4096

size_t filediff_thread_min = (size_t)4 << 20;

/* A part of a text for one thread: chunks [lo, hi), or lines [lo, hi)
 * into out; done() told of bytes [from, upto) read through. */
struct part {
	struct filediff_sum *s;
	const char *buf;
	size_t lo, hi;
	uint64_t *out;
	filediff_done_fn done;
	void *ctx;
	size_t every; /* chunks between two calls of done() */
};

/* Chunks [lo, hi): their hashes, and each one's '\n' count into
 * fixed_nl[i + 1] (summed after). */
static void *fixed_part(void *arg)
{
	const struct part *f = arg;
	struct filediff_sum *s = f->s;

	for (size_t i = f->lo; i < f->hi; i++) {
		const char *p = f->buf + i * FILEDIFF_FIXED;
		size_t n = chunk_len(s->len, i);

		s->fixed[i] = hash_bytes(p, n);
		s->fixed_nl[i + 1] = (uint32_t)count_nl(p, n);
		if (f->done && (i + 1 - f->lo) % f->every == 0)
			f->done(f->ctx, f->lo * FILEDIFF_FIXED,
				(i + 1) * FILEDIFF_FIXED);
	}
	return NULL;
}

/* The 1 KiB chunks of buf: their hashes and the '\n' before each; a text
 * of filediff_thread_min bytes or more in two halves on two threads. */
static int sum_fixed(struct filediff_sum *s, const char *buf, size_t len,
		     filediff_done_fn done, void *ctx)
{
	size_t n = (len + FILEDIFF_FIXED - 1) / FILEDIFF_FIXED;
	struct part a = { s, buf, 0, n, NULL, done, ctx, DONE_EVERY }, b;

	s->fixed = malloc((n ? n : 1) * sizeof(*s->fixed));
	s->fixed_nl = malloc((n + 1) * sizeof(*s->fixed_nl));
	if (!s->fixed || !s->fixed_nl)
		return -ENOMEM;
	s->len = len;
	s->fixed_nl[0] = 0;
	if (len >= filediff_thread_min) {
		/* as much of the text resident as on one thread */
		a.every /= 2;
		b = a;
		a.hi = b.lo = n / 2;
		two_threads(fixed_part, &a, &b);
	} else {
		fixed_part(&a);
	}
	for (size_t i = 0; i < n; i++)
		s->fixed_nl[i + 1] += s->fixed_nl[i];
	s->n_fixed = n;
	s->lines = s->fixed_nl[n] + (len && buf[len - 1] != '\n');
	return 0;
}

/* Room for the lines of a text in s: spare's arrays (a summary no longer
 * needed, emptied) when there is one (memory already faulted in: a fresh
 * 8 MB costs ~6 ms of page faults on a VM), else new ones. */
static int sum_alloc(struct filediff_sum *s, struct filediff_sum *spare)
{
	struct filediff_sum none = { 0 };
	size_t lines = s->lines;

	if (!spare)
		spare = &none;
	s->line = realloc(spare->line, (lines + 2) * sizeof(*s->line));
	s->hash = realloc(spare->hash, (lines + 1) * sizeof(*s->hash));
	s->first = realloc(spare->first, (lines + 2) * sizeof(*s->first));
	if (!s->line)
		free(spare->line);
	if (!s->hash)
		free(spare->hash);
	if (!s->first)
		free(spare->first);
	free(spare->fixed);
	free(spare->fixed_nl);
	memset(spare, 0, sizeof(*spare));
	return s->line && s->hash && s->first ? 0 : -ENOMEM;
}

/* '\n' in the first at bytes of the text s summarises. */
static size_t nl_before(const struct filediff_sum *s, const char *buf,
			size_t at)
{
	size_t i = at / FILEDIFF_FIXED;

	return s->fixed_nl[i] + count_nl(buf + i * FILEDIFF_FIXED,
					 at - i * FILEDIFF_FIXED);
}

/* Bytes at the start both texts share, in whole chunks. */
static size_t common_prefix(const struct filediff_sum *old,
			    const struct filediff_sum *now)
{
	size_t lim = old->len < now->len ? old->len : now->len, i = 0;

	while ((i + 1) * FILEDIFF_FIXED <= lim && old->fixed[i] == now->fixed[i])
		i++;
	return i * FILEDIFF_FIXED;
}

/* Where the bytes both texts share at the end start in the new text:
 * the old chunks, from the last, found at the same distance from the end
 * of the new one, and never into the first pb bytes of either.  done()
 * told as it goes back: after an edit at the top, this reads the whole
 * text a second time, which stayed mapped to the end (a 22 MB file at 1M
 * lines: VmHWM 102 MB against 89, and its edit 36 ms against 24). */
static size_t common_suffix(const struct filediff_sum *old,
			    const struct filediff_sum *now, const char *buf,
			    size_t pb, filediff_done_fn done, void *ctx)
{
	long long delta = (long long)now->len - (long long)old->len;
	size_t sn = now->len, told = now->len; /* in the new text */

	for (size_t j = old->n_fixed; j-- > 0;) {
		size_t at = j * FILEDIFF_FIXED, n = chunk_len(old->len, j);

		if (at < pb || (long long)at + delta < (long long)pb ||
		    hash_bytes(buf + (long long)at + delta, n) != old->fixed[j])
			break;
		sn = (size_t)((long long)at + delta);
		if (done && told - sn >= (size_t)DONE_EVERY * FILEDIFF_FIXED) {
			done(ctx, sn, told);
			told = sn;
		}
	}
	if (done && told > sn)
		done(ctx, sn, told);
	return sn;
}

/* The lines [p, q) of the new text s keep their old hashes: the lines
 * in its first and last chunks the old text has too.  [0, lines) when
 * there is no old text. */
static void unchanged(const struct filediff_sum *old,
		      const struct filediff_sum *s, const char *buf,
		      size_t *p, size_t *q, filediff_done_fn done, void *ctx)
{
	size_t pb, sn, a, b;

	*p = 0;
	*q = s->lines;
	if (!old || !old->fixed || !old->line || old->len < 8 || s->len < 8)
		return;
	pb = common_prefix(old, s);
	sn = common_suffix(old, s, buf, pb, done, ctx);
	a = nl_before(s, buf, pb);              /* lines ending before pb */
	b = sn ? nl_before(s, buf, sn - 1) + 1 : 0; /* the first from sn */
	if (b > s->lines)
		b = s->lines;
	if (a > b || s->lines - b > old->lines - a)
		return;
	*p = a;
	*q = b;
}

/* Where line n of the text starts (n == lines: at its end): after the
 * n-th '\n', found in the 1 KiB chunk s->fixed_nl says it is in. */
size_t filediff_line_start(const struct filediff_sum *s, const char *buf,
			   size_t n)
{
	size_t lo = 0, hi = s->n_fixed, k;
	const char *p;

	if (!n)
		return 0;
	if (n >= s->lines)
		return s->len;
	/* the last chunk with fewer than n '\n' before it */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->fixed_nl[mid] < n)
			lo = mid;
		else
			hi = mid;
	}
	/* the k-th '\n' from the chunk's start, eight bytes at a time */
	p = buf + lo * FILEDIFF_FIXED;
	k = n - s->fixed_nl[lo];
	for (; buf + s->len - p >= 8; p += 8) {
		uint64_t z = nl_bytes(load64(p));
		size_t c = count_top(z);

		if (k <= c) {
			while (--k)
				z &= z - 1;
			return (size_t)(p - buf) + (size_t)(__builtin_ctzll(z) >> 3) + 1;
		}
		k -= c;
	}
	for (; k; p++)
		k -= *p == '\n';
	return (size_t)(p - buf);
}

/* Hash lines [p, q) of buf (bytes [from, to)) into line[0, q - p),
 * where their '\n' are found first. */
static void hash_lines(const struct filediff_sum *s, const char *buf,
		       size_t p, size_t q, size_t from, size_t to,
		       uint64_t *line)
{
	const char *e = buf + s->len;
	size_t at = from, n = q - p, nls = n;

	if (q == s->lines && s->len && buf[s->len - 1] != '\n')
		nls--; /* the last line, without a '\n' */
	find_nl(buf + from, to - from, line, n);
	for (size_t k = 0; k < n; k++) {
		size_t end = k < nls ? from + line[k] : s->len;

		line[k] = hash_line(buf + at, end - at, k < nls, e);
		at = end + 1;
	}
}

/* hash_lines() over the part's lines, about l->every chunks of text at
 * a time, done() told after each: a churn of 1 % changes lines all over
 * a file, and its text read again whole stayed resident (22 MB at 1M
 * lines). */
static void *lines_part(void *arg)
{
	const struct part *l = arg;
	const struct filediff_sum *s = l->s;
	size_t p = l->lo, q = l->hi, from = filediff_line_start(s, l->buf, p);
	size_t from0 = from;

	while (p < q) {
		/* the first line that starts in the chunk l->every on */
		size_t c = from / FILEDIFF_FIXED + l->every, e = q, to;

		if (l->done && c < s->n_fixed && s->fixed_nl[c] > p &&
		    s->fixed_nl[c] < q)
			e = s->fixed_nl[c];
		to = filediff_line_start(s, l->buf, e);

		hash_lines(s, l->buf, p, e, from, to, l->out + (p - l->lo));
		if (l->done)
			l->done(l->ctx, from0, to);
		p = e;
		from = to;
	}
	return NULL;
}

/* Lines [p, q) hashed into s->line; from filediff_thread_min bytes of
 * text on, in two halves on two threads, each into its own slots. */
static void hash_lines_cb(struct filediff_sum *s, const char *buf, size_t p,
			  size_t q, filediff_done_fn done, void *ctx)
{
	struct part a = { s, buf, p, q, s->line + p, done, ctx, DONE_EVERY }, b;
	size_t mid = q;

	if (s->len >= filediff_thread_min && q > p) {
		size_t c = (filediff_line_start(s, buf, p) +
			    filediff_line_start(s, buf, q)) /
			   2 / FILEDIFF_FIXED;

		if (c < s->n_fixed && s->fixed_nl[c] > p && s->fixed_nl[c] < q)
			mid = s->fixed_nl[c];
	}
	if (mid == q) {
		lines_part(&a);
		return;
	}
	a.every /= 2;
	b = a;
	a.hi = b.lo = mid;
	b.out = s->line + mid;
	two_threads(lines_part, &a, &b);
}

/* The pieces, from the lines' hashes.  Locals only in the loop: through
 * s, each store would reload the rest. */
static void sum_pieces(struct filediff_sum *s)
{
	const uint64_t *line = s->line;
	uint64_t *hash = s->hash, ph = P2;
	uint32_t *first = s->first;
	size_t pl = 0, np = 0, lines = s->lines;

	first[0] = 0;
	for (size_t i = 0; i < lines; i++) {
		ph = rotl(ph ^ line[i], 23) * P1;
		if (cut_after(line[i], ++pl) || i + 1 == lines) {
			hash[np++] = ph ^ pl;
			first[np] = (uint32_t)(i + 1);
			pl = 0;
			ph = P2;
		}
	}
	s->n_chunks = np;
}

/* Kept between reloads: no more room than used. */
static void sum_shrink(struct filediff_sum *s)
{
	uint64_t *l = realloc(s->line, (s->lines + 1) * sizeof(*l));
	uint64_t *h = realloc(s->hash, (s->n_chunks + 1) * sizeof(*h));
	uint32_t *f = realloc(s->first, (s->n_chunks + 1) * sizeof(*f));

	s->line = l ? l : s->line;
	s->hash = h ? h : s->hash;
	s->first = f ? f : s->first;
}

/* Every 1 KiB chunk of the text s is being made of is old's (a no-op
 * SIGHUP's read again): its summary would be old's, line for line. */
static int same_text(const struct filediff_sum *old,
		     const struct filediff_sum *s)
{
	return old && old->line && old->fixed && old->len == s->len &&
	       old->n_fixed == s->n_fixed &&
	       !memcmp(old->fixed, s->fixed, s->n_fixed * sizeof(*s->fixed));
}

int filediff_sum_of(struct filediff_sum *s, const char *buf, size_t len)
{
	return filediff_sum_update(s, buf, len, NULL, NULL);
}

int filediff_sum_update(struct filediff_sum *s, const char *buf, size_t len,
			const struct filediff_sum *old,
			struct filediff_sum *spare)
{
	return filediff_sum_update_cb(s, buf, len, old, spare, NULL, NULL);
}

int filediff_sum_update_cb(struct filediff_sum *s, const char *buf,
			   size_t len, const struct filediff_sum *old,
			   struct filediff_sum *spare, filediff_done_fn done,
			   void *ctx)
{
	size_t p, q, tail;

	memset(s, 0, sizeof(*s));
	if (len > UINT32_MAX - 1 || sum_fixed(s, buf, len, done, ctx)) {
		filediff_sum_free(s);
		filediff_sum_free(spare);
		return -ENOMEM;
	}
	if (same_text(old, s)) {
		filediff_sum_free(s);
		return 1;
	}
	if (sum_alloc(s, spare)) {
		filediff_sum_free(s);
		filediff_sum_free(spare);
		return -ENOMEM;
	}
	unchanged(old, s, buf, &p, &q, done, ctx);
	tail = s->lines - q;
	if (p)
		memcpy(s->line, old->line, p * sizeof(*s->line));
	hash_lines_cb(s, buf, p, q, done, ctx);
	if (tail)
		memcpy(s->line + q, old->line + old->lines - tail,
		       tail * sizeof(*s->line));
	sum_pieces(s);
	sum_shrink(s);
	s->bom = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3);
	return 0;
}

int filediff_sum_reserve(struct filediff_sum *s, size_t lines)
{
	if (s->line || s->hash || s->first || s->fixed)
		return 0;
	s->line = malloc((lines + 2) * sizeof(*s->line));
	if (!s->line)
		return -ENOMEM;
	/* Touched, not only populated: on this VM the first access to each
	 * page costs a fault in the host's page tables too. */
	prefault(s->line, (lines + 2) * sizeof(*s->line));
	memset(s->line, 0, (lines + 2) * sizeof(*s->line));
	return 0;
}

void filediff_sum_free(struct filediff_sum *s)
{
	if (!s)
		return;
	free(s->hash);
	free(s->first);
	free(s->line);
	free(s->fixed);
	free(s->fixed_nl);
	memset(s, 0, sizeof(*s));
}
