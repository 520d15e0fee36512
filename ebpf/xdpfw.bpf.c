// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpfw datapath: drop ingress packets whose source endpoint is on the
 * blocklist, count each drop under exactly one rule (the most specific).
 *
 * Order of lookups, most specific first (docs/DESIGN.md):
 *   1. port entries (only when the packet carries its TCP/UDP header):
 *      exact address (open addressing table, its hash only for the few
 *      keys that overflowed), then the (port, proto, prefix) trie;
 *   2. address entries: exact address (the same), then the prefix trie.
 * Only a packet that some entry matched looks at the exceptions (the
 * exception tries, with its port first, then without): an exception that
 * matches passes the packet and counts it.  Misses never pay for them.
 * Every lookup whose kind of entry is absent is skipped (xdpfw_cfg.flags),
 * and every lookup sits behind a one-probe filter that is an inlined array
 * read: for IPv4 the source's word of the /24 table, read first, whose
 * flags say which lookups can match and whose slot answers every prefix
 * of /24 or shorter by itself (a /24 holding a /25-/31: its block of the
 * second level, one more array read); for IPv6 the flags byte of its /48
 * (and /32), whose flags say the same, then a hashed bitmap for
 * prefix:port; source-port bits for short-prefix port entries.  So the
 * common miss costs one to a few array reads and no helper call.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdpfw_shared.h"
#include "maps.bpf.h"
#include "parse.bpf.h"

/* A u64 that may alias any type: IPv6 addresses, stored as bytes or u32
 * words, are read and copied as two u64 (8-byte aligned).  Through a plain
 * __u64 pointer that would break strict aliasing. */
typedef __u64 __attribute__((may_alias)) u64_alias;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpfw_cfg);
} XDPFW_MAP_CFG SEC(".maps");

#define XDPFW_TRIE(name, key_t)                            \
	struct {                                           \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);       \
		__uint(map_flags, BPF_F_NO_PREALLOC);      \
		__uint(max_entries, XDPFW_BPF_DEFAULT_ENTRIES); \
		__type(key, key_t);                        \
		__type(value, xdpfw_slot_t);               \
	} name SEC(".maps")

/* The exact keys that overflowed their open addressing table, at full
 * length (layout 10: tries, no bucket array for keys that never come). */
XDPFW_TRIE(XDPFW_MAP_V4, struct xdpfw_v4_key);
XDPFW_TRIE(XDPFW_MAP_V6, struct xdpfw_v6_key);
XDPFW_TRIE(XDPFW_MAP_V4_LPM, struct xdpfw_v4_lpm_key);
XDPFW_TRIE(XDPFW_MAP_V6_LPM, struct xdpfw_v6_lpm_key);
XDPFW_TRIE(XDPFW_MAP_V4_PORT, struct xdpfw_v4_port_key);
XDPFW_TRIE(XDPFW_MAP_V6_PORT, struct xdpfw_v6_port_key);
XDPFW_TRIE(XDPFW_MAP_V4_PLPM, struct xdpfw_v4_plpm_key);
XDPFW_TRIE(XDPFW_MAP_V6_PLPM, struct xdpfw_v6_plpm_key);
/* Exceptions: the port + prefix key, port = proto = 0 without a port. */
XDPFW_TRIE(XDPFW_MAP_V4_XCPT, struct xdpfw_v4_plpm_key);
XDPFW_TRIE(XDPFW_MAP_V6_XCPT, struct xdpfw_v6_plpm_key);

XDPFW_V4_TBL_MAP(XDPFW_MAP_V4_TBL);

/* The /24 table's second level; the loader sets its size (blocks). */
XDPFW_MMAP_ARRAY_N(XDPFW_MAP_V4_L2, struct xdpfw_v4_l2_blk, 64);

#define XDPFW_HASHED_BITMAP(name, log) \
	XDPFW_MMAP_ARRAY_N(name, __u64, XDPFW_BITMAP_WORDS(log))

XDPFW_HASHED_BITMAP(XDPFW_MAP_PP_BITMAP, XDPFW_PP_BITMAP_LOG);
XDPFW_HASHED_BITMAP(XDPFW_MAP_X_BITMAP, XDPFW_X_BITMAP_LOG);

/*
 * The two filters every miss may read are global data (layout 9): arrays
 * that libbpf makes an internal map each (user space pins and maps them
 * as the others: loader.c, kmaps.c).  A read is an address and a load: no
 * lookup, no key on the stack, no bounds branch (the index is bounded by
 * its shift).  xdpfw_v6_flags alone fills .bss (4 MiB, the most one map
 * value takes on 6.1 kernels: nothing else may go there); xdpfw_ports has
 * a data section of its own (zeros in the object).  Non-static: libbpf
 * makes the maps mmapable only then.
 */
__u64 XDPFW_MAP_V6F[XDPFW_V6F_WORDS];
__u64 XDPFW_MAP_PORTS[XDPFW_PORTS_WORDS] SEC(XDPFW_SEC_PORTS);

/* Open addressing tables for exact keys (xdpfw_shared.h); the loader
 * sizes them to a power of two and sets the masks. */
XDPFW_OA_TABLES();
const volatile __u32 xdpfw_oa_mask = XDPFW_BPF_DEFAULT_ENTRIES - 1;
const volatile __u32 xdpfw_oa6_mask = XDPFW_BPF_DEFAULT_ENTRIES - 1;
const volatile __u32 xdpfw_oa6c_mask = XDPFW_BPF_DEFAULT_ENTRIES - 1;

/* The slot table: the program reads a rule's prefix length; it lives here
 * so it is created, sized and pinned with the others. */
XDPFW_MMAP_ARRAY(XDPFW_MAP_RULES, struct xdpfw_rule);

/* Per-rule counters, one per (CPU, slot): index cpu * max_rules + slot.
 * The loader sizes the map to ncpus * max_rules and sets these two. */
const volatile __u32 xdpfw_max_rules = XDPFW_BPF_DEFAULT_ENTRIES;
const volatile __u32 xdpfw_ncpus = 1;

/* Mmapable so that user space sums a million slots as a memory scan, a
 * window at a time (kmaps_read.c), not an element-by-element batch copy. */
XDPFW_MMAP_ARRAY(XDPFW_MAP_RSTATS, struct xdpfw_counter);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPFW_TOTAL_MAX);
	__type(key, __u32);
	__type(value, struct xdpfw_counter);
} XDPFW_MAP_TOTALS SEC(".maps");

/* Counts carried over by a migration; only user space touches them. */
XDPFW_MMAP_ARRAY(XDPFW_MAP_RBASE, struct xdpfw_counter);

XDPFW_MMAP_ARRAY_N(XDPFW_MAP_TBASE, struct xdpfw_counter, XDPFW_TOTAL_MAX);

static __always_inline void count(void *map, __u32 idx, __u64 bytes)
{
	struct xdpfw_counter *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline int port_marked(__be16 sport, __u32 bit)
{
	__u32 port = bpf_ntohs(sport);

	return (XDPFW_MAP_PORTS[port >> 4] >> ((port & 15) * XDPFW_PORT_BITS)) &
	       bit;
}

/* The bit of hash h in a hashed bitmap of 2^log bits. */
static __always_inline int hashed_bit(void *map, __u32 h, __u32 log)
{
	__u32 idx = h >> (32 - log);
	__u32 word = idx >> 6;
	__u64 *bits = bpf_map_lookup_elem(map, &word);

	return bits && ((*bits >> (idx & 63)) & 1);
}

/*
 * Slot + 1 of key in an open addressing table, or 0; *ovf: the key's home
 * entry says some key of that home overflowed into the overflow trie.  The
 * state is loaded before the key, each exactly once (the writer's order,
 * DESIGN.md).
 */
static __always_inline __u32 oa_lookup(void *map, __u64 key, int *ovf)
{
	__u32 home = xdpfw_oa_hash(key) & xdpfw_oa_mask;

	*ovf = 0;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < XDPFW_OA_PROBES; i++) {
		__u32 idx = (home + i) & xdpfw_oa_mask;
		struct xdpfw_oa_ent *e = bpf_map_lookup_elem(map, &idx);
		__u32 st;

		if (!e)
			return 0;
		st = *(volatile __u32 *)&e->state;
		if (i == 0)
			*ovf = !!(st & XDPFW_OA_OVF);
		st = XDPFW_OA_STATE(st);
		if (!st)
			return 0;
		if (st != XDPFW_OA_TOMB && *(volatile __u64 *)&e->key == key)
			return st;
	}
	return 0;
}

/* The same for an IPv6 key: address a (8-byte aligned), tail
 * (xdpfw_oa6_tail or xdpfw_oa6_ctail), in a table of mask + 1 entries.
 * The address is compared as two u64 (an entry is 8-byte aligned: array
 * values are). */
static __always_inline __u32 oa6_lookup(void *map, __u32 mask, const __u32 *a,
					__u32 tail, int *ovf)
{
	__u32 home = xdpfw_oa6_hash(a, tail) & mask;
	__u64 a01 = ((const u64_alias *)a)[0], a23 = ((const u64_alias *)a)[1];

	*ovf = 0;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < XDPFW_OA_PROBES; i++) {
		__u32 idx = (home + i) & mask;
		struct xdpfw_oa6_ent *e = bpf_map_lookup_elem(map, &idx);
		const volatile u64_alias *k;
		__u32 st;

		if (!e)
			return 0;
		st = *(volatile __u32 *)&e->state;
		if (i == 0)
			*ovf = !!(st & XDPFW_OA_OVF);
		st = XDPFW_OA_STATE(st);
		if (!st)
			return 0;
		k = (const volatile u64_alias *)e->addr;
		if (st != XDPFW_OA_TOMB && *(volatile __u32 *)&e->tail == tail &&
		    k[0] == a01 && k[1] == a23)
			return st;
	}
	return 0;
}

/* Slot + 1 of key (full length) in the trie of the keys that overflowed
 * their open addressing table, or 0.  The callers make the key only on
 * overflow: it is some 50 instructions for an IPv6 one, for nothing on
 * every hit. */
static __always_inline __u32 ovf_slot(void *trie, const void *key)
{
	xdpfw_slot_t *slot = bpf_map_lookup_elem(trie, key);

	return slot ? *slot + 1 : 0;
}

/* The IPv4 source's word of xdpfw_v4_tbl (xdpfw_shared.h). */
static __always_inline __u32 v4_word(const struct xdpfw_pkt *p)
{
	__u32 h = bpf_ntohl(p->saddr.v4);
	__u32 idx = h >> 9;
	struct xdpfw_v4t_pair *tp = bpf_map_lookup_elem(&XDPFW_MAP_V4_TBL, &idx);

	return tp ? *(volatile __u32 *)&tp->w[(h >> 8) & 1] : 0;
}

/* Slot + 1 of the IPv4 port entry matching p (t: its /24's word), or 0. */
static __always_inline __u32 match_v4_port(__u32 flags, __u32 t,
					   const struct xdpfw_pkt *p)
{
	xdpfw_slot_t *slot;
	__u32 s1;

	if ((t & XDPFW_V4T_EP) && (flags & XDPFW_F_V4_PORT_EXACT)) {
		int ovf;

		s1 = oa_lookup(&XDPFW_MAP_V4P_OA,
			       xdpfw_oa_key4p(p->sport, p->l4proto, p->saddr.v4),
			       &ovf);
		if (!s1 && ovf) {
			struct xdpfw_v4_port_key k = {
				.prefixlen = XDPFW_V4P_KEY_PLEN,
				.port = p->sport,
				.proto = p->l4proto,
				.pad = 0,
				.addr = p->saddr.v4,
			};
			s1 = ovf_slot(&XDPFW_MAP_V4_PORT, &k);
		}
		if (s1)
			return s1;
	}
	if ((flags & XDPFW_F_V4_PORT_PREFIX) &&
	    ((t & XDPFW_V4T_PP) ||
	     ((flags & XDPFW_F_V4_PORT_SHORT) &&
	      port_marked(p->sport, p->l4proto == IPPROTO_TCP ?
					    XDPFW_PORT_V4_TCP :
					    XDPFW_PORT_V4_UDP)))) {
		struct xdpfw_v4_plpm_key k = {
			.prefixlen = XDPFW_V4P_KEY_PLEN,
			.port = p->sport,
			.proto = p->l4proto,
			.pad = 0,
			.addr = p->saddr.v4,
		};
		slot = bpf_map_lookup_elem(&XDPFW_MAP_V4_PLPM, &k);
		if (slot)
			return *slot + 1;
	}
	return 0;
}

/* Slot + 1 of the most specific entry matching an IPv4 packet, or 0: one
 * read of the source's /24 word says which lookups can match. */
static __always_inline __u32 match_v4(__u32 flags, const struct xdpfw_pkt *p)
{
	xdpfw_slot_t *slot;
	__u32 t = v4_word(p), s1;

	if (p->has_l4 && (flags & XDPFW_F_V4_PORT)) {
		s1 = match_v4_port(flags, t, p);
		if (s1)
			return s1;
	}
	if (t & XDPFW_V4T_HOSTS) {
		int ovf;

		s1 = oa_lookup(&XDPFW_MAP_V4_OA, xdpfw_oa_key4(p->saddr.v4), &ovf);
		if (!s1 && ovf) {
			struct xdpfw_v4_key k = {
				.prefixlen = XDPFW_V4_KEY_PLEN,
				.addr = p->saddr.v4,
			};

			s1 = ovf_slot(&XDPFW_MAP_V4, &k);
		}
		if (s1)
			return s1;
	}
	if (t & XDPFW_V4T_TRIE) {
		struct xdpfw_v4_lpm_key k = {
			.prefixlen = XDPFW_V4_KEY_PLEN,
			.addr = p->saddr.v4,
		};
		slot = bpf_map_lookup_elem(&XDPFW_MAP_V4_LPM, &k);
		return slot ? *slot + 1 : 0;
	}
	if (t & XDPFW_V4T_L2) {
		__u32 h = bpf_ntohl(p->saddr.v4), blk = t & XDPFW_V4T_L2_BLK;
		struct xdpfw_v4_l2_blk *b;

		if (!(t & (XDPFW_V4T_L2_LO << ((h >> 7) & 1))))
			return 0; /* that half of the block is all 0 */
		b = bpf_map_lookup_elem(&XDPFW_MAP_V4_L2, &blk);
		return b ? *(volatile __u32 *)&b->e[h & 255] : 0;
	}
	return t & XDPFW_V4T_SLOT;
}

/* Slot + 1 of the prefix of length plen (32, 48, 56, 64) covering a in
 * xdpfw_v6c_oa, or 0; *ovf |= its home's overflow mark. */
static __always_inline __u32 v6_class(const __u32 *a, __u32 plen, int *ovf)
{
	__u32 k[4] __attribute__((aligned(8)));
	int o;
	__u32 s1;

	xdpfw_v6_class_cut(a, plen, k);
	s1 = oa6_lookup(&XDPFW_MAP_V6C_OA, xdpfw_oa6c_mask, k,
			xdpfw_oa6_ctail(plen), &o);
	*ovf |= o;
	return s1;
}

/* The prefix length of the rule in slot s1 - 1 (0: none). */
static __always_inline __u32 slot_plen(__u32 s1)
{
	__u32 idx = s1 - 1;
	struct xdpfw_rule *r = bpf_map_lookup_elem(&XDPFW_MAP_RULES, &idx);

	return r ? r->prefixlen : 0;
}

/*
 * Slot + 1 of the longest address-only IPv6 prefix covering a, or 0 (f:
 * the source's flags byte).  The classes (/64, /56, /48, /32) in
 * xdpfw_v6c_oa, longest first where f has the class flag: the first hit is
 * the longest prefix the table holds.  The trie holds the rest: asked only
 * when a prefix shorter than /32 exists, when one of another length may
 * cover a (the ODD flag), or when a probe up to the hit saw an overflow
 * mark; then the longer answer wins.  (A trie lookup is a helper call:
 * 3-4x a probe.)
 */
static __always_inline __u32 prefix_v6(__u32 flags, __u32 f, const __u32 *a,
				       const struct xdpfw_pkt *p)
{
	int ovf = 0;
	__u32 s1 = 0, ts;
	xdpfw_slot_t *slot;

	if (f & XDPFW_V6F_C64)
		s1 = v6_class(a, 64, &ovf);
	if (!s1 && (f & XDPFW_V6F_C56))
		s1 = v6_class(a, 56, &ovf);
	if (!s1 && (f & XDPFW_V6F_C48))
		s1 = v6_class(a, 48, &ovf);
	if (!s1 && (f & XDPFW_V6F_C32))
		s1 = v6_class(a, 32, &ovf);
	if (!ovf && !(flags & XDPFW_F_V6_PREFIX_WILD) &&
	    !((flags & XDPFW_F_V6_ODD) && (f & XDPFW_V6F_ODD)))
		return s1;
	{
		struct xdpfw_v6_lpm_key k = { .prefixlen = XDPFW_V6_KEY_PLEN };

		__builtin_memcpy(k.addr, p->saddr.v6, 16);
		slot = bpf_map_lookup_elem(&XDPFW_MAP_V6_LPM, &k);
	}
	if (!slot)
		return s1;
	ts = *slot + 1;
	return !s1 || slot_plen(ts) > slot_plen(s1) ? ts : s1;
}

/* The byte of hash h in xdpfw_v6_flags. */
static __always_inline __u32 v6_flag_byte(__u32 h)
{
	__u32 idx = h >> (32 - XDPFW_V6F_LOG);

	return (__u32)(XDPFW_MAP_V6F[idx >> 3] >> ((idx & 7) * 8)) & 0xff;
}

/* The flags (XDPFW_V6F_*) of every IPv6 entry of /32 or longer that may
 * match a: the /48 byte, and the /32 byte (bits 8-15) when entries of /32
 * to /47 exist.  0: none can. */
static __always_inline __u32 v6_flags(__u32 flags, const __u32 *a)
{
	__u32 f = v6_flag_byte(xdpfw_v6s_hash(a, 48));

	if (flags & XDPFW_F_V6_SUM32)
		f |= v6_flag_byte(xdpfw_v6s_hash(a, 32)) << 8;
	return f;
}

/* Slot + 1 of the IPv6 port entry matching p (f: its flags), or 0. */
static __always_inline __u32 match_v6_port(__u32 flags, __u32 f,
					   int short_port,
					   const struct xdpfw_pkt *p)
{
	const __u32 *a = (const __u32 *)p->saddr.v6;
	xdpfw_slot_t *slot;
	__u32 s1;

	if ((f & (p->l4proto == IPPROTO_TCP ? XDPFW_V6F_EP_TCP :
					      XDPFW_V6F_EP_UDP)) &&
	    (flags & XDPFW_F_V6_PORT_EXACT)) {
		int ovf;

		s1 = oa6_lookup(&XDPFW_MAP_V6P_OA, xdpfw_oa6_mask, a,
				xdpfw_oa6_tail(p->sport, p->l4proto), &ovf);
		if (!s1 && ovf) {
			struct xdpfw_v6_port_key k = {
				.prefixlen = XDPFW_V6P_KEY_PLEN,
				.port = p->sport,
				.proto = p->l4proto,
				.pad = 0,
			};
			__builtin_memcpy(k.addr, p->saddr.v6, 16);
			s1 = ovf_slot(&XDPFW_MAP_V6_PORT, &k);
		}
		if (s1)
			return s1;
	}
	if ((flags & XDPFW_F_V6_PORT_PREFIX) &&
	    (short_port ||
	     ((f & XDPFW_V6F_PP) &&
	      hashed_bit(&XDPFW_MAP_PP_BITMAP,
			 xdpfw_pp_hash6(xdpfw_port_word(bpf_ntohs(p->sport),
							p->l4proto,
							XDPFW_FAMILY_V6),
					a[0]),
			 XDPFW_PP_BITMAP_LOG)))) {
		struct xdpfw_v6_plpm_key k = {
			.prefixlen = XDPFW_V6P_KEY_PLEN,
			.port = p->sport,
			.proto = p->l4proto,
			.pad = 0,
		};
		__builtin_memcpy(k.addr, p->saddr.v6, 16);
		slot = bpf_map_lookup_elem(&XDPFW_MAP_V6_PLPM, &k);
		if (slot)
			return *slot + 1;
	}
	return 0;
}

/* Slot + 1 of the most specific entry matching an IPv6 packet, or 0: one
 * or two flag bytes say which lookups can match. */
static __always_inline __u32 match_v6(__u32 flags, const struct xdpfw_pkt *p)
{
	const __u32 *a = (const __u32 *)p->saddr.v6;
	__u32 f = v6_flags(flags, a), s1;

	/* A prefix:port entry shorter than /32 may match by port alone. */
	int short_port = p->has_l4 && (flags & XDPFW_F_V6_PORT_SHORT) &&
			 port_marked(p->sport, p->l4proto == IPPROTO_TCP ?
						       XDPFW_PORT_V6_TCP :
						       XDPFW_PORT_V6_UDP);

	if (p->has_l4 && (flags & XDPFW_F_V6_PORT) &&
	    ((f & (XDPFW_V6F_EP | XDPFW_V6F_PP)) || short_port)) {
		s1 = match_v6_port(flags, f, short_port, p);
		if (s1)
			return s1;
	}
	if ((f & XDPFW_V6F_EXACT) && (flags & XDPFW_F_V6_EXACT)) {
		int ovf;

		s1 = oa6_lookup(&XDPFW_MAP_V6_OA, xdpfw_oa6_mask, a,
				xdpfw_oa6_tail(0, 0), &ovf);
		if (!s1 && ovf) {
			struct xdpfw_v6_key k = {
				.prefixlen = XDPFW_V6_KEY_PLEN,
			};

			__builtin_memcpy(k.addr, p->saddr.v6, 16);
			s1 = ovf_slot(&XDPFW_MAP_V6, &k);
		}
		if (s1)
			return s1;
	}
	if ((flags & XDPFW_F_V6_PREFIX) &&
	    ((f & XDPFW_V6F_PREFIX) || (flags & XDPFW_F_V6_PREFIX_WILD)))
		return prefix_v6(flags, f, a, p);
	return 0;
}

/* The exception that saves a packet a blocking entry matched, or NULL:
 * with the packet's port first (more specific), then without a port. */
static __always_inline xdpfw_slot_t *except_v4(__u32 flags,
						const struct xdpfw_pkt *p)
{
	struct xdpfw_v4_plpm_key k = {
		.prefixlen = XDPFW_V4P_KEY_PLEN,
		.addr = p->saddr.v4,
	};
	xdpfw_slot_t *slot;

	if (!(flags & XDPFW_F_V4_XCPT_WILD) &&
	    !hashed_bit(&XDPFW_MAP_X_BITMAP, xdpfw_x4_hash(p->saddr.v4, 24),
			XDPFW_X_BITMAP_LOG) &&
	    !hashed_bit(&XDPFW_MAP_X_BITMAP, xdpfw_x4_hash(p->saddr.v4, 16),
			XDPFW_X_BITMAP_LOG))
		return NULL;
	if (p->has_l4 && (flags & XDPFW_F_V4_XCPT_PORT)) {
		k.port = p->sport;
		k.proto = p->l4proto;
		slot = bpf_map_lookup_elem(&XDPFW_MAP_V4_XCPT, &k);
		if (slot)
			return slot;
		k.port = 0;
		k.proto = 0;
	}
	if (flags & XDPFW_F_V4_XCPT_ADDR)
		return bpf_map_lookup_elem(&XDPFW_MAP_V4_XCPT, &k);
	return NULL;
}

static __always_inline xdpfw_slot_t *except_v6(__u32 flags,
						const struct xdpfw_pkt *p)
{
	struct xdpfw_v6_plpm_key k = {
		.prefixlen = XDPFW_V6P_KEY_PLEN,
	};
	const __u32 *a = (const __u32 *)p->saddr.v6;
	xdpfw_slot_t *slot;

	if (!(flags & XDPFW_F_V6_XCPT_WILD) &&
	    !hashed_bit(&XDPFW_MAP_X_BITMAP, xdpfw_v6_hash(a, 64),
			XDPFW_X_BITMAP_LOG) &&
	    !hashed_bit(&XDPFW_MAP_X_BITMAP, xdpfw_v6_hash(a, 48),
			XDPFW_X_BITMAP_LOG) &&
	    !hashed_bit(&XDPFW_MAP_X_BITMAP, xdpfw_v6_hash(a, 32),
			XDPFW_X_BITMAP_LOG))
		return NULL;
	__builtin_memcpy(k.addr, p->saddr.v6, 16);
	if (p->has_l4 && (flags & XDPFW_F_V6_XCPT_PORT)) {
		k.port = p->sport;
		k.proto = p->l4proto;
		slot = bpf_map_lookup_elem(&XDPFW_MAP_V6_XCPT, &k);
		if (slot)
			return slot;
		k.port = 0;
		k.proto = 0;
	}
	if (flags & XDPFW_F_V6_XCPT_ADDR)
		return bpf_map_lookup_elem(&XDPFW_MAP_V6_XCPT, &k);
	return NULL;
}

static __always_inline void count_rule(xdpfw_slot_t slot, __u64 bytes)
{
	__u32 cpu = bpf_get_smp_processor_id();

	if (cpu < xdpfw_ncpus && slot < xdpfw_max_rules)
		count(&XDPFW_MAP_RSTATS, cpu * xdpfw_max_rules + slot, bytes);
}

SEC("xdp")
int xdpfw_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct xdpfw_pkt p = {};
	xdpfw_slot_t *saved = NULL;
	__u32 hit = 0; /* slot + 1 of the matching entry */
	struct xdpfw_cfg *cfg;
	__u32 zero = 0;

#ifdef XDPFW_TEST_VARIANT
	/* Test-only build: a different program (other instructions, same
	 * maps and behaviour) for the upgrade tests.  Never true: a frame
	 * that reached XDP has at least an Ethernet header or is empty. */
	if (bytes == 1)
		return XDP_ABORTED;
#endif
	xdpfw_parse(data, data_end, &p);

	cfg = bpf_map_lookup_elem(&XDPFW_MAP_CFG, &zero);
	if (cfg && cfg->flags) {
		__u32 flags = cfg->flags;

		if (p.family == XDPFW_FAMILY_V4) {
			hit = match_v4(flags, &p);
			if (hit && (flags & XDPFW_F_V4_XCPT))
				saved = except_v4(flags, &p);
		} else if (p.family == XDPFW_FAMILY_V6) {
			hit = match_v6(flags, &p);
			if (hit && (flags & XDPFW_F_V6_XCPT))
				saved = except_v6(flags, &p);
		}
	}

	if (saved) {
		count_rule(*saved, bytes);
	} else if (hit) {
		count_rule(hit - 1, bytes);
		count(&XDPFW_MAP_TOTALS, XDPFW_T_DROPPED, bytes);
		return XDP_DROP;
	}
	if (p.reason)
		count(&XDPFW_MAP_TOTALS, p.reason, bytes);
	count(&XDPFW_MAP_TOTALS, XDPFW_T_PASSED, bytes);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
