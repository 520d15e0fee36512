/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit: a comparison of the lookup maps with the slot table, a piece
 * at a time so that the event loop never stalls for long (audit_interval).
 *
 *   1. every key of every lookup map (an open addressing table in one
 *      memory scan, then its map), read in batches: it must lead to a
 *      rule in use that produces exactly that key (else it is foreign);
 *      the key is marked as seen for that rule.  Keys name slots in any
 *      order: they are kept (AUDIT_SEEN at a time, 2 MB) and compared
 *      window by window of the slot table, which is never mapped whole
 *      (24.5 MB resident at 1M);
 *   2. every rule of the slot table, a run at a time: each of its keys must
 *      have been seen, except a key another rule owns (an any-protocol
 *      port entry shares its key with the protocol-specific one), which is
 *      looked up;
 *   3. (all maps only) the IPv4 /24 table, a few /8s a step, against its
 *      recomputation from the slot table: a wrong word asks for the full
 *      sync (needs_full), which rewrites it;
 *   4. (all maps only) the filters (IPv6 flags, bitmaps, port bits) and
 *      the kinds-present flags against their recomputation, in one step:
 *      a missing bit hides a rule from the program (needs_full); a stale
 *      one (of a removed rule) is no error.
 *
 * A reload in between (xdpfw_cfg.generation moved) makes the run void.  It
 * only detects: the repair is the full sync (sync.c).
 */
#ifndef XDPFW_AUDIT_H
#define XDPFW_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "kmaps.h"
#include "kchange.h"
#include "v4tbl.h"

/* Phase 0's keys this many at a time (32 bytes each). */
#define AUDIT_SEEN 65536

struct audit_seen {
	uint32_t slot;
	struct kkey k;
};

struct audit {
	int phase;              /* 0: keys, 1: slots, 3: /24 table,
				 * 4: filters, 2: done */
	uint32_t maps;          /* bit per enum kmap: the lookup maps compared */
	int map;                /* enum kmap of phase 0 */
	int has_cursor;         /* cursor below is valid */
	int oa_done;            /* the map's open addressing table compared */
	uint8_t cursor[32];     /* batch token or last key */
	size_t seen_in_map;     /* keys visited in map, bounds restarts */
	uint8_t *marks;         /* per slot: bit i = key i of the rule seen */
	uint32_t capacity;
	uint32_t next_slot;
	/* The slot table a run at a time (kmaps_slot_run; tests may read it
	 * in smaller runs), and phase 0's keys not yet compared. */
	v4tbl_run_fn run;
	void *run_ctx;
	struct audit_seen *seen;
	uint32_t *order;        /* seen's indexes by window */
	size_t n_seen, seen_max;
	uint64_t generation;    /* xdpfw_cfg.generation when it began */
	int void_run;           /* a reload happened meanwhile */
	size_t missing;         /* keys of rules absent or leading elsewhere */
	size_t foreign;         /* keys no rule of the table produces */
	size_t rules, keys;     /* what was compared */
	/* With collect set: the key writes that undo the drift. */
	int collect;
	struct kop_list upserts, deletes;
	int needs_full;         /* a missing shared key: only a full sync
				 * knows which rule owns it; a wrong /24 word */
	struct v4tbl_ix *v4ix;  /* phase 3: the table recomputed */
	uint32_t v4_chunk;      /* phase 3: next /8 to compare */
	size_t v4_bad;          /* /24 table words wrong */
	size_t filter_bad;      /* filter words (or the flags) lacking a bit */
};

/* maps: bit per enum kmap (AUDIT_ALL_MAPS: all). */
#define AUDIT_ALL_MAPS ((1u << KMAP_N) - 1)
int audit_begin(struct audit *a, struct kmaps *km, uint32_t maps, int collect);
void audit_free(struct audit *a); /* NULL-safe, idempotent */

/* Compare about budget entries.  1: finished (see missing, foreign,
 * void_run), 0: call again, -errno on failure. */
int audit_step(struct audit *a, struct kmaps *km, size_t budget);

/* Index of the key (map m, bytes key) among the keys of rule r, or -1
 * when r does not produce it (or is a free slot). */
int audit_rule_key_index(const struct xdpfw_rule *r, int m, const void *key);

#endif
