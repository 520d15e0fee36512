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

static size_t chunk_len(size_t len, size_t i)
{
	size_t at = i * FILEDIFF_CHUNK;

	return len - at < FILEDIFF_CHUNK ? len - at : FILEDIFF_CHUNK;
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

int filediff_sum_of(struct filediff_sum *s, const char *buf, size_t len)
{
	size_t n = (len + FILEDIFF_CHUNK - 1) / FILEDIFF_CHUNK;

	memset(s, 0, sizeof(*s));
	s->hash = malloc((n ? n : 1) * sizeof(*s->hash));
	s->nl = malloc((n + 1) * sizeof(*s->nl));
	if (!s->hash || !s->nl) {
		filediff_sum_free(s);
		return -ENOMEM;
	}
	s->nl[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = buf + i * FILEDIFF_CHUNK;

		s->hash[i] = hash_bytes(p, chunk_len(len, i));
		s->nl[i + 1] = s->nl[i] + (uint32_t)count_nl(p, chunk_len(len, i));
	}
	s->len = len;
	s->n_chunks = n;
	return 0;
}

void filediff_sum_free(struct filediff_sum *s)
{
	if (!s)
		return;
	free(s->hash);
	free(s->nl);
	memset(s, 0, sizeof(*s));
}

/* '\n' in the first at bytes of the text now summarises. */
static size_t nl_before(const struct filediff_sum *now, const char *buf,
			size_t at)
{
	size_t i = at / FILEDIFF_CHUNK;

	return now->nl[i] + count_nl(buf + i * FILEDIFF_CHUNK,
				     at - i * FILEDIFF_CHUNK);
}

/* Bytes at the start both texts share, in whole chunks. */
static size_t common_prefix(const struct filediff_sum *old,
			    const struct filediff_sum *now)
{
	size_t lim = old->len < now->len ? old->len : now->len, i = 0;

	while ((i + 1) * FILEDIFF_CHUNK <= lim && old->hash[i] == now->hash[i])
		i++;
	return i * FILEDIFF_CHUNK;
}

/* Where the bytes both texts share at the end start in the old text:
 * the old chunks, from the last, found at the same distance from the end
 * of the new one, and never into the first pb bytes of either. */
static size_t common_suffix(const struct filediff_sum *old,
			    const struct filediff_sum *now, const char *buf,
			    size_t pb)
{
	long long delta = (long long)now->len - (long long)old->len;
	size_t s = old->len;

	for (size_t j = old->n_chunks; j-- > 0;) {
		size_t at = j * FILEDIFF_CHUNK, n = chunk_len(old->len, j);

		if (at < pb || (long long)at + delta < (long long)pb ||
		    hash_bytes(buf + (long long)at + delta, n) != old->hash[j])
			break;
		s = at;
	}
	return s;
}

int filediff_window(const struct filediff_sum *old, size_t old_lines,
		    const struct filediff_sum *now, const char *buf,
		    struct filediff_win *w)
{
	long long delta = (long long)now->len - (long long)old->len;
	size_t pb, sn, wb, we, suffix;
	const char *nl;

	memset(w, 0, sizeof(*w));
	if (old->len < 8 || now->len < 8)
		return -EAGAIN;
	if (old->len == now->len &&
	    !memcmp(old->hash, now->hash, now->n_chunks * sizeof(*now->hash))) {
		w->same = 1;
		return 0;
	}
	pb = common_prefix(old, now);
	sn = (size_t)((long long)common_suffix(old, now, buf, pb) + delta);
	/* Whole lines: back to the start of the line pb is in; on to just
	 * after the first '\n' inside the shared end (both texts have it). */
	nl = pb ? memrchr(buf, '\n', pb) : NULL;
	wb = nl ? (size_t)(nl - buf) + 1 : 0;
	nl = sn < now->len ? memchr(buf + sn, '\n', now->len - sn) : NULL;
	we = nl ? (size_t)(nl - buf) + 1 : now->len;
	w->begin = wb;
	if (!wb && !memcmp(buf, "\xef\xbb\xbf", 3))
		w->begin = 3;
	if (we < w->begin)
		return -EAGAIN;
	w->end = we;
	w->first_line = (uint32_t)nl_before(now, buf, wb);
	suffix = now->nl[now->n_chunks] - nl_before(now, buf, we) +
		 (we < now->len && buf[now->len - 1] != '\n');
	if ((size_t)w->first_line + suffix > old_lines)
		return -EAGAIN;
	w->old_lines = (uint32_t)(old_lines - w->first_line - suffix);
	return 0;
}
