/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel side of the rule set: the pinned maps, opened either from a
 * freshly loaded skeleton or from their pins, read back, and written by
 * applying a plan.  The only module that writes rule maps.
 * Where the maps are pinned is pins.h's business.
 */
#ifndef XDPFW_KMAPS_H
#define XDPFW_KMAPS_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "kchange.h"

struct xdpfw_bpf;

/* Every map of the program, in one numbering: the lookup maps are enum
 * kmap's values, the filter bitmaps XMAP_FILTER + enum fmap, then the
 * rest.  (Nothing outside user space depends on the order.) */
enum xmap {
	XMAP_CFG = KMAP_N,
	XMAP_FILTER,
	XMAP_PORTS = XMAP_FILTER + FMAP_PORTS,
	XMAP_PP_BITMAP = XMAP_FILTER + FMAP_PP,
	XMAP_X_BITMAP = XMAP_FILTER + FMAP_X,
	XMAP_V6F = XMAP_FILTER + FMAP_V6F,
	XMAP_RULES = XMAP_FILTER + FMAP_N,
	XMAP_RSTATS,
	XMAP_TOTALS,
	XMAP_RBASE,
	XMAP_TBASE,
	XMAP_OA,     /* open addressing tables: XMAP_OA + enum oa */
	XMAP_V4_OA = XMAP_OA,
	XMAP_V4P_OA,
	XMAP_V6_OA,
	XMAP_V6P_OA,
	XMAP_V6C_OA,
	XMAP_V4_TBL, /* the IPv4 /24 table (v4tbl.h), a window at a time */
	XMAP_V4_L2,  /* its second level: blocks of /24s with a /25-/31 */
	XMAP_N
};

/* Bytes of an open addressing table that kmaps maps at a time: a multiple
 * of 4096 and of both entry sizes (16 and 24 B). */
#define KMAPS_OA_WINDOW (16u * 12288u)
/* ... and a dump, or a write of many keys, at a time (1.5 MB). */
#define KMAPS_OA_BULK_WINDOW (8u * KMAPS_OA_WINDOW)
/* Keys of one table past which a write goes through bulk windows, not the
 * kernel writer (kwrite.h): a 1M -> 0 reload's deletes (a first load's
 * keys come in chunks of 65,536). */
#define KMAPS_KW_MAX_KEYS 65536u
/* ... and below which one not loaded yet is not loaded for it. */
#define KMAPS_KW_LOAD_MIN 1024u

/* The open addressing tables: the exact keys (KMAP_V4, KMAP_V4_PORT,
 * KMAP_V6, KMAP_V6_PORT) live there, and in the overflow trie of the same
 * kind only when they overflowed their probe window (xdpfw_shared.h); so do
 * the IPv6 prefixes of the class lengths (KMAP_V6_LPM keys of /32, /48,
 * /56, /64: OA_V6C), the trie keeping the overflow and the other lengths.
 * kmaps_oa.c hides the split. */
enum oa { OA_V4, OA_V4P, OA_V6, OA_V6P, OA_V6C, OA_N };

extern const char *const xmap_name[XMAP_N];

struct kmaps {
	int fd[XMAP_N];
	uint32_t capacity;          /* max_entries of the slot table */
	/* mmap of xdpfw_rules, whole: always, or (table_lazy, the daemon)
	 * only while held (kmaps_table_hold), else NULL.  A BPF array's mmap
	 * is resident in full at once (24.5 MB at 1M); the daemon's reloads
	 * read and write it a window at a time (kmaps_slot_run). */
	struct xdpfw_rule *table;
	int table_lazy, table_refs;
	uint64_t table_gen;         /* this opening's number (the cache's tags) */
	struct xdpfw_rule *slot_win; /* the window of kmaps_slot_run, or NULL */
	uint32_t slot_win_first, slot_win_n;
	uint64_t *filter[FMAP_N];   /* mmap of each filter bitmap */
	/* mmap of xdpfw_rbase, only once a migration carried counts over
	 * (kmaps_map_rbase): an mmap of a BPF array is resident in full at
	 * once, and these 16 MB (at 1M) are zero otherwise. */
	struct xdpfw_counter *rbase;
	struct xdpfw_counter *tbase; /* mmap of xdpfw_tbase */
	/* xdpfw_rstats is mmapable (layout 3): the readers map the window
	 * they scan and unmap it (ncpus x 16 MB at 1M, never kept resident);
	 * else they read it through bpf(). */
	int rstats_mmapable;
	/* Each open addressing table (struct xdpfw_oa_ent or xdpfw_oa6_ent
	 * entries; max_entries - 1, a power of 2), mapped a window at a time
	 * (kmaps_oa.c): a whole mapping would count up to 112 MiB at 1M
	 * rules in the daemon's RSS, as BPF arrays are mapped eagerly. */
	uint32_t oa_mask[OA_N];
	uint8_t *oa_head[OA_N];     /* its first pages (probes wrap there) */
	uint8_t *oa_win[OA_N];      /* the window in use, or NULL */
	int oa_bulk;                /* windows of KMAPS_OA_BULK_WINDOW */
	size_t oa_head_len[OA_N], oa_win_off[OA_N], oa_win_len[OA_N];
	int oa_err;                 /* a window could not be mapped */
	/* The kernel writer of the tables (kwrite.h), loaded on first use;
	 * kw_off: none here (not tried again); oa_kw: the one a pass lists
	 * its keys for, or NULL (through windows). */
	struct kwrite *kw, *oa_kw;
	int kw_off;
	int ncpus;                  /* libbpf_num_possible_cpus() */
	int writable;
	int no_batch;               /* the kernel refused batch ops once */
	int no_trie_batch;          /* ... on an LPM trie (before Linux 6.0) */
	size_t stale_filter_rules;  /* removed since the filters were rebuilt */
	int counters_fresh;         /* counter maps just created: all zero */
	/* The free slots whose counters are known zero (a bit each; NULL:
	 * not known, every added slot is zeroed), and the free slots to
	 * sweep (kmaps_clean.c): a bit each, how many, where the last sweep
	 * stopped (a word). */
	uint64_t *clean, *sweep_bits;
	size_t n_sweep;
	uint32_t sweep_from;
	/* sync's filter words for a rebuild of the bitmaps in use (SIGHUP),
	 * kept once made: a fresh one (9.2 MB) costs ~2,300 page faults,
	 * 60-260 ms on a busy VM.  Widening reloads and a first load write
	 * the bitmaps in place and never make it. */
	uint64_t *fbuf;
	/* sync's index of the IPv4 prefixes for the /24 table's incremental
	 * walks, kept between reloads (a pass over 1M rules and 2 MB of
	 * zeroed pages each time cost ~20 ms): bit l of v4t_lens, a prefix
	 * of length l; v4t_deep, a bit per /24 a /17../24 covers, then a
	 * bloom filter of the prefixes (sync.c, V4_BLOOM_BITS).  Widened
	 * by added rules, rebuilt at full builds. */
	uint64_t *v4t_deep;
	uint32_t v4t_lens;
	uint32_t v4l2_blocks;       /* max_entries of xdpfw_v4_l2 */
	/* The blocks in use (a bit each; NULL: not known, as before the
	 * first full build of this process or after a failed apply: then
	 * only full builds give blocks), and those the words let go of in
	 * the last reload: free from the next one on (a packet may still
	 * be reading one). */
	uint64_t *v4l2_used;
	uint32_t *v4l2_gone;
	size_t n_v4l2_gone, cap_v4l2_gone;
	/* The set's /25-/31 address prefixes (v4tbl.h), kept with
	 * v4l2_used: from a full build, then sync merges each change in. */
	struct v4t_long *v4t_lng;
	size_t n_v4t_lng;
	/* /24s that incremental reloads left on the trie since the last full
	 * build of the /24 table (no free block was left for them, or the
	 * reload could not walk the new set).  At v4t_trie_max (0:
	 * KMAPS_V4T_TRIE_MAX) the next reload builds the table in full. */
	uint32_t v4t_trie_words;
	uint32_t v4t_trie_max;
	/* Keys a chunk of the added address entries' writes (kmaps_bulk.c;
	 * 0: 65536); tests make it small. */
	uint32_t added_chunk;
};

/* The default of kmaps.v4t_trie_max: a full build of the /24 table costs
 * 60-100 ms at 1M entries, a /24 on the trie some 60-90 ns a packet. */
#define KMAPS_V4T_TRIE_MAX 1024u

/* Counts of what an apply wrote to the kernel. */
struct apply_stats {
	size_t key_writes;   /* upserts + deletes in the lookup maps */
	size_t slot_writes;  /* slot table entries and counter resets */
	size_t filter_writes; /* changed words of the filters, cfg */
	const char *failed_map; /* on failure: the map that refused, or NULL */
};

void kmaps_init(struct kmaps *km);
int kmaps_from_skel(struct kmaps *km, struct xdpfw_bpf *skel);
/* Open the pinned maps under pin_dir.  -ENOENT when none are pinned. */
int kmaps_open_pinned(struct kmaps *km, const char *pin_dir, int writable);
/* The same from an older layout's maps directory (maps-v<layout>): what
 * kmaps_finish checks must read as this layout's (XDPFW_COUNTERS_SINCE_
 * LAYOUT says whose slot table and counters do). */
int kmaps_open_pinned_v(struct kmaps *km, const char *pin_dir, int layout,
			int writable);
void kmaps_close(struct kmaps *km); /* NULL-safe */
/* km->fd[] filled by the caller (every map, e.g. found by id): finish
 * opening (mmap, sizes).  On failure the caller closes km. */
int kmaps_finish(struct kmaps *km, int writable);

/* 1 and *slot when key k is in force in the kernel (for an exact key: in
 * the open addressing table or its overflow trie), 0 when not, or -errno. */
int kmaps_lookup_key(struct kmaps *km, const struct kkey *k, uint32_t *slot);

/* push(ctx, op) for every key of lookup map m that sits in its open
 * addressing table (the others are in the map itself); 0 at once for a
 * map without one.  A memory scan, no syscall. */
int kmaps_oa_dump(struct kmaps *km, enum kmap m,
		  int (*push)(void *ctx, const struct kop *op), void *ctx);

/* The open addressing table of lookup map m (enum oa), or -1; and the
 * lookup map of table t. */
int kmaps_oa_of(enum kmap m);
enum kmap kmaps_oa_kmap(int t);
/* Key k in its open addressing table only (not the overflow): 1 with
 * *slot, 0 when not there; *ovf: its home's overflow mark.  -errno. */
int kmaps_oa_probe(struct kmaps *km, const struct kkey *k, uint32_t *slot,
		   int *ovf);
/* Index of exact key k's entry in its table, or -1 (not there). */
long kmaps_oa_index(struct kmaps *km, const struct kkey *k);
/* The state word of entry i of table t, the entry's key right before it;
 * valid until the next kmaps call (for tests). */
uint32_t *kmaps_oa_state(struct kmaps *km, int t, uint32_t i);

/* push(ctx, op) for every key of every lookup map with its slot, map by
 * map (an open addressing table a window at a time, a trie a batch at a
 * time): nothing is kept.  Stops at push's first error. */
int kmaps_scan_keys(struct kmaps *km,
		    int (*push)(void *ctx, const struct kop *op), void *ctx);
/* The two halves of it, for a scan on two threads: the keys in the open
 * addressing tables (memory reads of km's tables), and those in the maps
 * themselves (the tries: syscalls; may turn km's batch operations off, on
 * a kernel without them). */
int kmaps_scan_oa_keys(struct kmaps *km,
		       int (*push)(void *ctx, const struct kop *op), void *ctx);
int kmaps_scan_map_keys(struct kmaps *km,
			int (*push)(void *ctx, const struct kop *op), void *ctx);

/* The same into an array (*out, freed by the caller). */
int kmaps_dump_keys(struct kmaps *km, struct kop **out, size_t *n);

/* Make the kernel hold exactly: rules (slots from p), filters f, the IPv4
 * /24 table's change p->v4t.  Order: slot table and counters of added
 * rules, key upserts, filters and /24 table widened to old | new (a /24
 * keeps its old slot where the new set has none), key deletes, filters
 * and table narrowed to new, slot table of removed rules cleared.
 * Enforcement of a rule present before and after is never interrupted. */
int kmaps_apply(struct kmaps *km, const struct kchange *c,
		const struct filters *f, struct apply_stats *st);

/* Sum per-CPU counters: per slot (array of capacity) and totals
 * (XDPFW_TOTAL_MAX).  Either may be NULL.  Free slots read as zero. */
int kmaps_read_counters(struct kmaps *km, struct xdpfw_counter *slots,
			struct xdpfw_counter *totals);

int kmaps_read_totals(struct kmaps *km, struct xdpfw_counter *totals);
/* Slots [first, first + n) into slots[first...], a piece at a time. */
int kmaps_read_slot_counters(struct kmaps *km, struct xdpfw_counter *slots,
			     uint32_t first, uint32_t n);
/* The same into out[0, n). */
int kmaps_read_slot_counters_to(struct kmaps *km, struct xdpfw_counter *out,
				uint32_t first, uint32_t n);

/* The XDPFW_F_* flags in force (which lookups the program makes): 0 and
 * *flags set, or -errno (*flags 0) when the cfg map cannot be read. */
/* May batch operations be tried on the lookup maps (all tries since
 * layout 10: batches since Linux 6.0)?  After a refusal (errno says why)
 * kmaps_batch_off says once which path is left. */
int kmaps_can_batch(const struct kmaps *km);
void kmaps_batch_off(struct kmaps *km);

/* Map xdpfw_rbase (km->rbase) if it is not yet: 0 or -errno. */
int kmaps_map_rbase(struct kmaps *km);

/* Entries of the slot table a window maps (786,432 B: a multiple of the
 * page and of the entry). */
#define KMAPS_SLOT_WINDOW 32768u

/* From now on km->table is mapped only while held (the daemon): unmapped
 * now.  Hold/release nest; a hold maps the whole table, 0 or -errno. */
void kmaps_table_lazy(struct kmaps *km);
int kmaps_table_hold(struct kmaps *km);
void kmaps_table_release(struct kmaps *km);

/* Slot table entries [s, s + *n), *n >= 1: in the whole mapping when
 * there is one, else in a window of KMAPS_SLOT_WINDOW entries mapped in
 * place of the last (writable when km is).  Valid until the next call or
 * release; NULL (errno set) when it cannot be mapped. */
struct xdpfw_rule *kmaps_slot_run(struct kmaps *km, uint32_t s, uint32_t *n);

/* Slots in use (a window at a time). */
size_t kmaps_count_in_force(struct kmaps *km);

int kmaps_flags(struct kmaps *km, uint32_t *flags);

/* Delete every key of the lookup maps, a bounded batch per syscall (a
 * trie's one by one): before maps of millions of entries are let go, so
 * that freeing them is cheap.  The kernel frees a map in one piece of
 * work that does not yield, and a full trie or hash map kept a CPU from
 * everything else for hundreds of milliseconds (bench/stalls.sh).  Only
 * for maps no attached program uses.  0 or -errno (-EEXIST, nothing
 * deleted: a lookup map is not xdpfw's own, its pin replaced by another
 * program's map, or an open addressing table's); *deleted: keys gone. */
int kmaps_drain(struct kmaps *km, size_t *deleted);
/* km's kernel writer of the open addressing tables (kwrite.h), loaded
 * on first use; NULL when there is none here (then not tried again). */
struct kwrite *kmaps_kwrite(struct kmaps *km);
/* The drain's pace.  What a delete from a trie (or a hash) lets go, the
 * kernel frees after an RCU Tasks Trace grace period, and those came
 * about a second apart on Linux 6.18 (lazy): one callback frees all that
 * the map's cache queued meanwhile, and the map's destruction all that is
 * left, each in one piece of work that does not yield (1M rules' trie
 * keys deleted at once: 35-50 ms in drain_mem_cache when the trie is
 * destroyed; bench/stalls.sh with PERF_DIR, bench/stall-runs.py).  So the
 * keys of the maps without an open addressing table go KMAPS_DRAIN_CHUNK
 * at a time, at most KMAPS_DRAIN_RATE a second: a second's frees take
 * ~10 ms (1M rules of bench/gen-rules.py: a drain 1-2 s longer).  Faster
 * when there are more than KMAPS_DRAIN_MAX_S seconds of them (10M
 * rules), so that a migration's start stays well inside systemd's start
 * timeout.  The tables' keys are memory writes, deleted
 * in one go. */
#define KMAPS_DRAIN_RATE 50000
#define KMAPS_DRAIN_MAX_S 4
#define KMAPS_DRAIN_CHUNK 2048

/* After a migration to new maps (dst, synced, and the program already
 * swapped to them so src counts no more): carry the counters of every rule
 * present in both, and the totals, over from src into dst's bases. */
int kmaps_carry_counters(struct kmaps *dst, struct kmaps *src, size_t *carried);

/* Compare the kernel's filters and flags with f (filters_from_table):
 * bad(ctx, m, word, got, want) for each word of filter m (FMAP_N: the
 * xdpfw_cfg flags) that lacks a bit of f's; a bit f has not (stale, of a
 * removed rule) is no error.  *n_bad: how many.  0 or -errno. */
typedef void (*filters_bad_fn)(void *ctx, int m, uint32_t word, uint64_t got,
			       uint64_t want);
int kmaps_filters_compare(struct kmaps *km, const struct filters *f,
			  filters_bad_fn bad, void *ctx, size_t *n_bad);

/* The IPv4 /24 table (kmaps_v4tbl_read.c): chunk c (V4TBL_CHUNK words)
 * mapped at *win (writable if km is) until kmaps_v4tbl_unmap; one word
 * read. */
int kmaps_v4tbl_map(struct kmaps *km, uint32_t chunk, uint32_t **win);
void kmaps_v4tbl_unmap(uint32_t *win);
int kmaps_v4tbl_word(struct kmaps *km, uint32_t idx, uint32_t *w);
/* Block b of the table's second level (xdpfw_v4_l2, 256 entries) into e. */
int kmaps_v4tbl_block(struct kmaps *km, uint32_t b, uint32_t *e);
/* kmaps_clean.c: zero the counters of up to max slots freed since they
 * last were and still free, so that the reloads that take them need not;
 * call it while the daemon idles, a second or more after the last reload
 * that freed any (a packet may count on a slot for a moment after its
 * rule went).  *count: counters zeroed.  0 or -errno (those slots stay
 * unclean: a reload that takes one zeroes it). */
int kmaps_sweep_counters(struct kmaps *km, size_t max, size_t *count);
/* When nothing is known of the free slots (maps found pinned): every
 * slot not in busy (a bit each, capacity of them) joins the sweep. */
void kmaps_clean_start(struct kmaps *km, const uint64_t *busy);
/* Slots waiting for the sweep. */
static inline size_t kmaps_sweep_pending(const struct kmaps *km)
{
	return km->clean ? km->n_sweep : 0;
}
/* kmaps_v4tbl.c: which blocks are in use and the /25-/31 list are no
 * longer known (an apply failed half-way, the list did not merge): only a
 * full build gives blocks again. */
void kmaps_v4tbl_forget(struct kmaps *km);
/* The first half of a fresh full build (c->full and c->fresh: maps just
 * created, which nothing reads yet) written now, on a thread of its own
 * while km's thread writes the keys: what kmaps_apply would write after
 * them.  It reads km's descriptors and kernel writer (load it first, with
 * kmaps_kwrite on km's thread) and sets km's state of the blocks, which
 * km's thread leaves alone until then; the narrowing half waits in c for
 * kmaps_apply.  0 or -errno. */
int kmaps_v4tbl_widen_early(struct kmaps *km, struct v4tbl_change *c);
/* kmaps_v4tbl_read.c: compare the table with ix's recomputation:
 * bad(ctx, word, got, want) for each word whose slot differs or that lacks
 * a flag it needs (a stale flag is no error); *n_bad: how many.  0 or
 * -errno. */
typedef void (*v4tbl_bad_fn)(void *ctx, uint32_t idx, uint32_t got,
			     uint32_t want);
int kmaps_v4tbl_compare(struct kmaps *km, const struct v4tbl_ix *ix,
			v4tbl_bad_fn bad, void *ctx, size_t *n_bad);
/* The same for chunks [first, first + n), adding to *n_bad. */
int kmaps_v4tbl_compare_chunks(struct kmaps *km, const struct v4tbl_ix *ix,
			       uint32_t first, uint32_t n, v4tbl_bad_fn bad,
			       void *ctx, size_t *n_bad);

#endif
