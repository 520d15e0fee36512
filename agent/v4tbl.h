/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IPv4 /24 table (xdpfw_v4_tbl, shared/xdpfw_shared.h) computed from a
 * rule set (pure, no I/O): a /8 at a time for a full build (never the
 * whole 64 MB in memory), or the /24s of one changed prefix for an
 * incremental reload; and the change kmaps_apply writes.
 */
#ifndef XDPFW_V4TBL_H
#define XDPFW_V4TBL_H

#include <stddef.h>
#include <stdint.h>

#include "xdpfw_shared.h"

#define V4TBL_CHUNK_BITS 16
#define V4TBL_CHUNK (1u << V4TBL_CHUNK_BITS) /* /24s in a chunk: one /8 */
#define V4TBL_CHUNKS (XDPFW_V4_TBL_ENTRIES / V4TBL_CHUNK)

/* What an entry does to the table: nothing (not a blocking IPv4 entry,
 * or a prefix:port shorter than /16), paints the slots of its /24s (an
 * address prefix <= /24), or sets a flag in its /24s (a host, a /25-/31
 * (TRIE, or a block at a full build), an endpoint, a prefix:port of /16
 * or longer). */
enum v4tbl_kind { V4T_NONE, V4T_PAINT, V4T_HOSTS, V4T_LONG, V4T_EP, V4T_PP };
enum v4tbl_kind v4tbl_kind(const struct xdpfw_rule *r);

/* The flag an entry sets in its /24s (0: none, or it paints slots). */
uint32_t v4tbl_flag(const struct xdpfw_rule *r);

/* The /24s an entry touches: [*first, *first + return value). */
uint32_t v4tbl_span(const struct xdpfw_rule *r, uint32_t *first);

/* The address of an IPv4 rule in host order. */
uint32_t v4tbl_addr(const struct xdpfw_rule *r);

/*
 * The entries of a rule set that touch the table, for a full build, each
 * as what it paints (8 bytes, read in order: a /8's painting never goes
 * back to the rules, whose random reads cost a cache miss each): grouped
 * by /8 (chunk), each group by prefix length ascending, with the prefixes
 * shorter than /8 (which span chunks) in a group of their own.
 */
struct v4t_ent {
	uint32_t key; /* first /24 | prefix length << 24 */
	uint32_t val; /* slot + 1 (an address prefix <= /24), or its flag */
};

/* A /25-/31 address prefix, for the blocks of xdpfw_v4_l2. */
struct v4t_long {
	uint32_t addr; /* host order */
	uint32_t plen;
	uint32_t s1;   /* slot + 1 */
};

struct v4tbl_ix {
	struct v4t_ent *ent;
	uint32_t start[V4TBL_CHUNKS + 2]; /* group c: [start[c], start[c + 1]) */
	struct v4t_long *lng; /* sorted by /24, then length */
	size_t n_lng;
};

/* rules[pos] is in force at slot slots[pos] (slots NULL: at slot pos, as
 * in the slot table). */
int v4tbl_ix_build(struct v4tbl_ix *ix, const struct xdpfw_rule *rules,
		   const uint32_t *slots, size_t n);
/* The same from a slot table of capacity entries read a run at a time:
 * run(ctx, s, &n) gives entries [s, s + n), n >= 1, valid until its next
 * call, or NULL with errno set.  -EAGAIN when the table changed between
 * the two passes. */
typedef const struct xdpfw_rule *(*v4tbl_run_fn)(void *ctx, uint32_t s,
						 uint32_t *n);
int v4tbl_ix_build_runs(struct v4tbl_ix *ix, v4tbl_run_fn run, void *ctx,
			uint32_t capacity);
void v4tbl_ix_free(struct v4tbl_ix *ix);

/* The words of chunk c (V4TBL_CHUNK of them) into out.  A /24 with a
 * /25-/31 has XDPFW_V4T_TRIE: the full build gives it a block if it can. */
void v4tbl_paint(const struct v4tbl_ix *ix, uint32_t chunk, uint32_t *out);

/* The block of /24 idx (xdpfw_v4_l2, 256 entries) into out, base: the
 * /24's slot part (slot + 1 of its longest prefix <= /24, or 0).  Returns
 * the number of /25-/31 prefixes inside (0: every entry is base). */
uint32_t v4tbl_block(const struct v4tbl_ix *ix, uint32_t idx, uint32_t base,
		     uint32_t *out);

/* The /24's word when it points at block b holding entries e (256 of
 * them): XDPFW_V4T_L2, b, and the half bit of each half with a non-zero
 * entry. */
uint32_t v4tbl_l2_word(uint32_t b, const uint32_t *e);

/* The same from lng (n of them, in the order of v4tbl_ix.lng). */
uint32_t v4tbl_block_in(const struct v4t_long *lng, size_t n, uint32_t idx,
			uint32_t base, uint32_t *out);

/* Rule r (a /25-/31 address prefix) at slot as an entry of such a list. */
struct v4t_long v4tbl_long_of(const struct xdpfw_rule *r, uint32_t slot);

/* The list lng (*n entries, in that order) after a change: the gone ones
 * out (each must be in it), the added ones in (none may be); both sorted
 * here.  A new *lng, the old one freed; on error (-EPROTO: the list did
 * not hold the set the change was made from) *lng is unusable, to free. */
int v4tbl_long_merge(struct v4t_long **lng, size_t *n, struct v4t_long *gone,
		     size_t n_gone, struct v4t_long *add, size_t n_add);

/* Slot of the address-only IPv4 entry (addr in host order, prefix plen)
 * in the new set, or UINT32_MAX; or V4TBL_NONE_BELOW when the set has no
 * such entry of length plen or longer inside addr/plen (the walk below
 * stops there). */
#define V4TBL_NONE_BELOW (UINT32_MAX - 1)
typedef uint32_t (*v4tbl_lookup_fn)(const void *ctx, uint32_t addr,
				    uint8_t plen);

/* The slot parts (slot + 1, or 0) of the 2^(24 - plen) /24s of prefix
 * addr/plen (plen <= 24) into out: for each, the longest entry of length
 * <= 24 that covers it.  2^(25 - plen) + plen look-ups. */
void v4tbl_range(v4tbl_lookup_fn fn, const void *ctx, uint32_t addr,
		 uint8_t plen, uint32_t *out);

/*
 * A change for kmaps_apply.  full: rebuild every word from the index
 * (the old words' flags dropped, their slots kept through the change where
 * the new set has none).  Otherwise ops, each on word idx: val with flag
 * bits = flags to OR in; val without = the new slot part.  kmaps_apply
 * ORs the flags in and writes the non-zero slot parts after the key
 * upserts, and the zero slot parts after the key deletes: nothing is
 * loosened before the reload ends.
 */
struct v4t_op {
	uint32_t idx;
	uint32_t val;
};

struct v4tbl_change {
	const struct v4tbl_ix *full;
	/* With full: the table is all zero (maps just created), so only its
	 * non-zero words are written, none read. */
	int fresh;
	struct v4t_op *ops;
	size_t n, cap;
	/* Widened already (kmaps_v4tbl_widen_early): the narrowing half and
	 * the words written, for kmaps_v4tbl_widen to hand over. */
	struct v4tbl_change *early;
	size_t early_writes;
};

/* An op of the narrowing half whose val is the word's new slot part and
 * L2 bit (a block given, or none needed any more): the old word's TRIE
 * and L2 go, its other flags stay. */
#define V4T_OP_SET (1u << 31)

int v4tbl_change_push(struct v4tbl_change *c, uint32_t idx, uint32_t val);
void v4tbl_change_free(struct v4tbl_change *c);

/* Ops for prefix addr/plen (<= /24): its range recomputed. */
int v4tbl_change_range(struct v4tbl_change *c, v4tbl_lookup_fn fn,
		       const void *ctx, uint32_t addr, uint8_t plen);

/* A prefix whose range to recompute: addr (host order) / plen <= 24. */
struct v4t_prefix {
	uint32_t addr;
	uint32_t plen;
};

/* Changed prefixes (any order, duplicates allowed), in place: sorted, the
 * nested ones dropped (their parent's range has them).  Returns the number
 * kept; *words: the /24s they cover. */
size_t v4tbl_ranges_reduce(struct v4t_prefix *v, size_t n, uint64_t *words);

#endif
