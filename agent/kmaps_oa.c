// SPDX-License-Identifier: GPL-2.0-only
/*
 * The open addressing tables of the exact keys (xdpfw_v4_oa, xdpfw_v4p_oa,
 * xdpfw_v6_oa, xdpfw_v6p_oa; layout in shared/xdpfw_shared.h), read
 * through their mmaps, and written through them or by the kernel writer
 * (kmaps_oa_pass.c, kwrite.h).  Above this file an exact key is simply "in the
 * kernel" whether its entry sits in the table or, having overflowed its
 * probe window, in the overflow trie of the same kind: writes, dumps and
 * lookups go through here.
 *
 * An entry is the packed key (8 bytes for IPv4, 20 for IPv6) followed by
 * the state word.
 *
 * Mapped a window at a time: a BPF array's mmap inserts every page at once
 * and counts them in the process's RSS, 112 MiB for the four tables at 1M
 * rules.  A window is OA_WIN bytes (a multiple of the page and of both
 * entry sizes; small, so that a lone lookup maps 48 pages, not the
 * table) plus OA_EXTRA, so that the probe window of any home inside
 * it is too; the first OA_EXTRA bytes stay mapped for the probes that wrap
 * around the end.  Writes go window by window (bucketed by home), dumps
 * and sweeps in order; a pointer from ent() is valid until the next
 * ent().  Store order (docs/TABLES.md, "Open addressing"): an insert
 * stores the key, then the state; a delete stores the tombstone, then a
 * zero key; a slot change stores the state alone; an entry goes back to
 * empty only when the entry after it is empty (no probe window then
 * passes through it).
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmaps_int.h"
#include "kmaps_oa_int.h"
#include "log.h"
#include "xdpfw_kwrite.h"

#define OA_WIN KMAPS_OA_WINDOW
#define OA_EXTRA (3u << 12)
_Static_assert(OA_WIN % OA_EXTRA == 0, "windows of whole entries and pages");

static const struct {
	enum kmap m;
	size_t esize, klen; /* the state word sits at klen */
} oa_desc[OA_N] = {
	[OA_V4] = { KMAP_V4, sizeof(struct xdpfw_oa_ent), 8 },
	[OA_V4P] = { KMAP_V4_PORT, sizeof(struct xdpfw_oa_ent), 8 },
	[OA_V6] = { KMAP_V6, sizeof(struct xdpfw_oa6_ent), 20 },
	[OA_V6P] = { KMAP_V6_PORT, sizeof(struct xdpfw_oa6_ent), 20 },
	[OA_V6C] = { KMAP_V6_LPM, sizeof(struct xdpfw_oa6_ent), 20 },
};

/* Does table t take key k at all?  The class table only the prefixes of
 * the class lengths; the trie has the others. */
int kmaps_oa_takes(int t, const struct kkey *k)
{
	return t != OA_V6C || xdpfw_v6_is_class(k->v6_lpm.prefixlen);
}

_Static_assert(__builtin_offsetof(struct xdpfw_oa_ent, state) == 8,
	       "IPv4 entry: key, then state");

int kmaps_oa_of(enum kmap m)
{
	for (int t = 0; t < OA_N; t++)
		if (oa_desc[t].m == m)
			return t;
	return -1;
}

enum kmap kmaps_oa_kmap(int t)
{
	return oa_desc[t].m;
}

size_t kmaps_oa_esize(enum oa t)
{
	return oa_desc[t].esize;
}

size_t kmaps_oa_klen(int t)
{
	return oa_desc[t].klen;
}

void kmaps_oa_pack(int t, const struct kkey *k, struct oa_packed *p)
{
	uint64_t v;
	uint32_t a[4], tail;

	memset(p, 0, sizeof(*p));
	switch (t) {
	case OA_V4:
	case OA_V4P:
		v = t == OA_V4 ? xdpfw_oa_key4(k->v4.addr) :
				 xdpfw_oa_key4p(k->v4_port.port, k->v4_port.proto,
						k->v4_port.addr);
		memcpy(p->b, &v, 8);
		p->hash = xdpfw_oa_hash(v);
		return;
	default:
		if (t == OA_V6) {
			memcpy(a, k->v6.addr, 16);
			tail = xdpfw_oa6_tail(0, 0);
		} else if (t == OA_V6C) {
			memcpy(a, k->v6_lpm.addr, 16);
			tail = xdpfw_oa6_ctail(k->v6_lpm.prefixlen);
		} else {
			memcpy(a, k->v6_port.addr, 16);
			tail = xdpfw_oa6_tail(k->v6_port.port, k->v6_port.proto);
		}
		memcpy(p->b, a, 16);
		memcpy(p->b + 16, &tail, 4);
		p->hash = xdpfw_oa6_hash(a, tail);
	}
}

static void unpack(int t, const uint8_t *b, struct kkey *k)
{
	uint64_t v;
	uint32_t tail;

	if (t == OA_V4 || t == OA_V4P) {
		struct xdpfw_v4_port_key pk;
		struct xdpfw_v4_key hk = { .prefixlen = XDPFW_V4_KEY_PLEN };

		memcpy(&v, b, 8);
		if (t == OA_V4) {
			hk.addr = (__u32)v;
			kkey_from_bytes(k, KMAP_V4, &hk);
			return;
		}
		pk = (struct xdpfw_v4_port_key){
			.prefixlen = XDPFW_V4P_KEY_PLEN,
			.port = (__u16)(v >> 32),
			.proto = (__u8)(v >> 48),
			.addr = (__u32)v,
		};
		kkey_from_bytes(k, KMAP_V4_PORT, &pk);
	} else if (t == OA_V6) {
		struct xdpfw_v6_key hk = { .prefixlen = XDPFW_V6_KEY_PLEN };

		memcpy(hk.addr, b, 16);
		kkey_from_bytes(k, KMAP_V6, &hk);
	} else if (t == OA_V6C) {
		struct xdpfw_v6_lpm_key lk = { 0 };

		memcpy(&tail, b + 16, 4);
		lk.prefixlen = tail & 0xff;
		memcpy(lk.addr, b, 16);
		kkey_from_bytes(k, KMAP_V6_LPM, &lk);
	} else {
		struct xdpfw_v6_port_key pk = {
			.prefixlen = XDPFW_V6P_KEY_PLEN,
		};

		memcpy(&tail, b + 16, 4);
		pk.port = (__u16)tail;
		pk.proto = (__u8)(tail >> 16);
		memcpy(pk.addr, b, 16);
		kkey_from_bytes(k, KMAP_V6_PORT, &pk);
	}
}

size_t kmaps_oa_table_len(const struct kmaps *km, int t)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = ((size_t)km->oa_mask[t] + 1) * oa_desc[t].esize;

	return (n + pg - 1) / pg * pg;
}

static void *map_range(const struct kmaps *km, int t, size_t off, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | (km->writable ? PROT_WRITE : 0),
		       MAP_SHARED, km->fd[XMAP_OA + t], (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

/* Map the window holding byte b of table t; 0 or -errno. */
static int map_window(struct kmaps *km, int t, size_t b)
{
	size_t w = km->oa_bulk ? KMAPS_OA_BULK_WINDOW : OA_WIN;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t tl = kmaps_oa_table_len(km, t), base = b / w * w, len;
	/* and the page before: a delete near the end of the window before
	 * (kmaps_oa_write_pair) waits for this window's upserts */
	size_t off = base >= pg ? base - pg : base;

	if (!km->oa_head[t]) {
		km->oa_head_len[t] = tl < OA_EXTRA ? tl : OA_EXTRA;
		km->oa_head[t] = map_range(km, t, 0, km->oa_head_len[t]);
		if (!km->oa_head[t])
			return -errno;
	}
	if (km->oa_win[t] && km->oa_win_off[t] == off)
		return 0;
	if (km->oa_win[t])
		munmap(km->oa_win[t], km->oa_win_len[t]);
	km->oa_win[t] = NULL;
	len = tl - off < base - off + w + OA_EXTRA ? tl - off :
						   base - off + w + OA_EXTRA;
	km->oa_win[t] = map_range(km, t, off, len);
	if (!km->oa_win[t])
		return -errno;
	km->oa_win_off[t] = off;
	km->oa_win_len[t] = len;
	return 0;
}

void kmaps_oa_bucket_bases(const struct kmaps *km, uint32_t base[OA_N + 1])
{
	base[0] = 0;
	for (int t = 0; t < OA_N; t++)
		base[t + 1] = base[t] + (uint32_t)(kmaps_oa_table_len(km, t) / OA_WIN + 1);
}

uint32_t kmaps_oa_bucket(const struct kmaps *km, const uint32_t *base,
			 const struct kkey *k)
{
	int t = kmaps_oa_of(k->map);
	struct oa_packed p;

	if (t < 0 || !kmaps_oa_takes(t, k))
		return UINT32_MAX;
	kmaps_oa_pack(t, k, &p);
	return base[t] + (uint32_t)((size_t)(p.hash & km->oa_mask[t]) *
				    oa_desc[t].esize / OA_WIN);
}

/* Writes of at least this many keys map bulk windows; so do writes of
 * twice as many keys as table t has windows (bulk_min).  A window's mmap
 * inserts all its pages (~0.6 us each here) and costs ~7 us itself: with
 * two keys a window, 86 % of the windows are mapped anyway, and bulk
 * windows map the same pages with an eighth of the calls (a 1 % churn at
 * 1M: the IPv6 tables' 1,400-2,800 keys mapped 128 windows of 52 pages
 * each, the class table's 340 mapped 64, each twice). */
#define OA_BULK_MIN 4096

size_t kmaps_oa_bulk_min(const struct kmaps *km, int t)
{
	size_t two_a_window = 2 * (kmaps_oa_table_len(km, t) / OA_WIN + 1);

	return two_a_window < OA_BULK_MIN ? two_a_window : OA_BULK_MIN;
}

void kmaps_oa_unmap_window(struct kmaps *km, int t)
{
	if (km->oa_win[t])
		munmap(km->oa_win[t], km->oa_win_len[t]);
	km->oa_win[t] = NULL;
}

void kmaps_oa_unmap(struct kmaps *km)
{
	for (int t = 0; t < OA_N; t++) {
		if (km->oa_head[t])
			munmap(km->oa_head[t], km->oa_head_len[t]);
		if (km->oa_win[t])
			munmap(km->oa_win[t], km->oa_win_len[t]);
		km->oa_head[t] = km->oa_win[t] = NULL;
	}
}

/* Entry i of table t, its window mapped if need be.  A window that cannot
 * be mapped sets km->oa_err (the caller's result) and reads as empty. */
static uint8_t *ent(struct kmaps *km, int t, uint32_t i)
{
	static uint8_t dummy[sizeof(struct xdpfw_oa6_ent)];
	size_t b = (size_t)(i & km->oa_mask[t]) * oa_desc[t].esize;
	int err;

	if (km->oa_head[t] && b + oa_desc[t].esize <= km->oa_head_len[t])
		return km->oa_head[t] + b;
	if (km->oa_win[t] && b >= km->oa_win_off[t] &&
	    b + oa_desc[t].esize <= km->oa_win_off[t] + km->oa_win_len[t])
		return km->oa_win[t] + (b - km->oa_win_off[t]);
	err = map_window(km, t, b);
	if (err) {
		if (!km->oa_err)
			log_error_errno(err, "cannot map %s",
					xmap_name[XMAP_OA + t]);
		km->oa_err = err;
		memset(dummy, 0, sizeof(dummy));
		return dummy;
	}
	return km->oa_win[t] + (b - km->oa_win_off[t]);
}

static uint32_t *state_of(struct kmaps *km, int t, uint32_t i)
{
	return (uint32_t *)(ent(km, t, i) + oa_desc[t].klen);
}

static uint32_t load_state(struct kmaps *km, int t, uint32_t i)
{
	return __atomic_load_n(state_of(km, t, i), __ATOMIC_ACQUIRE);
}

static void store_state(struct kmaps *km, int t, uint32_t i, uint32_t st)
{
	__atomic_store_n(state_of(km, t, i), st, __ATOMIC_RELEASE);
}

/* The key's bytes, stored whole words at a time (8 or 4 bytes). */
static void store_key(struct kmaps *km, int t, uint32_t i, const uint8_t *b)
{
	uint8_t *e = ent(km, t, i);

	if (oa_desc[t].klen == 8) {
		uint64_t v;

		memcpy(&v, b, 8);
		__atomic_store_n((uint64_t *)e, v, __ATOMIC_RELEASE);
		return;
	}
	for (size_t w = 0; w < oa_desc[t].klen; w += 4) {
		uint32_t v;

		memcpy(&v, b + w, 4);
		__atomic_store_n((uint32_t *)(e + w), v, __ATOMIC_RELEASE);
	}
}

/* Index of the key's entry in table t, or -1; *free_at: the first deleted
 * or empty entry of its probe window, or -1 when the window is full. */
static long oa_find(struct kmaps *km, int t, const struct oa_packed *p,
		    long *free_at)
{
	uint32_t home = p->hash & km->oa_mask[t];

	*free_at = -1;
	for (uint32_t i = 0; i < XDPFW_OA_PROBES; i++) {
		uint32_t idx = (home + i) & km->oa_mask[t];
		uint32_t st = XDPFW_OA_STATE(load_state(km, t, idx));

		if (st == XDPFW_OA_TOMB || !st) {
			if (*free_at < 0)
				*free_at = idx;
			if (!st)
				return -1;
		} else if (!memcmp(ent(km, t, idx), p->b, oa_desc[t].klen)) {
			return idx;
		}
	}
	return -1;
}

static int home_overflowed(struct kmaps *km, int t,
			   const struct oa_packed *p)
{
	return !!(load_state(km, t, p->hash) & XDPFW_OA_OVF);
}

/* Entries idx, idx - 1, ... deleted and followed by an empty one go back
 * to empty: no probe window passes through them any more.  At most
 * XDPFW_OA_RECLAIM_MAX of them, as the kernel writer (a longer run stays
 * deleted: probes pass it). */
static void oa_reclaim(struct kmaps *km, int t, uint32_t idx)
{
	if (XDPFW_OA_STATE(load_state(km, t, idx + 1)))
		return;
	for (uint32_t i = 0; i <= km->oa_mask[t] && i < XDPFW_OA_RECLAIM_MAX;
	     i++) {
		uint32_t st = load_state(km, t, idx - i);

		if (XDPFW_OA_STATE(st) != XDPFW_OA_TOMB)
			return;
		store_state(km, t, idx - i, st & XDPFW_OA_OVF);
	}
}

/* One upsert: 1 done in the table, 0 the overflow trie must take it. */
int kmaps_oa_upsert(struct kmaps *km, int t, const struct kop *op)
{
	struct oa_packed p;
	long free_at, at;
	uint32_t i;

	if (!kmaps_oa_takes(t, &op->key))
		return 0;
	kmaps_oa_pack(t, &op->key, &p);
	at = oa_find(km, t, &p, &free_at);
	if (at >= 0) {
		i = (uint32_t)at;
		store_state(km, t, i,
			    (load_state(km, t, i) & XDPFW_OA_OVF) | (op->slot + 1));
		return 1;
	}
	/* Its home overflowed: the key may be in the overflow trie, keep it
	 * there. */
	if (home_overflowed(km, t, &p))
		return 0;
	if (free_at >= 0) {
		i = (uint32_t)free_at;
		store_key(km, t, i, p.b);
		store_state(km, t, i,
			    (load_state(km, t, i) & XDPFW_OA_OVF) | (op->slot + 1));
		return 1;
	}
	store_state(km, t, p.hash, load_state(km, t, p.hash) | XDPFW_OA_OVF);
	return 0;
}

/* One delete: 1 done in the table, 0 the overflow trie must (also without
 * an overflow mark: a key another process put in the trie is deleted there,
 * though the program never reads it, so that the dump agrees). */
int kmaps_oa_delete(struct kmaps *km, int t, const struct kop *op)
{
	static const uint8_t zero[OA_KEY_MAX];
	struct oa_packed p;
	long free_at, at;
	uint32_t i;

	if (!kmaps_oa_takes(t, &op->key))
		return 0;
	kmaps_oa_pack(t, &op->key, &p);
	at = oa_find(km, t, &p, &free_at);
	if (at < 0)
		return 0;
	i = (uint32_t)at;
	store_state(km, t, i, (load_state(km, t, i) & XDPFW_OA_OVF) | XDPFW_OA_TOMB);
	store_key(km, t, i, zero);
	oa_reclaim(km, t, i);
	return 1;
}

int kmaps_oa_sweep(struct kmaps *km, enum kmap m)
{
	int t = kmaps_oa_of(m), err = kmaps_ovf_empty(km, m);

	if (err <= 0)
		return err;
	km->oa_err = 0;
	for (uint32_t i = 0; i <= km->oa_mask[t]; i++) {
		uint32_t st = load_state(km, t, i);

		if (st & XDPFW_OA_OVF)
			store_state(km, t, i, st & ~XDPFW_OA_OVF);
	}
	return km->oa_err;
}

/* Bytes of a table a dump maps at a time: a multiple of the page and of
 * both entry sizes, larger than a lookup's window (a dump reads every
 * entry: fewer, larger mappings; still never the whole table). */
#define OA_DUMP_WIN KMAPS_OA_BULK_WINDOW

/* Entries [0, cnt) of a mapped piece of table t. */
static int dump_piece(int t, const uint8_t *p, size_t cnt,
		      int (*push)(void *ctx, const struct kop *op), void *ctx)
{
	size_t es = oa_desc[t].esize, klen = oa_desc[t].klen;

	for (size_t j = 0; j < cnt; j++) {
		const uint8_t *e = p + j * es;
		uint32_t st = XDPFW_OA_STATE(__atomic_load_n(
			(const uint32_t *)(e + klen), __ATOMIC_ACQUIRE));
		struct kop op;
		int err;

		if (!st || st == XDPFW_OA_TOMB)
			continue;
		unpack(t, e, &op.key);
		op.slot = st - 1;
		err = push(ctx, &op);
		if (err)
			return err;
	}
	return 0;
}

int kmaps_oa_dump(struct kmaps *km, enum kmap m,
		  int (*push)(void *ctx, const struct kop *op), void *ctx)
{
	int t = kmaps_oa_of(m);
	size_t es, total, tl;

	if (t < 0)
		return 0;
	es = oa_desc[t].esize;
	total = ((size_t)km->oa_mask[t] + 1) * es;
	tl = kmaps_oa_table_len(km, t);
	_Static_assert(OA_DUMP_WIN % sizeof(struct xdpfw_oa_ent) == 0 &&
		       OA_DUMP_WIN % sizeof(struct xdpfw_oa6_ent) == 0,
		       "pieces of whole entries");
	/* A tight scan of each piece, mapped on its own: the state word of
	 * every entry is read, 8M entries for the four tables at 1M. */
	for (size_t off = 0; off < total; off += OA_DUMP_WIN) {
		size_t len = tl - off < OA_DUMP_WIN ? tl - off : OA_DUMP_WIN;
		size_t cnt = (total - off < OA_DUMP_WIN ? total - off :
							   OA_DUMP_WIN) / es;
		uint8_t *p = map_range(km, t, off, len);
		int err;

		if (!p) {
			err = -errno;
			log_error_errno(err, "cannot map %s",
					xmap_name[XMAP_OA + t]);
			return err;
		}
		err = dump_piece(t, p, cnt, push, ctx);
		munmap(p, len);
		if (err)
			return err;
	}
	return 0;
}

long kmaps_oa_index(struct kmaps *km, const struct kkey *k)
{
	int t = kmaps_oa_of(k->map);
	struct oa_packed p;
	long free_at;

	if (t < 0 || !kmaps_oa_takes(t, k))
		return -1;
	kmaps_oa_pack(t, k, &p);
	return oa_find(km, t, &p, &free_at);
}

uint32_t *kmaps_oa_state(struct kmaps *km, int t, uint32_t i)
{
	return state_of(km, t, i);
}

int kmaps_oa_probe(struct kmaps *km, const struct kkey *k, uint32_t *slot,
		   int *ovf)
{
	int t = kmaps_oa_of(k->map);
	struct oa_packed p;
	long free_at, at;

	*ovf = 0;
	if (t < 0 || !kmaps_oa_takes(t, k))
		return 0;
	km->oa_err = 0;
	kmaps_oa_pack(t, k, &p);
	at = oa_find(km, t, &p, &free_at);
	if (at >= 0)
		*slot = XDPFW_OA_STATE(load_state(km, t, (uint32_t)at)) - 1;
	*ovf = home_overflowed(km, t, &p);
	if (km->oa_err)
		return km->oa_err;
	return at >= 0;
}

int kmaps_lookup_key(struct kmaps *km, const struct kkey *k, uint32_t *slot)
{
	int t = kmaps_oa_of(k->map);

	if (t >= 0 && kmaps_oa_takes(t, k)) {
		int ovf, r = kmaps_oa_probe(km, k, slot, &ovf);

		if (r || !ovf)
			return r;
	}
	if (!bpf_map_lookup_elem(km->fd[k->map], k->b, slot))
		return 1;
	return errno == ENOENT ? 0 : -errno;
}
