/* SPDX-License-Identifier: GPL-2.0-only */
/* What kmaps.c, kmaps_read.c and kmaps_write.c share; not for other
 * modules. */
#ifndef XDPFW_KMAPS_INT_H
#define XDPFW_KMAPS_INT_H

#include "kmaps.h"

/* Entries per batch map operation. */
#define KMAPS_BATCH_CHUNK 4096

/* errno of a batch operation that this kernel does not have. */
int kmaps_batch_refused(int e);
/* Remember (and log once) that batch operations are refused. */
void kmaps_no_batch(struct kmaps *km);
/* Did a migration ever carry counts into the bases? */
int kmaps_have_bases(const struct kmaps *km);

#endif
