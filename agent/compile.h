/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compile rules into what the XDP program looks up (pure, no I/O):
 *   - the kernel keys of each rule, in the lookup maps of shared/xdpfw_shared.h;
 *   - which rule owns a key when two rules produce it;
 *   - the filters in front of the lookups: port bits, the IPv6 flags
 *     table, the hashed bitmaps and the kinds-present flags (the IPv4 /24
 *     table is v4tbl.h's).
 *
 * A port entry without a protocol matches TCP and UDP, so it owns two keys,
 * one per protocol.  "X:53" and "X:53/udp" both produce the UDP key; the
 * protocol-specific entry is the more specific and owns it.
 *
 * An exception ("!ENTRY") has keys of the same shape in the exception tries
 * and only bits in xdpfw_x_bmap: the program looks at them only after a
 * match.
 */
#ifndef XDPFW_COMPILE_H
#define XDPFW_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "ruleidx.h"
#include "xdpfw_shared.h"

enum kmap {
	KMAP_V4,
	KMAP_V6,
	KMAP_V4_LPM,
	KMAP_V6_LPM,
	KMAP_V4_PORT,
	KMAP_V6_PORT,
	KMAP_V4_PLPM,
	KMAP_V6_PLPM,
	KMAP_V4_XCPT, /* exceptions: port + prefix keys, port 0 = none */
	KMAP_V6_XCPT,
	KMAP_N
};

#define KKEY_MAX 24

/* A key of one of the lookup maps: filled and read through the structs
 * of shared/xdpfw_shared.h (their layout is asserted there), never at
 * byte offsets of its own. */
struct kkey {
	uint8_t map;   /* enum kmap */
	uint8_t proto; /* protocol of a port key, else 0 */
	uint8_t pad[2];
	union {
		uint8_t b[KKEY_MAX]; /* the key bytes; unused tail zero */
		struct xdpfw_v4_key v4;
		struct xdpfw_v6_key v6;
		struct xdpfw_v4_lpm_key v4_lpm;
		struct xdpfw_v6_lpm_key v6_lpm;
		struct xdpfw_v4_port_key v4_port;
		struct xdpfw_v6_port_key v6_port;
		struct xdpfw_v4_plpm_key v4_plpm;
		struct xdpfw_v6_plpm_key v6_plpm;
	};
};
_Static_assert(sizeof(struct xdpfw_v6_plpm_key) == KKEY_MAX,
	       "KKEY_MAX is the largest key");

extern const uint8_t kmap_key_size[KMAP_N];

/* A key of map m as the kernel holds it (kmap_key_size[m] bytes). */
void kkey_from_bytes(struct kkey *k, enum kmap m, const void *bytes);

/* The rule a key of map k->map stands for (its protocol as the key has
 * it; an exception's flags XDPFW_RULE_EXCEPT, protected kinds left out).
 * rule_kkeys() of a rule of a set gives k back for its key. */
void kkey_rule(const struct kkey *k, struct xdpfw_rule *r);

/* The keys of a rule (1, or 2 for a port entry of any protocol). */
int rule_kkeys(const struct xdpfw_rule *r, struct kkey out[2]);

/* Slot of the rule equal to *r in some set of rules, or RULEIDX_NONE. */
typedef uint32_t (*slot_lookup_fn)(const void *set,
				   const struct xdpfw_rule *r);

/* Slot of the rule in set that owns key k of rule r (k from rule_kkeys(r)),
 * or RULEIDX_NONE when no rule of the set produces that key. */
uint32_t kkey_owner(slot_lookup_fn lookup, const void *set,
		    const struct xdpfw_rule *r, const struct kkey *k);

/* The filters (u64 words), in the order of struct filters' words. */
enum fmap {
	FMAP_PORTS,     /* xdpfw_ports */
	FMAP_PP,        /* xdpfw_pp_bmap */
	FMAP_X,         /* xdpfw_x_bmap */
	FMAP_V6F,       /* xdpfw_v6_flags (bytes, 8 to a word) */
	FMAP_N
};

extern const uint32_t fmap_words[FMAP_N];

/*
 * Filters computed from a rule set.  Built from the whole set they replace
 * the kernel's bitmaps; with widen_only they hold only the bits of added
 * rules, to be OR-ed in: a stale bit of a removed rule costs a needless
 * lookup, never a wrong verdict, and the next full build clears it.
 * flags are always those of the whole set.  The words are a block of
 * filters_words_total() (9.2 MB: filters_use, filters_alloc), or, with
 * in_place, the kernel's bitmaps themselves, whose bits filters_add sets
 * at once (widening, or the first build into bitmaps just created):
 * nothing to copy then.
 */
struct filters {
	uint32_t flags; /* XDPFW_F_* */
	int widen_only;
	int in_place;
	uint64_t *w[FMAP_N]; /* the words of each bitmap */
	uint64_t *own;       /* what filters_alloc allocated */
};

size_t filters_words_total(void);
/* The words are those of block (zeroed here); flags 0. */
void filters_use(struct filters *f, uint64_t *block);
/* Zeroed words of f's own (filters_free).  0 or -ENOMEM. */
int filters_alloc(struct filters *f);
/* The words are those of words[m] (in_place); flags 0. */
void filters_in_place(struct filters *f, uint64_t *const words[FMAP_N]);
void filters_free(struct filters *f); /* what filters_alloc allocated */

/* The words of bitmap m in f. */
uint64_t *filters_words(struct filters *f, enum fmap m);

void filters_add(struct filters *f, const struct xdpfw_rule *r);
/* f's words (filters_use, filters_alloc) and flags cleared, then every
 * rule in use of a slot table of n entries added: the filters the kernel
 * must hold at least (audit, verify). */
void filters_from_table(struct filters *f, const struct xdpfw_rule *table,
			uint32_t n);

/* The XDPFW_F_* kinds a rule makes present. */
uint32_t rule_flags(const struct xdpfw_rule *r);

int kkey_cmp(const struct kkey *a, const struct kkey *b);

#endif
