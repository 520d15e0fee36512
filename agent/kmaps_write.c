// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writing the kernel side: applying a plan in the order that never leaves a
 * rule that stays out of force (kmaps.h, kmaps_apply), and carrying
 * counters over after a migration.  The only code that writes rule maps.
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmaps_int.h"
#include "log.h"
#include "ruleidx.h"

static int write_one(int fd, const struct kop *op, int del)
{
	if (del)
		return bpf_map_delete_elem(fd, op->key.b) && errno != ENOENT ?
			       -errno : 0;
	return bpf_map_update_elem(fd, op->key.b, &op->slot, BPF_ANY) ? -errno :
									0;
}

/* Upserts or deletes of one map: batched where the kernel can; whatever a
 * batch did not do (refused, or a delete that met a missing key) is done one
 * by one. */
static int write_ops(struct kmaps *km, enum kmap m, const struct kop *ops,
		     size_t n, int del, size_t *count)
{
	size_t ks = kmap_key_size[m], i = 0;
	uint8_t *keys = NULL;
	uint32_t *vals = NULL;
	int err = 0;

	if (n && kmaps_can_batch(km)) {
		size_t chunk = n < KMAPS_BATCH_CHUNK ? n : KMAPS_BATCH_CHUNK;

		keys = malloc(chunk * ks);
		vals = malloc(chunk * sizeof(*vals));
		if (!keys || !vals) {
			err = -ENOMEM;
			goto out;
		}
		while (i < n) {
			__u32 cnt = 0;
			int r;

			for (; i + cnt < n && cnt < chunk; cnt++) {
				memcpy(keys + cnt * ks, ops[i + cnt].key.b, ks);
				vals[cnt] = ops[i + cnt].slot;
			}
			r = del ? bpf_map_delete_batch(km->fd[m], keys, &cnt, NULL) :
				  bpf_map_update_batch(km->fd[m], keys, vals, &cnt,
						       NULL);
			i += cnt;
			*count += cnt;
			if (r) {
				if (kmaps_batch_refused(errno))
					kmaps_batch_off(km);
				break;
			}
		}
	}
	for (; i < n; i++) {
		err = write_one(km->fd[m], &ops[i], del);
		if (err)
			goto out;
		(*count)++;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* Group ops by map, in map order, in place (an American flag sort: one
 * count, then each op swapped straight into its map's range).  No memory
 * and no comparisons: glibc's qsort is a merge sort, and sorting a first
 * load's 1.06M key writes (32 B each) allocated a 34 MB copy at the
 * daemon's peak.  start[m]..start[m + 1]: map m's range. */
static void group_by_map(struct kop *ops, size_t n, size_t start[KMAP_N + 1])
{
	size_t next[KMAP_N];

	memset(start, 0, (KMAP_N + 1) * sizeof(*start));
	for (size_t i = 0; i < n; i++)
		start[ops[i].key.map + 1]++;
	for (int m = 0; m < KMAP_N; m++) {
		start[m + 1] += start[m];
		next[m] = start[m];
	}
	for (int m = 0; m < KMAP_N; m++) {
		while (next[m] < start[m + 1]) {
			struct kop *o = &ops[next[m]], t;
			int d = o->key.map;

			if (d == m) {
				next[m]++;
				continue;
			}
			t = ops[next[d]];
			ops[next[d]++] = *o;
			*o = t;
		}
	}
}

/* Is map m written by the second thread: a trie without an open
 * addressing table (a table's windows are km's, and stay on its thread). */
static int on_thread(enum kmap m)
{
	return kmaps_oa_of(m) < 0;
}

/* The maps of ops (grouped by map: start, group_by_map) on_thread
 * (tries), or the others.  Each side reads only its maps' ranges: the
 * other thread compacts its own (kmaps_oa_write) meanwhile. */
static int write_maps(struct kmaps *km, struct kop *ops,
		      const size_t *start, int del, int tries,
		      struct apply_stats *st)
{
	int err;

	for (int mi = 0; mi < KMAP_N; mi++) {
		enum kmap m = (enum kmap)mi;
		size_t i = start[m], n = start[m + 1] - i, left = n;

		if (!n || on_thread(m) != tries)
			continue;
		/* An open addressing table takes what fits; its overflow trie
		 * the overflow. */
		err = kmaps_oa_of(m) < 0 ? 0 :
					   kmaps_oa_write(km, m, ops + i, n, del,
							  &left, &st->key_writes);
		if (!err)
			err = write_ops(km, m, ops + i, left, del,
					&st->key_writes);
		if (!err && del && left && kmaps_oa_of(m) >= 0)
			err = kmaps_oa_sweep(km, m);
		if (err) {
			st->failed_map = xmap_name[m];
			return err;
		}
	}
	return 0;
}

/* The tries' writes, on a thread of their own: inserting into a trie is
 * kernel work (1.4 us a key at 1M), the open addressing tables are
 * memory writes here; a first load's 135k prefixes took 190 of its
 * 490 ms of writes.  The thread has a km of its own (trie_view): the
 * descriptors and the batch flags, all write_ops reads or sets for a map
 * without an open addressing table (nothing is shared; a trie with a
 * table, the IPv6 prefixes', is written here). */
struct trie_writer {
	struct kmaps km;
	struct kop *ops;
	const size_t *start;
	int del, err;
	struct apply_stats st;
};

/* Writes of at least this many keys of each kind go on two threads. */
#define PARALLEL_MIN 4096

/* Only what the trie writer reads of km, copied: a first load writes
 * km's /24 table state on a third thread meanwhile (sync.c), so km is
 * not copied whole. */
static void trie_view(struct kmaps *v, const struct kmaps *km)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->fd, km->fd, sizeof(v->fd));
	v->no_batch = km->no_batch;
	v->no_trie_batch = km->no_trie_batch;
}

static void *trie_writer_main(void *arg)
{
	struct trie_writer *w = arg;

	w->err = write_maps(&w->km, w->ops, w->start, w->del, 1, &w->st);
	return NULL;
}

/* Start w on a thread that takes no signal (the daemon's loop does). */
static int start_writer(pthread_t *th, struct trie_writer *w)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(th, NULL, trie_writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int kmaps_write_kops(struct kmaps *km, struct kop *ops, size_t n, int del,
		     struct apply_stats *st)
{
	size_t start[KMAP_N + 1], n_trie = 0;
	struct trie_writer w = { .ops = ops, .start = start, .del = del };
	pthread_t th;
	int err;

	/* Group by map; order within a map, and between maps, does not
	 * matter. */
	group_by_map(ops, n, start);
	for (int m = 0; m < KMAP_N; m++)
		n_trie += on_thread((enum kmap)m) ? start[m + 1] - start[m] : 0;
	trie_view(&w.km, km);
	if (n_trie < PARALLEL_MIN || n - n_trie < PARALLEL_MIN ||
	    start_writer(&th, &w)) {
		err = write_maps(km, ops, start, del, 0, st);
		return err ? err : write_maps(km, ops, start, del, 1, st);
	}
	err = write_maps(km, ops, start, del, 0, st);
	pthread_join(th, NULL);
	st->key_writes += w.st.key_writes;
	km->no_batch |= w.km.no_batch;
	km->no_trie_batch |= w.km.no_trie_batch;
	if (!err && w.err) {
		err = w.err;
		st->failed_map = w.st.failed_map;
	}
	return err;
}


static int write_cfg(struct kmaps *km, uint32_t flags, size_t *count)
{
	struct xdpfw_cfg cfg = { 0 };
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(km->fd[XMAP_CFG], &zero, &cfg))
		return -errno;
	if (cfg.flags == flags && cfg.layout == XDPFW_LAYOUT_VERSION)
		return 0;
	cfg.flags = flags;
	cfg.layout = XDPFW_LAYOUT_VERSION;
	cfg.generation++;
	if (bpf_map_update_elem(km->fd[XMAP_CFG], &zero, &cfg, BPF_ANY))
		return -errno;
	(*count)++;
	return 0;
}

static void write_words(uint64_t *dst, const uint64_t *src, size_t n, int widen,
			size_t *count)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = widen ? dst[i] | src[i] : src[i];

		if (dst[i] != v) {
			dst[i] = v;
			(*count)++;
		}
	}
}

static void write_filters(struct kmaps *km, const struct filters *f,
			  int widen, size_t *count)
{
	if (f->in_place) /* written already */
		return;
	for (int m = 0; m < FMAP_N; m++)
		write_words(km->filter[m],
			    filters_words((struct filters *)f, (enum fmap)m),
			    fmap_words[m], widen, count);
}

/* The exact-key tables written in one pass each (kmaps_oa_write_pair), in
 * this order: a host key can cover a port key, never the other way. */
static const enum kmap pair_maps[] = { KMAP_V4, KMAP_V4_PORT, KMAP_V6,
				       KMAP_V6_PORT };

/* Past this many upserts the change is written as before: the keys of
 * the added address entries are not listed whole. */
#define PAIR_MAX (1u << 17)

static int is_pair_map(enum kmap m)
{
	for (size_t i = 0; i < sizeof(pair_maps) / sizeof(pair_maps[0]); i++)
		if (pair_maps[i] == m)
			return 1;
	return 0;
}

/* The upserts of the pair maps, moved out of up (the rest compacted) and
 * with the added address entries' keys: those of the pair maps first
 * (*n, grouped by map: groups, as group_by_map), then the others
 * (*n_other: a prefix's key is its own too); NULL: no memory. */
static struct kop *pair_upserts(const struct kchange *p, struct kop_list *up,
				size_t *n, size_t *n_other,
				size_t groups[KMAP_N + 1])
{
	size_t cap = up->n + (p->addr_upserts_implicit ? p->n_added : 0), k = 0;
	struct kop *v = malloc((cap ? cap : 1) * sizeof(*v));

	*n = *n_other = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < up->n; i++) {
		if (is_pair_map(up->v[i].key.map))
			v[(*n)++] = up->v[i];
		else
			up->v[k++] = up->v[i];
	}
	up->n = k;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; p->addr_upserts_implicit && i < p->n_added;
		     i++) {
			const struct xdpfw_rule *r = &p->rules[p->added[i]];
			struct kkey kk[2];
			size_t at = *n + *n_other;

			if (r->port)
				continue;
			rule_kkeys(r, kk);
			if (is_pair_map(kk[0].map) != !pass)
				continue;
			v[at].key = kk[0];
			v[at].slot = p->slots[p->added[i]];
			if (pass)
				(*n_other)++;
			else
				(*n)++;
		}
	}
	group_by_map(v, *n, groups);
	return v;
}

/* Each pair map's upserts (ups, grouped: ug) and deletes in one pass over
 * its table; its overflow upserts to the trie at once, its overflow
 * deletes left in del (compacted) for step 4. */
static int write_pairs(struct kmaps *km, struct kop *ups, const size_t *ug,
		       struct kop_list *del, struct apply_stats *st)
{
	size_t keep = 0, a, b, c, d, ru, rd, dg[KMAP_N + 1];
	int err = 0;

	group_by_map(del->v, del->n, dg);
	for (size_t i = 0; i < sizeof(pair_maps) / sizeof(pair_maps[0]); i++) {
		enum kmap m = pair_maps[i];

		a = ug[m];
		b = ug[m + 1];
		c = dg[m];
		d = dg[m + 1];
		err = kmaps_oa_write_pair(km, m, ups + a, b - a, del->v + c,
					  d - c, &ru, &rd, &st->key_writes);
		if (!err)
			err = write_ops(km, m, ups + a, ru, 0, &st->key_writes);
		if (err) {
			st->failed_map = xmap_name[m];
			return err;
		}
		/* the deletes done: marked by a map of KMAP_N */
		for (size_t j = c + rd; j < d; j++)
			del->v[j].key.map = KMAP_N;
	}
	for (size_t j = 0; j < del->n; j++)
		if (del->v[j].key.map != KMAP_N)
			del->v[keep++] = del->v[j];
	del->n = keep;
	return 0;
}

/* Filters and the /24 table widened (old | new), then the flags; what
 * the table must still lose goes to narrow. */
static int widen_filters(struct kmaps *km, const struct kchange *p,
			 const struct filters *f, uint32_t flags,
			 struct v4tbl_change *narrow, struct apply_stats *st)
{
	int err = 0;

	write_filters(km, f, 1, &st->filter_writes);
	if (p->v4t)
		err = kmaps_v4tbl_widen(km, p->v4t, narrow, &st->filter_writes);
	if (err) {
		st->failed_map = xmap_name[XMAP_V4_TBL];
		return err;
	}
	return write_cfg(km, flags, &st->filter_writes);
}

/* After the key deletes: the flags, filters and /24 table narrowed to the
 * new set's (the filters only from a full build). */
static int narrow_filters(struct kmaps *km, const struct kchange *p,
			  const struct filters *f,
			  const struct v4tbl_change *narrow,
			  struct apply_stats *st)
{
	int err = write_cfg(km, f->flags, &st->filter_writes);

	if (err)
		return err;
	if (!f->widen_only)
		write_filters(km, f, 0, &st->filter_writes);
	if (p->v4t)
		err = kmaps_v4tbl_narrow(km, p->v4t, narrow, &st->filter_writes);
	if (err)
		st->failed_map = xmap_name[XMAP_V4_TBL];
	return err;
}

/* The counters of the added slots from zero, and their bases.  Maps just
 * created (fresh) are zero: a first start skips a million writes (and the
 * list of their slots, 4 MB at its peak); so are slots a sweep zeroed
 * since they were freed (kmaps_clean.c). */
static int reset_added(struct kmaps *km, const struct kchange *p, int fresh,
		       struct apply_stats *st)
{
	uint32_t *slots;
	size_t n = 0;
	int err = 0;

	if (kmaps_have_bases(km)) {
		err = kmaps_map_rbase(km);
		if (err)
			return err;
		for (size_t i = 0; i < p->n_added; i++)
			memset(&km->rbase[p->slots[p->added[i]]], 0,
			       sizeof(km->rbase[0]));
	}
	if (fresh) {
		kmaps_clean_all(km);
		for (size_t i = 0; i < p->n_added; i++)
			kmaps_clean_take(km, p->slots[p->added[i]]);
		return 0;
	}
	slots = malloc((p->n_added ? p->n_added : 1) * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_added; i++) {
		uint32_t s = p->slots[p->added[i]];

		if (!kmaps_clean_take(km, s))
			slots[n++] = s;
	}
	err = kmaps_reset_counters(km, slots, n, &st->slot_writes);
	free(slots);
	return err;
}

/* Steps 2 and 3 of kmaps_apply: the new keys, the filters widened.  A
 * change with deletes writes the exact-key tables after 3, each in one
 * pass of upserts and deletes (mapped once, not twice): every key that
 * can cover a deleted one (a prefix, a host over its ports) is then in
 * force.  Their deletes done are taken out of del. */
static int write_new_keys(struct kmaps *km, const struct kchange *p,
			  const struct filters *f, uint32_t old_flags,
			  struct v4tbl_change *narrow, struct kop_list *del,
			  struct apply_stats *st)
{
	struct kop_list up = p->upserts;
	struct kop *pups = NULL;
	size_t n_pups = 0, n_other = 0, ug[KMAP_N + 1];
	int err;

	/* (a change whose port entries' keys are implicit too is a first
	 * load's: no deletes) */
	if (del->n && !p->port_upserts_implicit &&
	    up.n + (p->addr_upserts_implicit ? p->n_added : 0) <= PAIR_MAX) {
		pups = pair_upserts(p, &up, &n_pups, &n_other, ug);
		if (!pups)
			return -ENOMEM;
	}
	err = kmaps_write_kops(km, up.v, up.n, 0, st);
	if (!err && n_other)
		err = kmaps_write_kops(km, pups + n_pups, n_other, 0, st);
	if (!err && p->addr_upserts_implicit && !pups)
		err = kmaps_write_added(km, p, st);
	if (!err && p->derived)
		err = p->derived(p->derived_ctx);
	if (!err)
		err = widen_filters(km, p, f, old_flags | f->flags, narrow, st);
	if (!err && pups)
		err = write_pairs(km, pups, ug, del, st);
	free(pups);
	return err;
}

int kmaps_apply(struct kmaps *km, const struct kchange *p,
		const struct filters *f, struct apply_stats *st)
{
	struct kop_list del = p->deletes;
	struct v4tbl_change narrow = { 0 };
	uint32_t old_flags;
	int err = 0, fresh = km->counters_fresh;

	km->counters_fresh = 0; /* whatever happens below, only once */
	memset(st, 0, sizeof(*st));
	if (!km->writable)
		return -EPERM;
	/* The program's lookups stay on through the change: the flags in
	 * force must be known, never guessed as 0. */
	err = kmaps_flags(km, &old_flags);
	if (err) {
		st->failed_map = xmap_name[XMAP_CFG];
		return err;
	}

	if (p->delete_first) {
		/* Not enough free slots for the transition: the removed rules
		 * go first, and their slots are reused. */
		err = kmaps_write_kops(km, del.v, del.n, 1, st);
		if (err)
			return err;
		del.n = 0;
		err = kmaps_clear_slots(km, p->removed, p->n_removed, st);
		if (err)
			return err;
		kmaps_clean_freed(km, p->removed, p->n_removed);
	}

	/* 1. counters of added slots from zero (also what a migration
	 * carried over into them). */
	err = reset_added(km, p, fresh, st);
	if (err)
		return err;

	/* 2. new keys; 3. filters widened so that old and new both match;
	 * then the table names the added rules: what `list` shows is in
	 * force, also if we die half-way. */
	err = write_new_keys(km, p, f, old_flags, &narrow, &del, st);
	if (err)
		goto out;
	err = kmaps_write_slots(km, p, st);
	if (err)
		goto out;

	/* 4. old keys go; 5. filters narrowed; table entries freed. */
	err = kmaps_write_kops(km, del.v, del.n, 1, st);
	if (err)
		goto out;
	err = narrow_filters(km, p, f, &narrow, st);
	if (err)
		goto out;
	if (!p->delete_first) {
		err = kmaps_clear_slots(km, p->removed, p->n_removed, st);
		if (!err)
			kmaps_clean_freed(km, p->removed, p->n_removed);
	}
out:
	/* (what is built beside the keys may set the blocks' state: done
	 * with it first; derived is the wait, again a no-op) */
	if (err && p->derived)
		p->derived(p->derived_ctx);
	if (err) /* blocks may have been given and not pointed at */
		kmaps_v4tbl_forget(km);
	v4tbl_change_free(&narrow);
	return err;
}

/* Is every lookup map and open addressing table of km xdpfw's own (its
 * kernel name the one xdpfw gives it)?  A pin may have been replaced by
 * another program's map. */
static int lookup_maps_ours(struct kmaps *km)
{
	for (int m = 0; m < XMAP_N; m++) {
		struct bpf_map_info info;
		int err;

		/* the lookup maps and the open addressing tables */
		if (m >= KMAP_N && (m < XMAP_OA || m >= XMAP_OA + OA_N))
			continue;
		err = kmaps_map_info(km->fd[m], &info);
		if (err)
			return err;
		if (strncmp(info.name, xmap_name[m], sizeof(info.name)))
			return -EEXIST;
	}
	return 0;
}

/* Move the keys of maps with an open addressing table to the front; how
 * many. */
static size_t oa_keys_first(struct kop *keys, size_t n)
{
	size_t front = 0;

	for (size_t i = 0; i < n; i++) {
		struct kop t;

		if (kmaps_oa_of(keys[i].key.map) < 0)
			continue;
		t = keys[front];
		keys[front++] = keys[i];
		keys[i] = t;
	}
	return front;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* kmaps_drain's deletes, paced (kmaps.h: KMAPS_DRAIN_RATE). */
static int drain_paced(struct kmaps *km, struct kop *keys, size_t n,
		       struct apply_stats *st)
{
	size_t done = oa_keys_first(keys, n), start = done;
	int err = kmaps_write_kops(km, keys, done, 1, st);
	int64_t t0 = now_ns(), rate = KMAPS_DRAIN_RATE;

	if ((int64_t)(n - done) > rate * KMAPS_DRAIN_MAX_S)
		rate = (int64_t)(n - done) / KMAPS_DRAIN_MAX_S;

	while (!err && done < n) {
		size_t c = n - done;
		/* when the keys deleted so far are due at the rate */
		int64_t wait = t0 - now_ns() +
			       (int64_t)(done - start) * 1000000000LL / rate;

		if (c > KMAPS_DRAIN_CHUNK)
			c = KMAPS_DRAIN_CHUNK;
		if (wait > 0) {
			struct timespec ts = { wait / 1000000000LL,
					       wait % 1000000000LL };

			nanosleep(&ts, NULL);
		}
		err = kmaps_write_kops(km, keys + done, c, 1, st);
		done += c;
	}
	return err;
}

int kmaps_drain(struct kmaps *km, size_t *deleted)
{
	struct apply_stats st = { 0 };
	struct kop *keys;
	size_t n;
	int err;

	*deleted = 0;
	if (!km->writable)
		return -EPERM;
	err = lookup_maps_ours(km);
	if (!err)
		err = kmaps_dump_keys(km, &keys, &n);
	if (err)
		return err;
	err = drain_paced(km, keys, n, &st);
	free(keys);
	*deleted = st.key_writes;
	return err;
}

int kmaps_carry_counters(struct kmaps *dst, struct kmaps *src, size_t *carried)
{
	struct xdpfw_counter *per_slot = NULL;
	struct xdpfw_counter totals[XDPFW_TOTAL_MAX];
	struct ruleidx ix = { 0 };
	int err;

	*carried = 0;
	per_slot = calloc(src->capacity ? src->capacity : 1, sizeof(*per_slot));
	if (!per_slot)
		return -ENOMEM;
	/* Once, at a migration: both tables read whole. */
	err = kmaps_table_hold(dst);
	if (!err && (err = kmaps_table_hold(src)))
		kmaps_table_release(dst);
	if (err) {
		free(per_slot);
		return err;
	}
	/* src (with its own bases) no longer counts: read it once, for good. */
	err = kmaps_read_counters(src, per_slot, totals);
	if (!err)
		err = kmaps_map_rbase(dst);
	if (!err)
		err = ruleidx_init(&ix, 1024);
	for (uint32_t s = 0; !err && s < dst->capacity; s++)
		if (dst->table[s].family &&
		    ruleidx_failed(ruleidx_add(&ix, dst->table, s)))
			err = -ENOMEM;
	if (err)
		goto out;
	for (uint32_t t = 0; t < XDPFW_TOTAL_MAX; t++) {
		dst->tbase[t].packets += totals[t].packets;
		dst->tbase[t].bytes += totals[t].bytes;
	}
	for (uint32_t s = 0; s < src->capacity; s++) {
		uint32_t to;

		if (!src->table[s].family ||
		    !(per_slot[s].packets | per_slot[s].bytes))
			continue;
		to = ruleidx_find(&ix, dst->table, &src->table[s]);
		if (to == RULEIDX_NONE)
			continue;
		dst->rbase[to].packets += per_slot[s].packets;
		dst->rbase[to].bytes += per_slot[s].bytes;
		(*carried)++;
	}
out:
	ruleidx_free(&ix);
	free(per_slot);
	kmaps_table_release(src);
	kmaps_table_release(dst);
	return err;
}
