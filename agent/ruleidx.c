// SPDX-License-Identifier: GPL-2.0-only
#include "ruleidx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t rule_hash(const struct xdpfw_rule *r)
{
	uint64_t w[3];
	uint64_t h;

	memcpy(w, r, sizeof(w));
	h = w[0] * 0x9e3779b97f4a7c15ULL;
	h ^= (w[1] + 0x632be59bd9b4e019ULL) * 0xbf58476d1ce4e5b9ULL;
	h ^= (w[2] + 0x85ebca6b27d4eb4fULL) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return h;
}

int rule_equal(const struct xdpfw_rule *a, const struct xdpfw_rule *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static uint32_t cap_for(size_t expect)
{
	uint32_t cap = 16;

	while (cap < expect * 2 && cap < (1u << 31))
		cap <<= 1;
	return cap;
}

int ruleidx_init(struct ruleidx *ix, size_t expect)
{
	uint32_t cap = cap_for(expect);

	ix->tab = calloc(cap, sizeof(*ix->tab));
	if (!ix->tab)
		return -ENOMEM;
	ix->mask = cap - 1;
	ix->n = 0;
	return 0;
}

void ruleidx_free(struct ruleidx *ix)
{
	if (!ix)
		return;
	free(ix->tab);
	ix->tab = NULL;
	ix->n = 0;
	ix->mask = 0;
}

static int grow(struct ruleidx *ix, const struct xdpfw_rule *base)
{
	uint32_t ncap = (ix->mask + 1) * 2;
	uint32_t *ntab = calloc(ncap, sizeof(*ntab));

	if (!ntab)
		return -ENOMEM;
	for (uint32_t i = 0; i <= ix->mask; i++) {
		uint32_t v = ix->tab[i];
		uint32_t b;

		if (!v)
			continue;
		b = (uint32_t)rule_hash(&base[v - 1]) & (ncap - 1);
		while (ntab[b])
			b = (b + 1) & (ncap - 1);
		ntab[b] = v;
	}
	free(ix->tab);
	ix->tab = ntab;
	ix->mask = ncap - 1;
	return 0;
}

uint32_t ruleidx_add(struct ruleidx *ix, const struct xdpfw_rule *base,
		     uint32_t pos)
{
	uint32_t b;

	if ((ix->n + 1) * 2 > (size_t)ix->mask + 1 && grow(ix, base))
		return RULEIDX_NONE - 1;
	b = (uint32_t)rule_hash(&base[pos]) & ix->mask;
	while (ix->tab[b]) {
		uint32_t other = ix->tab[b] - 1;

		if (rule_equal(&base[other], &base[pos]))
			return other;
		b = (b + 1) & ix->mask;
	}
	ix->tab[b] = pos + 1;
	ix->n++;
	return RULEIDX_NONE;
}

uint32_t ruleidx_find(const struct ruleidx *ix, const struct xdpfw_rule *base,
		      const struct xdpfw_rule *r)
{
	uint32_t b = (uint32_t)rule_hash(r) & ix->mask;

	while (ix->tab[b]) {
		uint32_t other = ix->tab[b] - 1;

		if (rule_equal(&base[other], r))
			return other;
		b = (b + 1) & ix->mask;
	}
	return RULEIDX_NONE;
}

int ruleidx_remove(struct ruleidx *ix, const struct xdpfw_rule *base,
		   uint32_t pos)
{
	uint32_t i = (uint32_t)rule_hash(&base[pos]) & ix->mask, j;

	while (ix->tab[i] && ix->tab[i] != pos + 1)
		i = (i + 1) & ix->mask;
	if (!ix->tab[i])
		return -ENOENT;
	/* Backward shift: move up every later entry of the run that may sit
	 * in the hole, so that no look-up stops early at it. */
	ix->tab[i] = 0;
	for (j = (i + 1) & ix->mask; ix->tab[j]; j = (j + 1) & ix->mask) {
		uint32_t home = (uint32_t)rule_hash(&base[ix->tab[j] - 1]) &
				ix->mask;

		/* Stays when its home is cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ix->tab[i] = ix->tab[j];
		ix->tab[j] = 0;
		i = j;
	}
	ix->n--;
	return 0;
}
