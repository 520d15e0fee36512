/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit: a comparison of the lookup maps with the slot table, a piece
 * at a time so that the event loop never stalls for long (audit_interval).
 *
 *   1. every rule of the slot table: each of its keys is in its map and
 *      leads to the rule (or to the rule that owns a shared key);
 *   2. every key of every lookup map: it leads to a rule in use that
 *      produces exactly that key (no foreign key).
 *
 * It only detects: the repair is the full sync (sync.c), which writes the
 * difference.
 */
#ifndef XDPFW_AUDIT_H
#define XDPFW_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "kmaps.h"

struct audit {
	int phase;              /* 0: slots, 1: keys, 2: done */
	uint32_t next_slot;
	int map;                /* enum kmap of phase 2 */
	int has_cursor;         /* cursor below is valid */
	uint8_t cursor[32];     /* batch token or last key */
	size_t seen_in_map;     /* keys visited in map, bounds restarts */
	size_t expected[KMAP_N]; /* keys phase 1 found per map */
	size_t missing;         /* keys of rules absent or leading elsewhere */
	size_t foreign;         /* keys no rule of the table produces */
	size_t rules, keys;     /* what was compared */
};

void audit_begin(struct audit *a);

/* Compare about budget entries.  1: finished (see missing, foreign),
 * 0: call again, -errno on failure. */
int audit_step(struct audit *a, struct kmaps *km, size_t budget);

/* Does the rule in slot produce key bytes in map m (m, key as the kernel
 * stores them)? */
int audit_slot_has_key(const struct kmaps *km, uint32_t slot, int m,
		       const void *key);

#endif
