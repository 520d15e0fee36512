// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the kernel side back: every key of the lookup maps (the full
 * sync compares them with the rules), and the counters, summed over CPUs
 * and the bases a migration carried over.  Batch operations where the
 * kernel has them, one entry at a time where not.
 */
#include "grow.h"
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmaps_int.h"
#include "log.h"

/* Where the keys of a scan go: push(ctx, op) for each, except a key of
 * an open addressing table's overflow trie that the table also holds: it is not
 * in force (the program finds the table's entry first), another process
 * put it there.  Listed, the plan would delete the key, and the table's
 * entry with it; left out, it goes with the rule (kmaps_oa.c purges
 * copies on deletes). */
struct scan {
	struct kmaps *km;
	enum kmap m;
	int (*push)(void *ctx, const struct kop *op);
	void *ctx;
	size_t pushed; /* from m's overflow trie */
};

static int scan_one(struct scan *s, const void *key, uint32_t slot)
{
	struct kop op;

	kkey_from_bytes(&op.key, s->m, key);
	op.slot = slot;
	if (kmaps_oa_of(s->m) >= 0 && kmaps_oa_index(s->km, &op.key) >= 0)
		return 0;
	s->pushed++;
	return s->push(s->ctx, &op);
}

static int scan_batch(struct scan *s)
{
	size_t ks = kmap_key_size[s->m];
	uint8_t *keys = malloc(KMAPS_BATCH_CHUNK * ks);
	uint32_t *vals = malloc(KMAPS_BATCH_CHUNK * sizeof(uint32_t));
	uint8_t in[32], out[32];
	int first = 1, err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 count = KMAPS_BATCH_CHUNK;
		int done;

		err = bpf_map_lookup_batch(s->km->fd[s->m], first ? NULL : in,
					   out, keys, vals, &count, NULL);
		done = err && errno == ENOENT;
		if (err && !done) {
			err = -errno;
			goto out;
		}
		err = 0;
		for (__u32 i = 0; i < count && !err; i++)
			err = scan_one(s, keys + i * ks, vals[i]);
		if (err || done)
			break;
		memcpy(in, out, sizeof(in));
		first = 0;
	}
out:
	free(keys);
	free(vals);
	return err;
}

static int scan_iter(struct scan *s)
{
	uint8_t key[KKEY_MAX], next[KKEY_MAX];
	int has_key = 0, err;
	uint32_t slot;

	for (;;) {
		if (bpf_map_get_next_key(s->km->fd[s->m], has_key ? key : NULL,
					 next)) {
			if (errno == ENOENT)
				return 0;
			return -errno;
		}
		memcpy(key, next, sizeof(key));
		has_key = 1;
		if (bpf_map_lookup_elem(s->km->fd[s->m], key, &slot))
			continue; /* deleted under us */
		err = scan_one(s, key, slot);
		if (err)
			return err;
	}
}

int kmaps_scan_oa_keys(struct kmaps *km,
		       int (*push)(void *ctx, const struct kop *op), void *ctx)
{
	int err = 0;

	for (int m = 0; m < KMAP_N && !err; m++)
		err = kmaps_oa_dump(km, m, push, ctx);
	return err;
}

int kmaps_scan_map_keys(struct kmaps *km,
			int (*push)(void *ctx, const struct kop *op), void *ctx)
{
	int err = 0;

	for (int m = 0; m < KMAP_N && !err; m++) {
		struct scan s = { km, (enum kmap)m, push, ctx, 0 };

		if (!kmaps_can_batch(km)) {
			err = scan_iter(&s);
			continue;
		}
		err = scan_batch(&s);
		/* A kernel without batch operations (for this kind) refuses
		 * the first one, before any key went out. */
		if ((err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP) &&
		    !s.pushed) {
			errno = -err;
			kmaps_batch_off(km);
			err = scan_iter(&s);
		}
	}
	return err;
}

int kmaps_scan_keys(struct kmaps *km,
		    int (*push)(void *ctx, const struct kop *op), void *ctx)
{
	int err = kmaps_scan_oa_keys(km, push, ctx);

	return err ? err : kmaps_scan_map_keys(km, push, ctx);
}

struct dump_ctx {
	struct kop *v;
	size_t n, cap;
};

static int push_dump(void *ctx, const struct kop *op)
{
	struct dump_ctx *d = ctx;
	struct kop *nv = grow(d->v, &d->cap, d->n + 1, sizeof(*nv), 1024);

	if (!nv)
		return -ENOMEM;
	d->v = nv;
	d->v[d->n++] = *op;
	return 0;
}

int kmaps_dump_keys(struct kmaps *km, struct kop **out, size_t *n)
{
	struct dump_ctx d = { NULL, 0, 0 };
	int err = kmaps_scan_keys(km, push_dump, &d);

	if (err) {
		free(d.v);
		d.v = NULL;
		d.n = 0;
	}
	*out = d.v;
	*n = d.n;
	return err;
}

static void sum_cpus(const struct xdpfw_counter *percpu, size_t nc,
		     struct xdpfw_counter *out)
{
	struct xdpfw_counter sum = { 0 };

	for (size_t c = 0; c < nc; c++) {
		sum.packets += percpu[c].packets;
		sum.bytes += percpu[c].bytes;
	}
	*out = sum;
}

int kmaps_read_totals(struct kmaps *km, struct xdpfw_counter *totals)
{
	size_t nc = (size_t)km->ncpus;
	struct xdpfw_counter *buf = calloc(nc, sizeof(*buf));
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint32_t t = 0; t < XDPFW_TOTAL_MAX && !err; t++) {
		totals[t] = (struct xdpfw_counter){ 0 };
		if (bpf_map_lookup_elem(km->fd[XMAP_TOTALS], &t, buf)) {
			err = -errno;
			break;
		}
		sum_cpus(buf, nc, &totals[t]);
		totals[t].packets += km->tbase[t].packets;
		totals[t].bytes += km->tbase[t].bytes;
	}
	free(buf);
	return err;
}


/* Slots in use among [first, first + n) (tab: slot first's entry). */
static uint32_t used_in(const struct xdpfw_rule *tab, uint32_t n)
{
	uint32_t used = 0;

	for (uint32_t i = 0; i < n; i++)
		used += tab[i].family != 0;
	return used;
}

/*
 * Counters of CPU cpu for slots [first, first + n), added into slots[0, n).
 * A batch lookup continues *after* its in_batch key (it walks with
 * get_next_key), so a range starting at key K passes K - 1, or nothing for
 * key 0; the keys it returns say where each value goes.
 */
static int add_cpu_range(struct kmaps *km, int cpu, uint32_t first,
			 uint32_t n, struct xdpfw_counter *slots,
			 struct xdpfw_counter *buf, uint32_t *keys)
{
	uint32_t base = (uint32_t)cpu * km->capacity + first;
	__u32 count = n, prev = base - 1, outb;
	struct xdpfw_counter one;

	if (!km->no_batch) {
		int r = bpf_map_lookup_batch(km->fd[XMAP_RSTATS],
					     base ? &prev : NULL, &outb, keys, buf,
					     &count, NULL);

		if ((!r || errno == ENOENT) && count == n) {
			for (__u32 i = 0; i < count; i++) {
				if (keys[i] < base || keys[i] >= base + n)
					continue;
				slots[keys[i] - base].packets += buf[i].packets;
				slots[keys[i] - base].bytes += buf[i].bytes;
			}
			return 0;
		}
		if (r && kmaps_batch_refused(errno))
			kmaps_no_batch(km);
		else if (r && errno != ENOENT)
			return -errno;
		/* else a short batch: read the range one by one below */
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = base + i;

		if (bpf_map_lookup_elem(km->fd[XMAP_RSTATS], &k, &one))
			return -errno;
		slots[i].packets += one.packets;
		slots[i].bytes += one.bytes;
	}
	return 0;
}

/* The same (slots[0, n) for slots [first, first + n)) from mmaps of
 * xdpfw_rstats: a scan of memory, no syscall per
 * counter.  Each CPU's window of the map is mapped for the scan and
 * unmapped after it: a BPF array's mmap is resident in full at once, and
 * the whole map is ncpus x 16 MB at 1M slots. */
static int read_mapped(const struct kmaps *km, const struct xdpfw_rule *tab,
		       struct xdpfw_counter *slots, uint32_t first, uint32_t n,
		       int bases)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	memset(slots, 0, n * sizeof(*slots));
	for (int c = 0; c < km->ncpus && n; c++) {
		size_t off = ((size_t)c * km->capacity + first) *
			     sizeof(struct xdpfw_counter);
		size_t at = off / pg * pg;
		size_t len = off - at + n * sizeof(struct xdpfw_counter);
		const struct xdpfw_counter *one;
		void *p = mmap(NULL, len, PROT_READ, MAP_SHARED,
			       km->fd[XMAP_RSTATS], (off_t)at);

		if (p == MAP_FAILED)
			return -errno;
		one = (const struct xdpfw_counter *)((const uint8_t *)p +
						     (off - at));
		for (uint32_t i = 0; i < n; i++) {
			if (!tab[i].family)
				continue;
			slots[i].packets += one[i].packets;
			slots[i].bytes += one[i].bytes;
		}
		munmap(p, len);
	}
	for (uint32_t s = first; bases && s < first + n; s++) {
		if (!tab[s - first].family)
			continue;
		slots[s - first].packets += km->rbase[s].packets;
		slots[s - first].bytes += km->rbase[s].bytes;
	}
	return 0;
}

static int read_slot_counters(struct kmaps *km, const struct xdpfw_rule *tab,
			      struct xdpfw_counter *slots, uint32_t first,
			      uint32_t n)
{
	struct xdpfw_counter *buf = NULL, one;
	uint32_t *keys = NULL;
	int err = 0, bases = kmaps_have_bases(km);

	if (first > km->capacity || n > km->capacity - first)
		return -EINVAL;
	if (km->rstats_mmapable)
		return read_mapped(km, tab, slots, first, n, bases);
	buf = calloc(KMAPS_BATCH_CHUNK, sizeof(*buf));
	keys = calloc(KMAPS_BATCH_CHUNK, sizeof(*keys));
	if (!buf || !keys) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t base = first; base < first + n;) {
		uint32_t count = first + n - base < KMAPS_BATCH_CHUNK ? first + n - base :
								 KMAPS_BATCH_CHUNK;
		uint32_t used = used_in(&tab[base - first], count);

		memset(&slots[base - first], 0, count * sizeof(*slots));
		if (used < count / 16) {
			/* Sparse: only the slots in use, one by one. */
			for (uint32_t s = base; s < base + count; s++) {
				if (!tab[s - first].family)
					continue;
				for (int c = 0; c < km->ncpus; c++) {
					uint32_t k = (uint32_t)c * km->capacity + s;

					if (bpf_map_lookup_elem(km->fd[XMAP_RSTATS],
								&k, &one)) {
						err = -errno;
						goto out;
					}
					slots[s - first].packets += one.packets;
					slots[s - first].bytes += one.bytes;
				}
			}
		} else {
			for (int c = 0; c < km->ncpus; c++) {
				err = add_cpu_range(km, c, base, count,
						    &slots[base - first], buf, keys);
				if (err)
					goto out;
			}
		}
		if (bases) {
			for (uint32_t s = base; s < base + count; s++) {
				slots[s - first].packets += km->rbase[s].packets;
				slots[s - first].bytes += km->rbase[s].bytes;
			}
		}
		base += count;
	}
out:
	free(buf);
	free(keys);
	return err;
}

/* A run of the slot table at a time (kmaps_slot_run). */
int kmaps_read_slot_counters_to(struct kmaps *km, struct xdpfw_counter *out,
				uint32_t first, uint32_t n)
{
	uint32_t rn;

	if (first > km->capacity || n > km->capacity - first)
		return -EINVAL;
	for (uint32_t s = first; s < first + n; s += rn) {
		const struct xdpfw_rule *tab = kmaps_slot_run(km, s, &rn);
		int err;

		if (!tab)
			return -errno;
		if (rn > first + n - s)
			rn = first + n - s;
		err = read_slot_counters(km, tab, &out[s - first], s, rn);
		if (err)
			return err;
	}
	return 0;
}

int kmaps_read_slot_counters(struct kmaps *km, struct xdpfw_counter *slots,
			     uint32_t first, uint32_t n)
{
	if (first > km->capacity || n > km->capacity - first)
		return -EINVAL;
	return kmaps_read_slot_counters_to(km, &slots[first], first, n);
}

int kmaps_read_counters(struct kmaps *km, struct xdpfw_counter *slots,
			struct xdpfw_counter *totals)
{
	int err = 0;

	if (totals)
		err = kmaps_read_totals(km, totals);
	if (!err && slots)
		err = kmaps_read_slot_counters(km, slots, 0, km->capacity);
	return err;
}



int kmaps_filters_compare(struct kmaps *km, const struct filters *f,
			  filters_bad_fn bad, void *ctx, size_t *n_bad)
{
	uint32_t flags;
	int err = kmaps_flags(km, &flags);

	*n_bad = 0;
	if (err)
		return err;
	if ((flags & f->flags) != f->flags) {
		(*n_bad)++;
		if (bad)
			bad(ctx, FMAP_N, 0, flags, f->flags);
	}
	for (int m = 0; m < FMAP_N; m++) {
		const uint64_t *want = filters_words((struct filters *)f,
						     (enum fmap)m);
		const uint64_t *got = km->filter[m];

		if (!got)
			return -ENODEV;
		for (uint32_t i = 0; i < fmap_words[m]; i++) {
			if ((got[i] & want[i]) == want[i])
				continue;
			(*n_bad)++;
			if (bad)
				bad(ctx, m, i, got[i], want[i]);
		}
	}
	return 0;
}
