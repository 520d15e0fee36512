/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every type that crosses the kernel/user line, and the names of the maps.
 *
 * Compiled by clang -target bpf (ebpf/) and by gcc (agent/, test/).  Only
 * fixed-width types; every hole is an explicit, named padding field that the
 * writer zeroes; the _Static_asserts below pin sizes and offsets so that the
 * seed's bug (a 6-byte key padded to 8 bytes with garbage) cannot come back.
 */
#ifndef XDPFW_SHARED_H
#define XDPFW_SHARED_H

#include <linux/types.h>

#ifndef __cplusplus
#define XDPFW_ASSERT_LAYOUT(type, size) \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")
#define XDPFW_ASSERT_OFFSET(type, field, off)                        \
	_Static_assert(__builtin_offsetof(type, field) == (off), \
		       #type "." #field " must be at offset " #off)
#endif

/* Version of the pinned layout below; a change bumps it (docs/DESIGN.md). */
#define XDPFW_LAYOUT_VERSION 10
/* The oldest layout whose slot table (struct xdpfw_rule) and counter maps
 * (xdpfw_rstats, xdpfw_rbase, xdpfw_totals, xdpfw_tbase) read as this
 * one's: an upgrade from it carries the counts over.  A change to any of
 * those raises it to the new layout. */
#define XDPFW_COUNTERS_SINCE_LAYOUT 9

/*
 * Map names.  They double as pin names under <pin_dir>/maps-v<N>/, so user
 * space finds each map by the name the BPF side declares.  At most 15 chars.
 * Two filters are global data since layout 9 (xdpfw_ports, xdpfw_v6_flags):
 * arrays the program reads by address (no lookup, no bounds branch), which
 * libbpf makes internal maps named after their ELF sections (XDPFW_SEC_*);
 * they are pinned under their XDPFW_MAP_* names all the same (agent/pins.c).
 */
#define XDPFW_MAP_CFG       xdpfw_cfg      /* [1] struct xdpfw_cfg */
#define XDPFW_MAP_V4        xdpfw_v4       /* trie: v4 /32 overflow, no port */
#define XDPFW_MAP_V6        xdpfw_v6       /* trie: v6 /128 overflow, no port */
#define XDPFW_MAP_V4_LPM    xdpfw_v4_lpm   /* trie: v4 prefix, no port */
#define XDPFW_MAP_V6_LPM    xdpfw_v6_lpm   /* trie: v6 prefix, no port */
#define XDPFW_MAP_V4_PORT   xdpfw_v4_port  /* trie: v4 /32 + port overflow */
#define XDPFW_MAP_V6_PORT   xdpfw_v6_port  /* trie: v6 /128 + port overflow */
#define XDPFW_MAP_V4_PLPM   xdpfw_v4_plpm  /* trie: port + v4 prefix */
#define XDPFW_MAP_V6_PLPM   xdpfw_v6_plpm  /* trie: port + v6 prefix */
#define XDPFW_MAP_PORTS     xdpfw_ports    /* global [4096] u64: port filter bits */
#define XDPFW_MAP_RULES     xdpfw_rules    /* [max_rules] slot -> rule */
#define XDPFW_MAP_RSTATS    xdpfw_rstats   /* [ncpus * max_rules] counters */
#define XDPFW_MAP_TOTALS    xdpfw_totals   /* percpu [XDPFW_TOTAL_MAX] */
#define XDPFW_MAP_RBASE     xdpfw_rbase    /* [max_rules] carried-over counts */
#define XDPFW_MAP_PP_BITMAP xdpfw_pp_bmap  /* hashed bits: prefix:port */
#define XDPFW_MAP_TBASE     xdpfw_tbase    /* [XDPFW_TOTAL_MAX] carried over */
#define XDPFW_MAP_V4_XCPT   xdpfw_v4_xcpt  /* trie: v4 exceptions */
#define XDPFW_MAP_V6_XCPT   xdpfw_v6_xcpt  /* trie: v6 exceptions */
#define XDPFW_MAP_X_BITMAP  xdpfw_x_bmap   /* hashed bits: exceptions */
#define XDPFW_MAP_V6F       xdpfw_v6_flags /* global hashed bytes: IPv6 flags */
#define XDPFW_MAP_V4_OA     xdpfw_v4_oa    /* open addressing: v4 /32 */
#define XDPFW_MAP_V4P_OA    xdpfw_v4p_oa   /* open addressing: v4 /32 + port */
#define XDPFW_MAP_V6_OA     xdpfw_v6_oa    /* open addressing: v6 /128 */
#define XDPFW_MAP_V6P_OA    xdpfw_v6p_oa   /* open addressing: v6 /128 + port */
#define XDPFW_MAP_V6C_OA    xdpfw_v6c_oa   /* open addressing: v6 /32 /48 /56 /64 */
#define XDPFW_MAP_V4_TBL    xdpfw_v4_tbl   /* [2^24] u32: per /24 slot + flags */
#define XDPFW_MAP_V4_L2     xdpfw_v4_l2    /* blocks of 256 u32: a /24's addresses */

/* Their sections.  (Debian 12's bpftool cannot read .bss.<x> ones: the
 * flags fill .bss, the ports a .data.<x> section.) */
#define XDPFW_SEC_PORTS ".data.ports"
#define XDPFW_SEC_V6F   ".bss"

#define XDPFW_STR_(x) #x
#define XDPFW_STR(x) XDPFW_STR_(x)

/* xdpfw_cfg.flags: which kinds of entry the rule set has right now.  The
 * program skips every lookup whose kind is absent. */
enum {
	XDPFW_F_V4_EXACT = 1u << 0,
	XDPFW_F_V4_PREFIX = 1u << 1,
	XDPFW_F_V4_PORT_EXACT = 1u << 2,
	XDPFW_F_V4_PORT_PREFIX = 1u << 3,
	XDPFW_F_V6_EXACT = 1u << 4,
	XDPFW_F_V6_PREFIX = 1u << 5,
	XDPFW_F_V6_PORT_EXACT = 1u << 6,
	XDPFW_F_V6_PORT_PREFIX = 1u << 7,
	/* An address-only IPv6 prefix shorter than /32: the IPv6 prefix
	 * filter cannot rule it out, always look in the trie. */
	XDPFW_F_V6_PREFIX_WILD = 1u << 8,
	/* Exceptions ("!ENTRY"), looked up only once a blocking entry
	 * matched: without a port, with a port. */
	XDPFW_F_V4_XCPT_ADDR = 1u << 9,
	XDPFW_F_V4_XCPT_PORT = 1u << 10,
	XDPFW_F_V6_XCPT_ADDR = 1u << 11,
	XDPFW_F_V6_XCPT_PORT = 1u << 12,
	/* An exception shorter than the shortest class of xdpfw_x_bmap
	 * (IPv4 /16, IPv6 /32): the filter cannot rule it out. */
	XDPFW_F_V4_XCPT_WILD = 1u << 13,
	XDPFW_F_V6_XCPT_WILD = 1u << 14,
	/* xdpfw_v6_flags, the first IPv6 probe: some entry of length /32 to
	 * /47 is marked at its /32, so a packet's /32 byte is read too. */
	XDPFW_F_V6_SUM32 = 1u << 20,
	/* An IPv6 prefix:port entry shorter than /32 (in xdpfw_ports): the
	 * packet's port bit is read first.  (An address prefix shorter than
	 * /32 is XDPFW_F_V6_PREFIX_WILD: the flags cannot rule it out.) */
	XDPFW_F_V6_PORT_SHORT = 1u << 21,
	/* An address-only IPv6 prefix of /33 to /127 but /48, /56, /64: it
	 * is in the trie (xdpfw_v6c_oa holds /32, /48, /56 and /64), marked
	 * XDPFW_V6F_ODD in xdpfw_v6_flags. */
	XDPFW_F_V6_ODD = 1u << 22,
	/* An IPv4 prefix:port entry shorter than /16: xdpfw_v4_tbl's PP flag
	 * does not cover it, look at xdpfw_ports (layout 5). */
	XDPFW_F_V4_PORT_SHORT = 1u << 15,
};
#define XDPFW_F_V4_ADDR (XDPFW_F_V4_EXACT | XDPFW_F_V4_PREFIX)
#define XDPFW_F_V4_PORT (XDPFW_F_V4_PORT_EXACT | XDPFW_F_V4_PORT_PREFIX)
#define XDPFW_F_V6_ADDR (XDPFW_F_V6_EXACT | XDPFW_F_V6_PREFIX)
#define XDPFW_F_V6_PORT (XDPFW_F_V6_PORT_EXACT | XDPFW_F_V6_PORT_PREFIX)
#define XDPFW_F_V4_XCPT (XDPFW_F_V4_XCPT_ADDR | XDPFW_F_V4_XCPT_PORT)
#define XDPFW_F_V6_XCPT (XDPFW_F_V6_XCPT_ADDR | XDPFW_F_V6_XCPT_PORT)

struct xdpfw_cfg {
	__u32 flags;   /* XDPFW_F_* */
	__u32 layout;  /* XDPFW_LAYOUT_VERSION of the writer */
	__u64 generation; /* bumped by every write; audit.c voids a run on change */
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_cfg, 16);

/*
 * xdpfw_ports: 4 bits per source port, set when some prefix:port entry of
 * that family/proto with a prefix too short for xdpfw_pp_bmap (IPv4 < /16,
 * IPv6 < /32, e.g. 0.0.0.0/0:11211/udp) uses the port.
 * Word = port >> 4, bit = (port & 15) * 4 + kind.
 * (u64 words, read the same way on both sides in either byte order.)
 */
#define XDPFW_PORTS_WORDS 4096
#define XDPFW_PORT_BITS 4
enum {
	XDPFW_PORT_V4_TCP = 1u << 0,
	XDPFW_PORT_V4_UDP = 1u << 1,
	XDPFW_PORT_V6_TCP = 1u << 2,
	XDPFW_PORT_V6_UDP = 1u << 3,
};

/*
 * xdpfw_v4_tbl (layout 5): one u32 per IPv4 /24, indexed by addr >> 8 (host
 * order), the first and usually only lookup of an IPv4 source address:
 *   bits 0-26  slot + 1 of the longest address-only IPv4 prefix of length
 *              <= 24 that covers the /24 (0: none);
 *   HOSTS      some exact IPv4 address entry lies inside: look it up;
 *   TRIE       some /25-/31 address prefix lies inside and the /24 has
 *              no block (below): ask the trie for it (it holds every
 *              IPv4 prefix, so its answer is the right one);
 *   L2         (layout 8) the slot part is not a slot: bits 0-24 are
 *              the index of the /24's block in xdpfw_v4_l2, whose entry
 *              (addr & 255) is slot + 1 of the longest address-only
 *              prefix of /31 or shorter covering addr (the /24 one
 *              included), 0 none; bit 25 + b (L2_LO << b) is set when
 *              half b (.0-.127, .128-.255) of the block has a non-zero
 *              entry: a clear one answers 0 without reading the block
 *              (a miss next to a /25).  Never set with TRIE;
 *   EP         some IPv4 endpoint (address:port) lies inside: look it up;
 *   PP         some IPv4 prefix:port entry of /16 or longer covers or lies
 *              inside the /24: ask the prefix:port trie.  (Shorter ones:
 *              XDPFW_F_V4_PORT_SHORT and xdpfw_ports.)
 * A word of 0 means no entry but a short prefix:port touches the /24: a
 * TCP/UDP miss costs this one read.  The slot part
 * is exact at all times outside a reload; the flags may be stale (set for
 * an entry since removed) until the next full build: a stale flag costs a
 * lookup, never a wrong verdict.  Derived state, written by the daemon a
 * window at a time (agent/kmaps_v4tbl.c).
 */
#define XDPFW_V4_TBL_ENTRIES (1u << 24)
/* Array maps space values 8 bytes apart (also in mmap): the map holds the
 * words two to an element, so that its memory (and mmap) is the plain
 * array of 2^24 u32: word i is w[i & 1] of element i >> 1. */
struct xdpfw_v4t_pair {
	__u32 w[2];
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v4t_pair, 8);
#define XDPFW_V4_TBL_PAIRS (XDPFW_V4_TBL_ENTRIES / 2)
#define XDPFW_V4T_SLOT ((1u << 27) - 1)
#define XDPFW_V4T_HOSTS (1u << 27)
#define XDPFW_V4T_TRIE (1u << 28)
#define XDPFW_V4T_L2 (1u << 29)
#define XDPFW_V4T_EP (1u << 30)
#define XDPFW_V4T_PP (1u << 31)
/* The slot part of an L2 word. */
#define XDPFW_V4T_L2_BLK ((1u << 25) - 1)
#define XDPFW_V4T_L2_LO (1u << 25)
#define XDPFW_V4T_L2_HI (1u << 26)
#define XDPFW_V4T_FLAGS \
	(XDPFW_V4T_HOSTS | XDPFW_V4T_TRIE | XDPFW_V4T_L2 | XDPFW_V4T_EP | \
	 XDPFW_V4T_PP)

/*
 * xdpfw_v4_l2 (layout 8): the second level of the /24 table, one block per
 * /24 that holds a /25-/31 address prefix, so that such a /24 answers with
 * two array reads, no trie lookup.  Blocks are derived state, handed out
 * by full builds (agent/kmaps_v4tbl.c) from the ones no word points at; a
 * block is written before a word points at it, never while one does.  An
 * incremental reload that changes what a /24 with a block must answer
 * sets the word back to TRIE (one store); its block is free from the next
 * full build.  Number of blocks: max_rules / 32, at least 16 (loader.c);
 * when they run out, a /24 stays on TRIE.
 */
struct xdpfw_v4_l2_blk {
	__u32 e[256];
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v4_l2_blk, 1024);

/*
 * Hashed one-probe filters in front of the table and trie lookups (array maps:
 * the verifier inlines them, no helper call).  A clear bit proves that no
 * entry of that kind can match; a set bit (or a hash collision) sends the
 * packet on to the real lookup.  Bit index = top LOG bits of the hash.
 *   xdpfw_pp_bmap  IPv6 prefix:port with the address cut at /32
 *   xdpfw_x_bmap   exceptions (below)
 * Both sides compute the hash with the functions below, over the address
 * as 32-bit words loaded from its network-order bytes.
 */
#define XDPFW_X_BITMAP_LOG 20
#define XDPFW_PP_BITMAP_LOG 23
#define XDPFW_BITMAP_WORDS(log) (1u << ((log) - 6))

/*
 * xdpfw_v6_flags (layout 7; global data and 2^22 bytes, the most a 6.1
 * kernel takes in one map value, since layout 9), the first and often only
 * IPv6 probe: bytes hashed by xdpfw_v6s_hash, packed 8 to a u64 (byte b
 * of the table is byte b & 7 of word b >> 3, little-endian order of the
 * u64).  Every blocking IPv6 entry
 * (not an exception) sets one flag in the byte of its address cut at /48
 * if it is /48 or longer, else at /32 (XDPFW_F_V6_SUM32); shorter ones:
 * XDPFW_F_V6_PREFIX_WILD, or xdpfw_ports for prefix:port
 * (XDPFW_F_V6_PORT_SHORT).  The flag names where the entry lives:
 *   EXACT   an address /128          xdpfw_v6_oa (and its overflow)
 *   EP_TCP, EP_UDP  an endpoint of that protocol (both: either)
 *                                    xdpfw_v6p_oa (and its overflow)
 *   PP48, PP32  a prefix:port of >= /32: xdpfw_pp_bmap, then xdpfw_v6_plpm
 *   C64, C56, C48, C32  an address prefix of exactly /64, /56, /48, /32:
 *                                    xdpfw_v6c_oa at that class
 *   ODD48, ODD32  an address prefix of another length (/33 to /127): the
 *                                    trie
 * A /48 byte holds the flags of bits 0-7, a /32 byte those of bits 8-15
 * shifted down (a byte's meaning is where the program reads it: a /32
 * bucket and a /48 bucket that collide only cost lookups).  The program
 * reads the packet's /48 byte (and /32 byte when XDPFW_F_V6_SUM32) into
 * f48 | f32 << 8 and makes only the lookups the flags name: zero ends the
 * lookup (a miss: one or two array reads).  The flags
 * may be stale (set for an entry since removed) until the next full build:
 * a stale flag costs a lookup, never a wrong verdict.
 */
#define XDPFW_V6F_LOG 22
#define XDPFW_V6F_WORDS (1u << (XDPFW_V6F_LOG - 3))
enum {
	/* in the /48 byte */
	XDPFW_V6F_EXACT = 1u << 0,
	XDPFW_V6F_EP_TCP = 1u << 1,
	XDPFW_V6F_EP_UDP = 1u << 2,
	XDPFW_V6F_PP48 = 1u << 3,
	XDPFW_V6F_C64 = 1u << 4,
	XDPFW_V6F_C56 = 1u << 5,
	XDPFW_V6F_C48 = 1u << 6,
	XDPFW_V6F_ODD48 = 1u << 7,
	/* in the /32 byte (read as bits 8-15) */
	XDPFW_V6F_PP32 = 1u << 8,
	XDPFW_V6F_C32 = 1u << 9,
	XDPFW_V6F_ODD32 = 1u << 10,
};
#define XDPFW_V6F_EP (XDPFW_V6F_EP_TCP | XDPFW_V6F_EP_UDP)
#define XDPFW_V6F_PP (XDPFW_V6F_PP48 | XDPFW_V6F_PP32)
#define XDPFW_V6F_ODD (XDPFW_V6F_ODD48 | XDPFW_V6F_ODD32)
#define XDPFW_V6F_PREFIX                                            \
	(XDPFW_V6F_C64 | XDPFW_V6F_C56 | XDPFW_V6F_C48 | XDPFW_V6F_C32 | \
	 XDPFW_V6F_ODD)

#define XDPFW_SEED_PP 0x50500000u
#define XDPFW_SEED_V6 0x76360000u /* | class (32, 48, 64) */
#define XDPFW_SEED_X4 0x58340000u /* | class (16, 24) */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define XDPFW_BE32(x) __builtin_bswap32(x)
#else
#define XDPFW_BE32(x) (x)
#endif

/*
 * The hashes of the filters and the open addressing tables: each 64-bit
 * word of the key multiplied by its own constant (independent multiplies,
 * which the CPU runs side by side), the products XOR-ed, then one
 * xorshift-multiply-xorshift (xdpfw_mix).  On the packet's path a chain of
 * dependent multiplies costs more than the probe it guards: the former
 * hash (a 32-bit multiply per word, then a finalizer) had up to seven in a
 * row, these have two.  Linear probing measured as before with random,
 * sequential and /64- or /48-strided keys (overflow out of 8 probes at
 * half load).
 */
#define XDPFW_K1 0x9e3779b97f4a7c15ull
#define XDPFW_K2 0xc2b2ae3d27d4eb4full
#define XDPFW_K3 0x165667b19e3779f9ull
#define XDPFW_K4 0xd6e8feb86659fd93ull

static inline __u64 xdpfw_w64(__u32 hi, __u32 lo)
{
	return (__u64)hi << 32 | lo;
}

static inline __u32 xdpfw_mix(__u64 h)
{
	h ^= h >> 29;
	h *= XDPFW_K4;
	return (__u32)(h ^ (h >> 32));
}

/* An IPv6 address (4 words) and a third word, seed included. */
static inline __u32 xdpfw_hash6(const __u32 *a, __u64 w)
{
	return xdpfw_mix(xdpfw_w64(a[1], a[0]) * XDPFW_K1 ^
			 xdpfw_w64(a[3], a[2]) * XDPFW_K2 ^ w * XDPFW_K3);
}

/* The word that starts a port entry's hash. */
static inline __u32 xdpfw_port_word(__u16 port, __u8 proto, __u8 family)
{
	return (__u32)port << 16 | (__u32)proto << 8 | family;
}

/* IPv6 prefix:port, the address cut at /32 (a0: its first word).  (IPv4
 * prefix:port: xdpfw_v4_tbl's PP flag, or xdpfw_ports when short.) */
static inline __u32 xdpfw_pp_hash6(__u32 port_word, __u32 a0)
{
	return xdpfw_mix(xdpfw_w64(port_word, a0) * XDPFW_K1 ^ XDPFW_SEED_PP);
}

/* xdpfw_v6_flags: the address cut at /48 (cls 48) or at /32.  One 64-bit
 * multiply, the index its top bits (the well-mixed ones): the flags are
 * on every IPv6 packet's path, where a chain of multiplies costs more than
 * the probe.  A /48 cut has its low 16 bits clear, so no /48 hashes as
 * the /32 word pair (a[0], ~0). */
static inline __u32 xdpfw_v6s_hash(const __u32 *a, __u32 cls)
{
	__u64 lo = cls == 48 ? (a[1] & XDPFW_BE32(0xffff0000u)) : 0xffffffffu;

	return (__u32)(((((__u64)a[0] << 32) | lo) * 0x9e3779b97f4a7c15ull) >>
		       32);
}

/* The byte of hash h (xdpfw_v6s_hash) in xdpfw_v6_flags' words. */
static inline __u32 xdpfw_v6f_byte(const void *words, __u32 h)
{
	__u32 idx = h >> (32 - XDPFW_V6F_LOG);

	return (__u32)(((const __u64 *)words)[idx >> 3] >> ((idx & 7) * 8)) &
	       0xff;
}

/* The flags (XDPFW_V6F_*) of an IPv6 blocking entry of length plen, with
 * a port or not, of protocol proto (6, 17, 0: either), or 0 (shorter than
 * /32: not in xdpfw_v6_flags).  Bits 8-15 go to the /32 byte. */
static inline __u32 xdpfw_v6f_flag(__u32 plen, int port, __u32 proto)
{
	if (plen < 32)
		return 0;
	if (plen == 128 && port)
		return proto == 6 ? XDPFW_V6F_EP_TCP :
		       proto == 17 ? XDPFW_V6F_EP_UDP : XDPFW_V6F_EP;
	if (plen == 128)
		return XDPFW_V6F_EXACT;
	if (port)
		return plen >= 48 ? XDPFW_V6F_PP48 : XDPFW_V6F_PP32;
	return plen == 64 ? XDPFW_V6F_C64 :
	       plen == 56 ? XDPFW_V6F_C56 :
	       plen == 48 ? XDPFW_V6F_C48 :
	       plen == 32 ? XDPFW_V6F_C32 :
	       plen > 48 ? XDPFW_V6F_ODD48 : XDPFW_V6F_ODD32;
}

/* IPv6 address cut at class 32, 48 or 64 (xdpfw_x_bmap's exceptions). */
static inline __u32 xdpfw_v6_hash(const __u32 *a, __u32 cls)
{
	__u32 a1 = cls == 32 ? 0 :
		   cls == 48 ? a[1] & XDPFW_BE32(0xffff0000u) : a[1];

	return xdpfw_mix(xdpfw_w64(a1, a[0]) * XDPFW_K1 ^ (XDPFW_SEED_V6 | cls));
}

/*
 * xdpfw_x_bmap: a blocked packet looks at the exception tries only when a
 * bit of its source is set: an exception (with or without a port) marks
 * its address cut at the longest class at or below its prefix length --
 * IPv4 /24 or /16 (xdpfw_x4_hash), IPv6 /64, /48 or /32 (xdpfw_v6_hash) --
 * or, shorter, sets XDPFW_F_V?_XCPT_WILD.  So the drops of a flood pay two
 * or three array reads for the exceptions that do not cover them.
 */
static inline __u32 xdpfw_x4_hash(__u32 a, __u32 cls)
{
	return xdpfw_mix(
		xdpfw_w64(XDPFW_SEED_X4 | cls,
			  a & XDPFW_BE32(cls == 24 ? 0xffffff00u : 0xffff0000u)) *
		XDPFW_K1);
}

/*
 * Open addressing tables (layout 4): the exact keys (xdpfw_v4_oa,
 * xdpfw_v6_oa: hosts, xdpfw_v4p_oa, xdpfw_v6p_oa: endpoints) live in ARRAY
 * maps of 2^k entries (k from max_rules; the program's xdpfw_oa_mask and
 * xdpfw_oa6_mask = 2^k - 1), probed
 * linearly from the key's home entry (hash & mask) for at most
 * XDPFW_OA_PROBES entries: inlined array reads, no helper call.  A key
 * that finds no free entry in its probe window goes to the overflow map of
 * its kind (xdpfw_v4, xdpfw_v4_port), and its home entry gets XDPFW_OA_OVF:
 * the program looks there only for a key whose home has that bit.  Since
 * layout 10 the overflow maps are LPM tries holding only full-length keys
 * (an exact match): a trie allocates per key, where a hash allocated a
 * bucket array for max_rules keys that almost never come (96 B a rule of
 * kernel memory, and the slowest part of creating the maps).
 *
 * An entry: key = the packed key (xdpfw_oa_key4*, bit 63 always set, so
 * the 0 of an unused entry never equals a key); state = slot + 1 (used),
 * 0 (empty: ends every probe), XDPFW_OA_TOMB (deleted: probes go on),
 * plus XDPFW_OA_OVF.  The single writer (the daemon, through mmap) orders
 * its stores so that a reader that loads state, then key, never gives a
 * key that is not being changed a wrong answer (docs/TABLES.md, "Open
 * addressing").
 */
struct xdpfw_oa_ent {
	__u64 key;
	__u32 state;
	__u32 pad; /* always 0 */
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_oa_ent, 16);

#define XDPFW_OA_PROBES 8
#define XDPFW_OA_OVF 0x80000000u
#define XDPFW_OA_TOMB 0x7fffffffu
#define XDPFW_OA_STATE(s) ((s) & ~XDPFW_OA_OVF)
#define XDPFW_OA_USED (1ULL << 63)
#define XDPFW_SEED_OA 0x4f410000u

/* The packed keys; addr and port in network order, as in the packet. */
static inline __u64 xdpfw_oa_key4(__u32 addr)
{
	return XDPFW_OA_USED | addr;
}

static inline __u64 xdpfw_oa_key4p(__u16 port_be, __u8 proto, __u32 addr)
{
	return XDPFW_OA_USED | (__u64)proto << 48 | (__u64)port_be << 32 | addr;
}

static inline __u32 xdpfw_oa_hash(__u64 key)
{
	return xdpfw_mix(key * XDPFW_K1 ^ XDPFW_SEED_OA);
}

/* IPv6: the key is the address and a tail word (port in network order,
 * proto; 0 for a host) whose bit 24 is always set: a zeroed entry never
 * matches.  The state follows the key, as in the IPv4 entry. */
struct xdpfw_oa6_ent {
	__u8 addr[16];
	__u32 tail;
	__u32 state;
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_oa6_ent, 24);
XDPFW_ASSERT_OFFSET(struct xdpfw_oa6_ent, state, 20);

#define XDPFW_SEED_OA6 0x4f360000u

static inline __u32 xdpfw_oa6_tail(__u16 port_be, __u8 proto)
{
	return 1u << 24 | (__u32)proto << 16 | port_be;
}

/*
 * xdpfw_v6c_oa: the address-only IPv6 prefixes of the class lengths /32,
 * /48, /56 and /64 (the entries of xdpfw_v6_lpm that have those lengths),
 * the same entries, keyed by the address (host bits clear) and this tail;
 * a key that overflows its probe window stays in the trie, behind the
 * home's XDPFW_OA_OVF as usual.  The trie keeps the other lengths.  The
 * program probes the classes longest first where xdpfw_v6_flags has the
 * class flag; it asks the trie too when a probe saw an overflow mark, when
 * a prefix of another length may cover the packet (XDPFW_F_V6_ODD and the
 * ODD flag) or one shorter than /32 exists, and the longer of the two
 * answers counts.
 */
static inline int xdpfw_v6_is_class(__u32 plen)
{
	return plen == 32 || plen == 48 || plen == 56 || plen == 64;
}

/* a cut at class length plen (32, 48, 56, 64): out, the table's key. */
static inline void xdpfw_v6_class_cut(const __u32 *a, __u32 plen, __u32 *out)
{
	out[0] = a[0];
	out[1] = plen == 64 ? a[1] :
		 plen == 56 ? a[1] & XDPFW_BE32(0xffffff00u) :
		 plen == 48 ? a[1] & XDPFW_BE32(0xffff0000u) : 0;
	out[2] = 0;
	out[3] = 0;
}

static inline __u32 xdpfw_oa6_ctail(__u32 plen)
{
	return 2u << 24 | plen;
}

/* a: the address as 4 words loaded from its network-order bytes. */
static inline __u32 xdpfw_oa6_hash(const __u32 *a, __u32 tail)
{
	return xdpfw_hash6(a, xdpfw_w64(XDPFW_SEED_OA6, tail));
}

/* Values of every lookup map: the rule's counter slot. */
typedef __u32 xdpfw_slot_t;

/* Port + prefix tries: the port, proto and pad (32 bits) always match in
 * full, so prefixlen = 32 + the address prefix length. */
#define XDPFW_PLPM_FIXED_BITS 32

/*
 * The exact keys (the overflow tries' keys, layout 10): the LPM key of the
 * full length, prefixlen always XDPFW_*_KEY_PLEN, so the trie's longest
 * match is an exact match.  Each has the layout of its prefix key below.
 * A packet's look-up in a prefix trie uses the same full length.
 */
#define XDPFW_V4_KEY_PLEN 32
#define XDPFW_V6_KEY_PLEN 128
#define XDPFW_V4P_KEY_PLEN (XDPFW_PLPM_FIXED_BITS + 32)
#define XDPFW_V6P_KEY_PLEN (XDPFW_PLPM_FIXED_BITS + 128)

struct xdpfw_v4_key {
	__u32 prefixlen; /* XDPFW_V4_KEY_PLEN */
	__be32 addr;
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v4_key, 8);
XDPFW_ASSERT_OFFSET(struct xdpfw_v4_key, addr, 4);

struct xdpfw_v6_key {
	__u32 prefixlen; /* XDPFW_V6_KEY_PLEN */
	__u8 addr[16];
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v6_key, 20);
XDPFW_ASSERT_OFFSET(struct xdpfw_v6_key, addr, 4);

struct xdpfw_v4_lpm_key {
	__u32 prefixlen; /* 0..32 */
	__be32 addr;
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v4_lpm_key, 8);
XDPFW_ASSERT_OFFSET(struct xdpfw_v4_lpm_key, addr, 4);

struct xdpfw_v6_lpm_key {
	__u32 prefixlen; /* 0..128 */
	__u8 addr[16];
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v6_lpm_key, 20);
XDPFW_ASSERT_OFFSET(struct xdpfw_v6_lpm_key, addr, 4);

struct xdpfw_v4_port_key {
	__u32 prefixlen; /* XDPFW_V4P_KEY_PLEN */
	__be16 port;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP, never 0 */
	__u8 pad;   /* always 0 */
	__be32 addr;
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v4_port_key, 12);
XDPFW_ASSERT_OFFSET(struct xdpfw_v4_port_key, port, 4);
XDPFW_ASSERT_OFFSET(struct xdpfw_v4_port_key, addr, 8);

struct xdpfw_v6_port_key {
	__u32 prefixlen; /* XDPFW_V6P_KEY_PLEN */
	__be16 port;
	__u8 proto;
	__u8 pad;
	__u8 addr[16];
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v6_port_key, 24);
XDPFW_ASSERT_OFFSET(struct xdpfw_v6_port_key, port, 4);
XDPFW_ASSERT_OFFSET(struct xdpfw_v6_port_key, addr, 8);

/*
 * Exception tries (xdpfw_v4_xcpt, xdpfw_v6_xcpt) use the port + prefix key
 * of the blocking tries for every exception: one with a port as there, one
 * without a port with port = proto = 0 (no entry has port 0).  A packet
 * that a blocking entry matched looks up (sport, proto) first, then (0, 0).
 */

struct xdpfw_v4_plpm_key {
	__u32 prefixlen; /* 32 + 0..32 */
	__be16 port;
	__u8 proto;
	__u8 pad;
	__be32 addr;
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v4_plpm_key, 12);
XDPFW_ASSERT_OFFSET(struct xdpfw_v4_plpm_key, port, 4);
XDPFW_ASSERT_OFFSET(struct xdpfw_v4_plpm_key, addr, 8);

struct xdpfw_v6_plpm_key {
	__u32 prefixlen; /* 32 + 0..128 */
	__be16 port;
	__u8 proto;
	__u8 pad;
	__u8 addr[16];
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_v6_plpm_key, 24);
XDPFW_ASSERT_OFFSET(struct xdpfw_v6_plpm_key, port, 4);
XDPFW_ASSERT_OFFSET(struct xdpfw_v6_plpm_key, addr, 8);

/*
 * One rule, as the rules file names it.  Also the value of xdpfw_rules
 * (slot -> rule), which makes the pinned maps self-describing for `list`,
 * `stats` and a restarting daemon.  family == 0 marks a free slot.
 * The whole struct is the rule's identity: compare and hash it as bytes.
 */
#define XDPFW_FAMILY_V4 4
#define XDPFW_FAMILY_V6 6
#define XDPFW_PROTO_ANY 0

/* xdpfw_rule.flags: an exception ("!ENTRY"), and for a protected
 * address (config key `protect`) which keyword put it there (bits 1-3). */
#define XDPFW_RULE_EXCEPT 0x01
#define XDPFW_RULE_PROTECT_SHIFT 1
#define XDPFW_RULE_PROTECT_MASK (7u << XDPFW_RULE_PROTECT_SHIFT)
enum xdpfw_protect_kind {
	XDPFW_PROTECT_NONE = 0,     /* from a rules file */
	XDPFW_PROTECT_SSH_PEERS,    /* established TCP peers of local port 22 */
	XDPFW_PROTECT_RESOLVERS,    /* nameservers of /etc/resolv.conf */
	XDPFW_PROTECT_GATEWAYS,     /* next hops of the default routes */
	XDPFW_PROTECT_LITERAL,      /* an address or prefix in `protect` */
};

struct xdpfw_rule {
	__u8 family;    /* 0 (free slot), XDPFW_FAMILY_V4 or XDPFW_FAMILY_V6 */
	__u8 prefixlen; /* 0..32 or 0..128; host bits of addr are zero */
	__u8 proto;     /* XDPFW_PROTO_ANY, IPPROTO_TCP or IPPROTO_UDP */
	__u8 flags;     /* XDPFW_RULE_*; 0 for a blocking entry of a file */
	__u16 port;     /* host order; 0 = no port */
	__u16 pad1;     /* always 0 */
	__u8 addr[16];  /* network order; IPv4 in addr[0..3], rest zero */
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_rule, 24);
XDPFW_ASSERT_OFFSET(struct xdpfw_rule, port, 4);
XDPFW_ASSERT_OFFSET(struct xdpfw_rule, addr, 8);

/*
 * Per-rule and total counters.  xdpfw_rstats is a plain array with one
 * counter per (CPU, slot) at index cpu * max_rules + slot: each CPU writes
 * only its own, so no atomics, and unlike a per-CPU array it is created in
 * milliseconds at a million slots (layout 2; layout 1 used a PERCPU_ARRAY).
 * A reader's value is the sum over all possible CPUs of xdpfw_rstats
 * (xdpfw_totals, a per-CPU array) plus xdpfw_rbase (xdpfw_tbase): the bases hold
 * counts carried over from maps replaced by a migration, written only by
 * user space, so nothing races with the program's per-CPU increments.
 */
struct xdpfw_counter {
	__u64 packets;
	__u64 bytes;
};
XDPFW_ASSERT_LAYOUT(struct xdpfw_counter, 16);

/* Index of xdpfw_totals.  Every packet counts in exactly one of DROPPED or
 * PASSED; a malformed one (passed to the stack) also counts under its
 * reason. */
enum xdpfw_total {
	XDPFW_T_DROPPED = 0,
	XDPFW_T_PASSED,
	XDPFW_T_NON_IP,          /* ARP, LLDP, ...: passed untouched */
	XDPFW_T_BAD_ETH,         /* shorter than an Ethernet header */
	XDPFW_T_BAD_VLAN,        /* truncated VLAN tag */
	XDPFW_T_VLAN_DEPTH,      /* more than two VLAN tags */
	XDPFW_T_BAD_IP4,         /* truncated IPv4 header or IHL < 5 */
	XDPFW_T_BAD_IP6,         /* truncated IPv6 header */
	XDPFW_T_BAD_IP6_EXT,     /* truncated IPv6 extension header */
	XDPFW_T_IP6_EXT_DEPTH,   /* more extension headers than we walk */
	XDPFW_T_BAD_L4,          /* TCP/UDP header truncated */
	XDPFW_TOTAL_MAX
};

/* Extension headers the program walks before giving up on the L4 header. */
#define XDPFW_IP6_EXT_MAX 6

#endif /* XDPFW_SHARED_H */
