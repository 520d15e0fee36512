// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPv4 /24 table in the kernel (xdpfw_v4_tbl, 64 MiB) written
 * (kmaps_v4tbl_read.c reads it back): through an mmap of one chunk (a /8:
 * 256 KiB) at a time, never mapped whole (a BPF array's mmap is resident
 * in full at once).  What to write
 * comes from v4tbl.c; the order (kmaps_apply): slots of the new set and
 * every new flag after the key upserts, the words that lose something
 * after the key deletes.  A reload's words are written by the kernel
 * writer where it is loaded (kwrite.h: no page mapped), else through
 * runs of pages.
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "grow.h"
#include "kmaps_int.h"
#include "kwrite.h"
#include "log.h"

#define WIN_BYTES (V4TBL_CHUNK * sizeof(uint32_t))

/* A full build reads and writes the blocks through an mmap of
 * L2_WIN_BLOCKS at a time (a syscall a block cost ~2 us, 40 ms at 1M):
 * the blocks are handed out in the order of their /24s, and the build
 * walks the /24s in order.  512 KiB a window: each munmap flushes the
 * other CPUs' TLBs (an IPI, dear in a VM); 64 KiB windows made ~160 a
 * no-op SIGHUP at 1M. */
#define L2_WIN_BLOCKS 512u
#define L2_BLK_BYTES sizeof(struct xdpfw_v4_l2_blk)

/* A window of a map's mmap, per units of unit bytes (per_win of them a
 * window; total in the map): walked in order, each mapped once. */
struct map_win {
	uint32_t *p;
	uint32_t first, n;
	int map;
	uint32_t unit, per_win, total;
};

static void map_win_unmap(struct map_win *w)
{
	if (w->p)
		munmap(w->p, (size_t)w->n * w->unit);
	w->p = NULL;
}

/* Unit u's words, mapped (writable if km is), or NULL (errno). */
static uint32_t *map_win_at(struct kmaps *km, struct map_win *w, uint32_t u)
{
	void *p;

	if (w->p && u >= w->first && u < w->first + w->n)
		return w->p + (size_t)(u - w->first) * (w->unit / 4);
	map_win_unmap(w);
	w->first = u & ~(w->per_win - 1);
	w->n = w->total - w->first < w->per_win ? w->total - w->first :
						   w->per_win;
	p = mmap(NULL, (size_t)w->n * w->unit,
		 PROT_READ | (km->writable ? PROT_WRITE : 0), MAP_SHARED,
		 km->fd[w->map], (off_t)w->first * w->unit);
	if (p == MAP_FAILED)
		return NULL;
	w->p = p;
	return w->p + (size_t)(u - w->first) * (w->unit / 4);
}

static void set_word(volatile uint32_t *w, uint32_t v, size_t *count)
{
	if (*w != v) {
		*w = v;
		(*count)++;
	}
}

/* A full build walks the table's chunks in order through an mmap of
 * TBL_WIN_CHUNKS of them (2 MiB): a window a chunk made 256 munmaps, and
 * TLB flushes, a full sync. */
#define TBL_WIN_CHUNKS 8u

/* A full build's blocks: the ones old words point at (not to be handed
 * out this time), the ones kept, and the narrow ops that want a new one. */
struct l2_build {
	struct map_win win; /* the blocks, L2_WIN_BLOCKS a window */
	struct map_win tw;  /* the table's chunks, TBL_WIN_CHUNKS a window */
	uint64_t *used, *kept;
	size_t *pend;
	size_t n_pend, cap_pend;
	uint32_t want[256];
};

static int bit_test_set(uint64_t *v, uint32_t b)
{
	int was = !!(v[b / 64] & 1ull << (b % 64));

	v[b / 64] |= 1ull << (b % 64);
	return was;
}

/* The word /24 idx must end with: want as painted, or, when it has a
 * /25-/31 and its old word's block already holds what the new set gives,
 * that block (L2).  Marks the block the old word points at as used. */
static uint32_t keep_block(struct kmaps *km, const struct v4tbl_ix *ix,
			   struct l2_build *lb, uint32_t idx, uint32_t old,
			   uint32_t want)
{
	uint32_t ob = old & XDPFW_V4T_L2_BLK;
	const uint32_t *got;

	if ((old & (XDPFW_V4T_L2 | XDPFW_V4T_TRIE)) != XDPFW_V4T_L2 ||
	    ob >= km->v4l2_blocks)
		return want;
	bit_test_set(lb->used, ob);
	if (!(want & XDPFW_V4T_TRIE))
		return want;
	v4tbl_block(ix, idx, want & XDPFW_V4T_SLOT, lb->want);
	got = map_win_at(km, &lb->win, ob);
	if (!got || memcmp(lb->want, got, sizeof(lb->want)) ||
	    bit_test_set(lb->kept, ob))
		return want;
	return (want & ~(XDPFW_V4T_TRIE | XDPFW_V4T_SLOT)) | v4tbl_l2_word(ob, lb->want);
}

/* The word while old and want are both in force: old | new flags, the
 * new slot (slot: the painted one), or the old one where the new set has
 * none; when a block comes or goes, the trie answers (TRIE) meanwhile. */
static uint32_t widened(uint32_t old, uint32_t want, uint32_t slot)
{
	uint32_t f = (old | want) & XDPFW_V4T_FLAGS;

	if ((old & want & XDPFW_V4T_L2) &&
	    !((old ^ want) & XDPFW_V4T_SLOT))
		return f | (want & XDPFW_V4T_SLOT);
	if ((old | want) & XDPFW_V4T_L2)
		return (f & ~XDPFW_V4T_L2) | XDPFW_V4T_TRIE |
		       (slot ? slot : (old & XDPFW_V4T_L2) ? 0 :
							       old & XDPFW_V4T_SLOT);
	return f | (slot ? slot : old & XDPFW_V4T_SLOT);
}

static int pend_push(struct l2_build *lb, size_t op)
{
	size_t *v = grow(lb->pend, &lb->cap_pend, lb->n_pend + 1, sizeof(*v),
			 256);

	if (!v)
		return -ENOMEM;
	lb->pend = v;
	lb->pend[lb->n_pend++] = op;
	return 0;
}

/* One chunk of the first half of a full build. */
static int widen_chunk(struct kmaps *km, const struct v4tbl_ix *ix,
		       struct l2_build *lb, uint32_t c, const uint32_t *buf,
		       struct v4tbl_change *narrow, size_t *count)
{
	uint32_t *win = map_win_at(km, &lb->tw, c);
	int err = win ? 0 : -errno;

	for (uint32_t i = 0; !err && i < V4TBL_CHUNK; i++) {
		uint32_t idx = (c << V4TBL_CHUNK_BITS) + i, old = win[i], v;
		uint32_t want = buf[i];

		/* Most words: unchanged, no block (the painting has no L2). */
		if (old == want && !(want & XDPFW_V4T_TRIE))
			continue;
		want = keep_block(km, ix, lb, idx, old, want);
		/* A /24 on the trie (no block yet) may get one. */
		if (old == want && !(want & XDPFW_V4T_TRIE))
			continue;
		v = widened(old, want, buf[i] & XDPFW_V4T_SLOT);
		set_word(&win[i], v, count);
		if (v != want || (want & XDPFW_V4T_TRIE))
			err = v4tbl_change_push(narrow, idx, want);
		if (!err && (want & XDPFW_V4T_TRIE))
			err = pend_push(lb, narrow->n - 1);
	}
	return err;
}

/* Block content e written into the first block from *b on that avoid
 * does not mark, and marked in mark (the caller points a word at it after
 * the key deletes): through window w, or by a bpf() update where w is
 * NULL.  0 (*b: that block), 1 when none is left, or -errno. */
static int put_block(struct kmaps *km, struct map_win *w, const uint64_t *avoid,
		     uint64_t *mark, uint32_t *b, const uint32_t *e,
		     size_t *count)
{
	uint32_t *dst;

	while (*b < km->v4l2_blocks && (avoid[*b / 64] & 1ull << (*b % 64)))
		(*b)++;
	if (*b >= km->v4l2_blocks)
		return 1;
	if (!w) {
		if (bpf_map_update_elem(km->fd[XMAP_V4_L2], b, e, BPF_ANY))
			return -errno;
	} else {
		dst = map_win_at(km, w, *b);
		if (!dst)
			return -errno;
		memcpy(dst, e, 256 * sizeof(*e));
	}
	(*count)++;
	bit_test_set(mark, *b);
	return 0;
}

/* Blocks for the /24s that want one, from those no old word points at,
 * written now; their words point at them after the key deletes. */
static int give_blocks(struct kmaps *km, const struct v4tbl_ix *ix,
		       struct l2_build *lb, struct v4tbl_change *narrow,
		       size_t *count)
{
	uint32_t b = 0;
	size_t i;
	int err = 0;

	for (i = 0; i < lb->n_pend; i++) {
		struct v4t_op *op = &narrow->ops[lb->pend[i]];

		v4tbl_block(ix, op->idx, op->val & XDPFW_V4T_SLOT, lb->want);
		/* kept: in use from now on */
		err = put_block(km, &lb->win, lb->used, lb->kept, &b, lb->want,
				count);
		if (err)
			break;
		op->val = (op->val & ~(XDPFW_V4T_TRIE | XDPFW_V4T_SLOT)) |
			  v4tbl_l2_word(b++, lb->want);
	}
	if (err > 0) /* no free block left: not an error */
		err = 0;
	/* The blocks are in memory before a word points at them (the
	 * narrow half, after the key deletes: syscalls in between). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	map_win_unmap(&lb->win);
	if (i < lb->n_pend && !err)
		log_warn("the IPv4 /24 table's second level is full: %zu /24s "
			 "with a /25-/31 prefix ask the trie (slower, not wrong)",
			 lb->n_pend - i);
	return err;
}

/* After a full build: the blocks in use (those kept and those given)
 * and a copy of the set's /25-/31 (without it, no blocks until the next
 * full build: slower, not wrong). */
static void keep_state(struct kmaps *km, const struct v4tbl_ix *ix,
		       struct l2_build *lb)
{
	kmaps_v4tbl_forget(km);
	km->v4t_lng = malloc((ix->n_lng ? ix->n_lng : 1) * sizeof(*ix->lng));
	if (!km->v4t_lng)
		return;
	memcpy(km->v4t_lng, ix->lng, ix->n_lng * sizeof(*ix->lng));
	km->n_v4t_lng = ix->n_lng;
	km->v4l2_used = lb->kept;
	lb->kept = NULL;
}

static int op_cmp(const void *a, const void *b)
{
	const struct v4t_op *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The word old widened by op val (xdpfw_v4t_widen).  *zero: val is a
 * zero slot where old has one, to clear after the key deletes. */
static uint32_t widen_word(uint32_t old, uint32_t val, int *zero)
{
	*zero = !val && !(old & XDPFW_V4T_L2) && (old & XDPFW_V4T_SLOT);
	return xdpfw_v4t_widen(old, val);
}

/* The bits of the old word a narrowing op (idx with V4T_OP_SET: val is
 * the new slot part and L2 bit, the old TRIE and L2 go) keeps of keep. */
static uint32_t narrow_keep(uint32_t idx, uint32_t keep)
{
	return idx & V4T_OP_SET ? keep & ~(XDPFW_V4T_TRIE | XDPFW_V4T_L2) :
				  keep;
}

static int gone_push(struct kmaps *km, uint32_t b)
{
	uint32_t *v = grow(km->v4l2_gone, &km->cap_v4l2_gone,
			   km->n_v4l2_gone + 1, sizeof(*v), 64);

	if (!v)
		return -ENOMEM;
	km->v4l2_gone = v;
	km->v4l2_gone[km->n_v4l2_gone++] = b;
	return 0;
}

#define V4T_NEED_NEW (1u << 31) /* in a need op's val */

/* After widening word idx (old before, w after; zero: a zero slot to
 * clear after the key deletes, which goes to narrow): its block let go
 * of if it went to the trie, and, if it is there, noted in need with its
 * new base (0 if a zero slot waits for the key deletes). */
static int widened_word(struct kmaps *km, uint32_t idx, uint32_t old,
			uint32_t w, int zero, struct v4tbl_change *narrow,
			struct v4tbl_change *need)
{
	uint32_t now = w & ~old & XDPFW_V4T_TRIE;
	int err = zero ? v4tbl_change_push(narrow, idx, 0) : 0;

	if (!err && now) {
		km->v4t_trie_words++;
		if ((old & XDPFW_V4T_L2) && km->v4l2_used)
			err = gone_push(km, old & XDPFW_V4T_L2_BLK);
	}
	if (!err && need && (w & XDPFW_V4T_TRIE))
		err = v4tbl_change_push(need, idx,
					(zero ? 0 : w & XDPFW_V4T_SLOT) |
						(now ? V4T_NEED_NEW : 0));
	return err;
}

/* The kernel writer for n ops: where it is loaded (or worth loading for
 * this many), and for at most KMAPS_KW_MAX_KEYS of them (more, as a full
 * build's narrowing of a large set, all over the table: page runs). */
static struct kwrite *v4t_writer(struct kmaps *km, size_t n)
{
	if (n > KMAPS_KW_MAX_KEYS || (!km->kw && n < KMAPS_KW_LOAD_MIN))
		return NULL;
	return kmaps_kwrite(km);
}

/* write_ops by the kernel writer: the words written there, and from the
 * old word it returns for each op, the bookkeeping as write_ops's. */
static int write_ops_kw(struct kmaps *km, struct kwrite *kw,
			const struct v4t_op *ops, size_t n, int widen,
			uint32_t keep, struct v4tbl_change *narrow,
			struct v4tbl_change *need, size_t *count)
{
	struct xdpfw_kw_v4t_op *k = calloc(n, sizeof(*k));
	size_t i = 0;
	int err;

	if (!k)
		return -ENOMEM;
	for (size_t j = 0; j < n; j++) {
		k[j].idx = ops[j].idx & ~V4T_OP_SET;
		k[j].val = ops[j].val;
		k[j].keep = narrow_keep(ops[j].idx, keep);
	}
	err = kwrite_v4t(kw, widen, k, n);
	while (!err && i < n) {
		uint32_t idx = k[i].idx, first = k[i].old, w = first, v;
		int zero = 0, z;

		if (!widen) {
			*count += ((first & k[i].keep) | k[i].val) != first;
			i++;
			continue;
		}
		for (; i < n && k[i].idx == idx; i++) {
			v = widen_word(w, k[i].val, &z);
			*count += v != w;
			w = v;
			zero |= z;
		}
		err = widened_word(km, idx, first, w, zero, narrow, need);
	}
	free(k);
	return err;
}

/* An incremental reload maps the pages its words are in, not whole
 * chunks: a page further than this from the last one starts a mapping
 * of its own (an mmap and munmap cost about as much as this many pages
 * inserted and removed: 4 was slower).  A 1 % churn at 1M widens words
 * in 6,500 of the table's 16k pages and narrows words in 700; it mapped
 * ~220 whole chunks for each (perf: the table's mmap and munmap 437 ->
 * 349 samples over 8 churns). */
#define RUN_GAP 16u

/* Bytes of the table a run maps at most: as much as a bulk window of the
 * exact-key tables (a first load's narrowing writes words all over it:
 * unbounded runs mapped up to 64 MiB, VmHWM +21 MB).  A 1 % churn at 1M
 * widens words in 13,600 of the table's 16k pages: runs of a chunk
 * (256 KiB) took 219 mmaps of ~7 us each besides the pages. */
#define RUN_MAX_BYTES KMAPS_OA_BULK_WINDOW

/* The run of pages from ops[i]'s: its first page and length, and the op
 * after it (*end).  No longer than RUN_MAX_BYTES. */
static uint32_t page_run(const struct v4t_op *ops, size_t n, size_t i,
			 uint32_t page_words, size_t *end, uint32_t *pages)
{
	uint32_t first = (ops[i].idx & ~V4T_OP_SET) / page_words, last = first;
	const uint32_t most = (uint32_t)(RUN_MAX_BYTES / sizeof(uint32_t)) / page_words;

	for (i++; i < n; i++) {
		uint32_t pg = (ops[i].idx & ~V4T_OP_SET) / page_words;

		if (pg < first || pg > last + RUN_GAP || pg >= first + most)
			break;
		last = pg > last ? pg : last;
	}
	*end = i;
	*pages = last - first + 1;
	return first;
}

/* ops (sorted by word when widening; V4T_OP_SET marks in idx allowed
 * when narrowing) applied by the kernel writer or a run of pages at a
 * time: widen (widen_word, a zero slot to narrow) or narrow ((old &
 * narrow_keep) | val).  Widening, each word left on the trie goes to need
 * (if not NULL) with its slot part (the /24's new base) and V4T_NEED_NEW
 * if it went there just now. */
static int write_ops(struct kmaps *km, const struct v4t_op *ops, size_t n,
		     int widen, uint32_t keep, struct v4tbl_change *narrow,
		     struct v4tbl_change *need, size_t *count)
{
	size_t i = 0, end, pg = (size_t)sysconf(_SC_PAGESIZE);
	uint32_t pw = (uint32_t)(pg / sizeof(uint32_t)); /* words a page */
	struct kwrite *kw = v4t_writer(km, n);
	int err = 0;

	if (kw)
		return write_ops_kw(km, kw, ops, n, widen, keep, narrow, need,
				    count);
	while (i < n && !err) {
		uint32_t pages, base = page_run(ops, n, i, pw, &end, &pages);
		uint32_t *win = mmap(NULL, pages * pg, PROT_READ |
				     (km->writable ? PROT_WRITE : 0), MAP_SHARED,
				     km->fd[XMAP_V4_TBL], (off_t)(base * pg));

		if (win == MAP_FAILED)
			return -errno;
		while (!err && i < end) {
			uint32_t idx = ops[i].idx & ~V4T_OP_SET;
			volatile uint32_t *w = &win[idx - base * pw];
			uint32_t first = *w;
			int zero = 0, z;

			if (!widen) {
				set_word(w, (*w & narrow_keep(ops[i].idx, keep)) |
						    ops[i].val,
					 count);
				i++;
				continue;
			}
			for (; i < end && ops[i].idx == idx; i++) {
				set_word(w, widen_word(*w, ops[i].val, &z), count);
				zero |= z;
			}
			err = widened_word(km, idx, first, *w, zero, narrow,
					   need);
		}
		munmap(win, pages * pg);
	}
	return err;
}

/* widen_chunk into a table just created: every old word is 0, so none is
 * read; the chunk's non-zero words (set, reused) are written as they are
 * (the kernel writer where loaded: mapping the table to read it touched
 * its 16k pages, ~300 ms of a first load at 1M on a VM with
 * paravirtualised page tables). */
static int fresh_chunk(struct kmaps *km, struct l2_build *lb, uint32_t c,
		       const uint32_t *buf, struct v4tbl_change *set,
		       struct v4tbl_change *narrow, size_t *count)
{
	int err = 0;

	set->n = 0;
	for (uint32_t i = 0; !err && i < V4TBL_CHUNK; i++) {
		uint32_t idx = (c << V4TBL_CHUNK_BITS) + i, want = buf[i];

		if (!want)
			continue;
		/* widened(0, want) is want (the painting has no L2): only a
		 * /24 on the trie, which may get a block, is narrowed after */
		err = v4tbl_change_push(set, idx, want);
		if (!err && (want & XDPFW_V4T_TRIE)) {
			err = v4tbl_change_push(narrow, idx, want);
			if (!err)
				err = pend_push(lb, narrow->n - 1);
		}
	}
	/* (old & 0) | want: each word set */
	return err ? err : write_ops(km, set->ops, set->n, 0, 0, NULL, NULL, count);
}

/* Full build, first half: each word gets the new slot (or keeps its old
 * one where the new set has none) and old | new flags; the words that
 * differ from the new set's go to narrow, for after the key deletes. */
static int full_widen(struct kmaps *km, const struct v4tbl_ix *ix, int fresh,
		      struct v4tbl_change *narrow, size_t *count)
{
	struct v4tbl_change set = { 0 };
	size_t words = (km->v4l2_blocks + 63) / 64;
	struct l2_build *lb = calloc(1, sizeof(*lb));
	uint32_t *buf = malloc(WIN_BYTES);
	int err = 0;

	if (lb) {
		lb->used = calloc(words, sizeof(uint64_t));
		lb->kept = calloc(words, sizeof(uint64_t));
		lb->win = (struct map_win){ .map = XMAP_V4_L2,
					    .unit = L2_BLK_BYTES,
					    .per_win = L2_WIN_BLOCKS,
					    .total = km->v4l2_blocks };
		lb->tw = (struct map_win){ .map = XMAP_V4_TBL,
					   .unit = WIN_BYTES,
					   .per_win = TBL_WIN_CHUNKS,
					   .total = V4TBL_CHUNKS };
	}
	if (!buf || !lb || !lb->used || !lb->kept)
		err = -ENOMEM;
	for (uint32_t c = 0; c < V4TBL_CHUNKS && !err; c++) {
		v4tbl_paint(ix, c, buf);
		err = fresh ? fresh_chunk(km, lb, c, buf, &set, narrow, count) :
			      widen_chunk(km, ix, lb, c, buf, narrow, count);
	}
	v4tbl_change_free(&set);
	if (!err)
		err = give_blocks(km, ix, lb, narrow, count);
	if (!err) /* what incremental reloads give blocks from */
		keep_state(km, ix, lb);
	if (lb) {
		map_win_unmap(&lb->win);
		map_win_unmap(&lb->tw);
		free(lb->used);
		free(lb->kept);
		free(lb->pend);
	}
	free(lb);
	free(buf);
	return err;
}

static void bit_clear(uint64_t *v, uint32_t b)
{
	v[b / 64] &= ~(1ull << (b % 64));
}

/* Incremental: each /24 the widening left on the trie gets what the new
 * set gives it (km->v4t_lng, merged by sync): a free block, written now
 * by a bpf() update, in the kernel before any word points at it after the
 * key deletes; or no block when it has no /25-/31 any more.  Without a
 * free block it stays on the trie.  (The blocks a churn gives, ~250 at
 * 1M, lie all over the free ones: each window mapped for one or two of
 * them cost an mmap and a munmap, whose TLB flush reaches every CPU the
 * daemon's threads ran on, ~13 ms a churn on this VM.) */
static int give_blocks_listed(struct kmaps *km, const struct v4tbl_change *need,
			      struct v4tbl_change *narrow, size_t *count)
{
	uint32_t e[256], b = 0, val;
	size_t given = 0, trie = 0;
	int err = 0;

	for (size_t i = 0; i < need->n && !err; i++) {
		uint32_t idx = need->ops[i].idx;
		uint32_t base = need->ops[i].val & ~V4T_NEED_NEW;

		if (!v4tbl_block_in(km->v4t_lng, km->n_v4t_lng, idx, base, e)) {
			val = base;
		} else {
			err = put_block(km, NULL, km->v4l2_used, km->v4l2_used,
					&b, e, count);
			if (err < 0)
				break;
			if (err) {
				err = 0;
				trie++; /* no free block: stays on the trie */
				continue;
			}
			val = v4tbl_l2_word(b, e);
			given++;
		}
		err = v4tbl_change_push(narrow, idx | V4T_OP_SET, val);
		if ((need->ops[i].val & V4T_NEED_NEW) && km->v4t_trie_words)
			km->v4t_trie_words--;
	}
	log_debug("the IPv4 /24 table: %zu /24s off the trie, %zu blocks given, "
		  "%zu left on the trie (no free block)", need->n, given, trie);
	return err;
}

void kmaps_v4tbl_forget(struct kmaps *km)
{
	free(km->v4l2_used);
	free(km->v4l2_gone);
	free(km->v4t_lng);
	km->v4l2_used = NULL;
	km->v4l2_gone = NULL;
	km->v4t_lng = NULL;
	km->n_v4l2_gone = km->cap_v4l2_gone = km->n_v4t_lng = 0;
}

/* Incremental: the blocks the last reload let go of are free now. */
static void blocks_gone(struct kmaps *km)
{
	for (size_t i = 0; km->v4l2_used && i < km->n_v4l2_gone; i++)
		if (km->v4l2_gone[i] < km->v4l2_blocks)
			bit_clear(km->v4l2_used, km->v4l2_gone[i]);
	km->n_v4l2_gone = 0;
}

int kmaps_v4tbl_widen_early(struct kmaps *km, struct v4tbl_change *c)
{
	struct v4tbl_change *narrow;
	size_t count = 0;
	int err;

	/* (the writer not tried yet: it would be loaded on this thread) */
	if (!c->full || !c->fresh || c->early ||
	    (km->writable && !km->kw && !km->kw_off))
		return -EINVAL;
	narrow = calloc(1, sizeof(*narrow));
	if (!narrow)
		return -ENOMEM;
	err = full_widen(km, c->full, 1, narrow, &count);
	if (err) {
		v4tbl_change_free(narrow);
		free(narrow);
		return err;
	}
	c->early = narrow;
	c->early_writes = count;
	return 0;
}

int kmaps_v4tbl_widen(struct kmaps *km, struct v4tbl_change *c,
		      struct v4tbl_change *narrow, size_t *count)
{
	struct v4tbl_change need = { 0 };
	int err;

	if (c->early) { /* written by kmaps_v4tbl_widen_early: handed over */
		v4tbl_change_free(narrow);
		*narrow = *c->early;
		free(c->early);
		c->early = NULL;
		*count += c->early_writes;
		return 0;
	}
	if (c->full)
		return full_widen(km, c->full, c->fresh, narrow, count);
	blocks_gone(km);
	if (c->n)
		qsort(c->ops, c->n, sizeof(*c->ops), op_cmp);
	/* Blocks only while which are in use and the set's /25-/31 are known. */
	err = write_ops(km, c->ops, c->n, 1, 0, narrow,
			km->v4l2_used && km->v4t_lng ? &need : NULL, count);
	if (!err && need.n)
		err = give_blocks_listed(km, &need, narrow, count);
	v4tbl_change_free(&need);
	return err;
}

int kmaps_v4tbl_narrow(struct kmaps *km, const struct v4tbl_change *c,
		       const struct v4tbl_change *narrow, size_t *count)
{
	/* Full: the new set's words as they are; else the slot cleared and
	 * the flags kept (stale ones go at the next full build). */
	return write_ops(km, narrow->ops, narrow->n, 0,
			 c->full ? 0 : XDPFW_V4T_FLAGS, NULL, NULL, count);
}
