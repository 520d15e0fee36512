// SPDX-License-Identifier: GPL-2.0-only
#include "rstats_mmap.h"
#include "grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int rstats_mmap(struct rstats_mmap *m, const struct kmaps *km)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t bytes = (size_t)km->capacity * (size_t)km->ncpus *
		       sizeof(struct xdpfw_counter);
	void *p;

	memset(m, 0, sizeof(*m));
	if (km->fd[XMAP_RSTATS] < 0 || !km->capacity || km->ncpus < 1)
		return -EINVAL;
	m->len = (bytes + pg - 1) / pg * pg;
	p = mmap(NULL, m->len, PROT_READ, MAP_SHARED | MAP_POPULATE,
		 km->fd[XMAP_RSTATS], 0);
	if (p == MAP_FAILED)
		return -errno;
	m->c = p;
	m->capacity = km->capacity;
	m->ncpus = km->ncpus;
	return 0;
}

void rstats_munmap(struct rstats_mmap *m)
{
	if (!m || !m->c)
		return;
	munmap((void *)m->c, m->len);
	m->c = NULL;
}

static int push(struct stat_row **rows, size_t *n, size_t *cap, uint32_t slot,
		const struct xdpfw_rule *r, struct xdpfw_counter c)
{
	struct stat_row *p = grow(*rows, cap, *n + 1, sizeof(*p), 64);

	if (!p)
		return -ENOMEM;
	*rows = p;
	(*rows)[*n].slot = slot;
	(*rows)[*n].rule = *r;
	(*rows)[*n].c = c;
	(*n)++;
	return 0;
}

int rstats_mmap_scan(const struct rstats_mmap *m,
		     const struct xdpfw_counter *rbase,
		     const struct xdpfw_rule *table, uint32_t first,
		     uint32_t n, size_t *in_force, struct stat_row **rows,
		     size_t *n_rows, size_t *cap)
{
	for (uint32_t s = first; s < first + n; s++) {
		struct xdpfw_counter sum = { 0 };

		if (!table[s].family)
			continue;
		(*in_force)++;
		if (rbase)
			sum = rbase[s];
		for (int cpu = 0; cpu < m->ncpus; cpu++) {
			const struct xdpfw_counter *c =
				&m->c[(size_t)cpu * m->capacity + s];

			sum.packets += c->packets;
			sum.bytes += c->bytes;
		}
		if ((sum.packets || sum.bytes) &&
		    push(rows, n_rows, cap, s, &table[s], sum))
			return -ENOMEM;
	}
	return 0;
}
