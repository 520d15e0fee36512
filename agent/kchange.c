// SPDX-License-Identifier: GPL-2.0-only
#include "kchange.h"

#include <errno.h>

#include "grow.h"

int kop_list_push(struct kop_list *l, const struct kkey *k, uint32_t slot)
{
	struct kop *nv = grow(l->v, &l->cap, l->n + 1, sizeof(*nv), 64);

	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->v[l->n].key = *k;
	l->v[l->n].slot = slot;
	l->n++;
	return 0;
}
