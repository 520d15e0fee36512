// SPDX-License-Identifier: GPL-2.0-only
#include "kmaps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "ruleidx.h"
#include "skel.h"

const char *const xmap_name[XMAP_N] = {
	[KMAP_V4] = XDPFW_STR(XDPFW_MAP_V4),
	[KMAP_V6] = XDPFW_STR(XDPFW_MAP_V6),
	[KMAP_V4_LPM] = XDPFW_STR(XDPFW_MAP_V4_LPM),
	[KMAP_V6_LPM] = XDPFW_STR(XDPFW_MAP_V6_LPM),
	[KMAP_V4_PORT] = XDPFW_STR(XDPFW_MAP_V4_PORT),
	[KMAP_V6_PORT] = XDPFW_STR(XDPFW_MAP_V6_PORT),
	[KMAP_V4_PLPM] = XDPFW_STR(XDPFW_MAP_V4_PLPM),
	[KMAP_V6_PLPM] = XDPFW_STR(XDPFW_MAP_V6_PLPM),
	[KMAP_V4_XCPT] = XDPFW_STR(XDPFW_MAP_V4_XCPT),
	[KMAP_V6_XCPT] = XDPFW_STR(XDPFW_MAP_V6_XCPT),
	[XMAP_CFG] = XDPFW_STR(XDPFW_MAP_CFG),
	[XMAP_PORTS] = XDPFW_STR(XDPFW_MAP_PORTS),
	[XMAP_V4_BITMAP] = XDPFW_STR(XDPFW_MAP_V4_BITMAP),
	[XMAP_RULES] = XDPFW_STR(XDPFW_MAP_RULES),
	[XMAP_RSTATS] = XDPFW_STR(XDPFW_MAP_RSTATS),
	[XMAP_TOTALS] = XDPFW_STR(XDPFW_MAP_TOTALS),
	[XMAP_RBASE] = XDPFW_STR(XDPFW_MAP_RBASE),
	[XMAP_TBASE] = XDPFW_STR(XDPFW_MAP_TBASE),
	[XMAP_EP_BITMAP] = XDPFW_STR(XDPFW_MAP_EP_BITMAP),
	[XMAP_PP_BITMAP] = XDPFW_STR(XDPFW_MAP_PP_BITMAP),
	[XMAP_V6_BITMAP] = XDPFW_STR(XDPFW_MAP_V6_BITMAP),
};

/* The map behind each filter bitmap. */
static const enum xmap fmap_xmap[FMAP_N] = {
	[FMAP_PORTS] = XMAP_PORTS,
	[FMAP_V4] = XMAP_V4_BITMAP,
	[FMAP_EP] = XMAP_EP_BITMAP,
	[FMAP_PP] = XMAP_PP_BITMAP,
	[FMAP_V6] = XMAP_V6_BITMAP,
};

#define BATCH_CHUNK 4096

void kmaps_init(struct kmaps *km)
{
	memset(km, 0, sizeof(*km));
	for (int i = 0; i < XMAP_N; i++)
		km->fd[i] = -1;
}

static size_t mmap_len(size_t bytes)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (bytes + pg - 1) / pg * pg;
}

static int map_one(int fd, size_t bytes, int writable, void **out)
{
	void *p = mmap(NULL, mmap_len(bytes),
		       PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

int kmaps_finish(struct kmaps *km, int writable)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(km->fd[XMAP_RULES], &info, &len);
	if (err)
		return -errno;
	if (info.value_size != sizeof(struct xdpfw_rule))
		return -EPROTO;
	km->capacity = info.max_entries;
	km->writable = writable;
	km->ncpus = libbpf_num_possible_cpus();
	if (km->ncpus < 0)
		return km->ncpus;
	/* Layout 2: one counter per (CPU, slot). */
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(km->fd[XMAP_RSTATS], &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY ||
	    info.max_entries != km->capacity * (uint32_t)km->ncpus)
		return -EPROTO;
	err = map_one(km->fd[XMAP_RULES],
		      (size_t)km->capacity * sizeof(struct xdpfw_rule), writable,
		      (void **)&km->table);
	for (int m = 0; m < FMAP_N && !err; m++)
		err = map_one(km->fd[fmap_xmap[m]], fmap_words[m] * sizeof(uint64_t),
			      writable, (void **)&km->filter[m]);
	if (!err)
		err = map_one(km->fd[XMAP_RBASE],
			      (size_t)km->capacity * sizeof(struct xdpfw_counter),
			      writable, (void **)&km->rbase);
	if (!err)
		err = map_one(km->fd[XMAP_TBASE],
			      XDPFW_TOTAL_MAX * sizeof(struct xdpfw_counter),
			      writable, (void **)&km->tbase);
	return err;
}

int kmaps_from_skel(struct kmaps *km, struct xdpfw_bpf *skel)
{
	/* By the names the BPF side declares (xmap_name), not by skeleton
	 * field: one list of maps, and any object with them will do. */
	kmaps_init(km);
	for (int i = 0; i < XMAP_N; i++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(skel->obj, xmap_name[i]);

		if (!m) {
			log_error("the BPF object has no map %s", xmap_name[i]);
			return -ENOENT;
		}
		km->fd[i] = dup(bpf_map__fd(m));
		if (km->fd[i] < 0)
			return -errno;
	}
	return kmaps_finish(km, 1);
}

int kmaps_maps_dir(char *buf, size_t len, const char *pin_dir)
{
	int n = snprintf(buf, len, "%s/maps-v%d", pin_dir, XDPFW_LAYOUT_VERSION);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int kmaps_pin_path(char *buf, size_t len, const char *pin_dir,
		   const char *name)
{
	int n = snprintf(buf, len, "%s/maps-v%d/%s", pin_dir,
			 XDPFW_LAYOUT_VERSION, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int kmaps_open_pinned(struct kmaps *km, const char *pin_dir, int writable)
{
	char path[4096];
	int err;

	kmaps_init(km);
	for (int i = 0; i < XMAP_N; i++) {
		err = kmaps_pin_path(path, sizeof(path), pin_dir, xmap_name[i]);
		if (err)
			goto fail;
		km->fd[i] = bpf_obj_get(path);
		if (km->fd[i] < 0) {
			err = -errno;
			goto fail;
		}
	}
	err = kmaps_finish(km, writable);
	if (!err)
		return 0;
fail:
	kmaps_close(km);
	return err;
}

void kmaps_close(struct kmaps *km)
{
	if (!km)
		return;
	if (km->table)
		munmap(km->table,
		       mmap_len((size_t)km->capacity * sizeof(struct xdpfw_rule)));
	for (int m = 0; m < FMAP_N; m++)
		if (km->filter[m])
			munmap(km->filter[m],
			       mmap_len(fmap_words[m] * sizeof(uint64_t)));
	if (km->rbase)
		munmap(km->rbase, mmap_len((size_t)km->capacity *
					   sizeof(struct xdpfw_counter)));
	if (km->tbase)
		munmap(km->tbase,
		       mmap_len(XDPFW_TOTAL_MAX * sizeof(struct xdpfw_counter)));
	for (int i = 0; i < XMAP_N; i++)
		if (km->fd[i] >= 0)
			close(km->fd[i]);
	free(km->scratch);
	kmaps_init(km);
}

/* ---- reading ---- */

static int batch_refused(int e)
{
	return e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP;
}

/* Batch map operations came with Linux 5.6 (arrays, hashes); say once which
 * path this kernel takes. */
static void no_batch(struct kmaps *km)
{
	if (!km->no_batch)
		log_info("this kernel refuses batch map operations (%s); reading "
			 "and writing one entry at a time", strerror(errno));
	km->no_batch = 1;
}


static void kop_from_bytes(struct kop *op, enum kmap m, const void *key,
			   uint32_t slot)
{
	kkey_from_bytes(&op->key, m, key);
	op->slot = slot;
}

static int push_kop(struct kop **v, size_t *n, size_t *cap, enum kmap m,
		    const void *key, uint32_t slot)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		struct kop *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	kop_from_bytes(&(*v)[(*n)++], m, key, slot);
	return 0;
}

static int dump_batch(struct kmaps *km, enum kmap m, struct kop **v, size_t *n,
		      size_t *cap)
{
	size_t ks = kmap_key_size[m];
	uint8_t *keys = malloc(BATCH_CHUNK * ks);
	uint32_t *vals = malloc(BATCH_CHUNK * sizeof(uint32_t));
	uint8_t in[32], out[32];
	int first = 1, err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 count = BATCH_CHUNK;
		int done;

		err = bpf_map_lookup_batch(km->fd[m], first ? NULL : in, out,
					   keys, vals, &count, NULL);
		done = err && errno == ENOENT;
		if (err && !done) {
			err = -errno;
			goto out;
		}
		for (__u32 i = 0; i < count; i++) {
			err = push_kop(v, n, cap, m, keys + i * ks, vals[i]);
			if (err)
				goto out;
		}
		err = 0;
		if (done)
			break;
		memcpy(in, out, sizeof(in));
		first = 0;
	}
out:
	free(keys);
	free(vals);
	return err;
}

static int dump_iter(struct kmaps *km, enum kmap m, struct kop **v, size_t *n,
		     size_t *cap)
{
	uint8_t key[KKEY_MAX], next[KKEY_MAX];
	int has_key = 0, err;
	uint32_t slot;

	for (;;) {
		if (bpf_map_get_next_key(km->fd[m], has_key ? key : NULL, next)) {
			if (errno == ENOENT)
				return 0;
			return -errno;
		}
		memcpy(key, next, sizeof(key));
		has_key = 1;
		if (bpf_map_lookup_elem(km->fd[m], key, &slot))
			continue; /* deleted under us */
		err = push_kop(v, n, cap, m, key, slot);
		if (err)
			return err;
	}
}

int kmaps_dump_keys(struct kmaps *km, struct kop **out, size_t *n)
{
	size_t cap = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	for (int m = 0; m < KMAP_N && !err; m++) {
		if (!kmap_is_trie(m) && !km->no_batch) {
			size_t before = *n;

			err = dump_batch(km, m, out, n, &cap);
			if (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP) {
				errno = -err;
				no_batch(km);
				*n = before;
				err = dump_iter(km, m, out, n, &cap);
			}
		} else {
			err = dump_iter(km, m, out, n, &cap);
		}
	}
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
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

/* Did a migration ever carry counts over into the bases?  (Its totals
 * always moved too.)  If not, the bases are all zero and stay untouched:
 * reading them would map megabytes into the daemon for nothing. */
static int have_bases(const struct kmaps *km)
{
	for (int t = 0; t < XDPFW_TOTAL_MAX; t++)
		if (km->tbase[t].packets || km->tbase[t].bytes)
			return 1;
	return 0;
}

/* Slots in use among [first, first + n). */
static uint32_t used_in(const struct kmaps *km, uint32_t first, uint32_t n)
{
	uint32_t used = 0;

	for (uint32_t s = first; s < first + n; s++)
		used += km->table[s].family != 0;
	return used;
}

/*
 * Counters of CPU cpu for slots [first, first + n), added into slots[].
 * A batch lookup continues *after* its in_batch key (it walks with
 * get_next_key), so a range starting at key K passes K - 1, or nothing for
 * key 0; the keys it returns say where each value goes.
 */
static int add_cpu_range(struct kmaps *km, int cpu, uint32_t first,
			 uint32_t n, struct xdpfw_counter *slots,
			 struct xdpfw_counter *buf, uint32_t *keys)
{
	uint32_t base = (uint32_t)cpu * km->capacity + first;
	uint32_t lo = (uint32_t)cpu * km->capacity;
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
				slots[keys[i] - lo].packets += buf[i].packets;
				slots[keys[i] - lo].bytes += buf[i].bytes;
			}
			return 0;
		}
		if (r && batch_refused(errno))
			no_batch(km);
		else if (r && errno != ENOENT)
			return -errno;
		/* else a short batch: read the range one by one below */
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = base + i;

		if (bpf_map_lookup_elem(km->fd[XMAP_RSTATS], &k, &one))
			return -errno;
		slots[first + i].packets += one.packets;
		slots[first + i].bytes += one.bytes;
	}
	return 0;
}

int kmaps_read_slot_counters(struct kmaps *km, struct xdpfw_counter *slots,
			     uint32_t first, uint32_t n)
{
	struct xdpfw_counter *buf = NULL, one;
	uint32_t *keys = NULL;
	int err = 0, bases = have_bases(km);

	if (first > km->capacity || n > km->capacity - first)
		return -EINVAL;
	buf = calloc(BATCH_CHUNK, sizeof(*buf));
	keys = calloc(BATCH_CHUNK, sizeof(*keys));
	if (!buf || !keys) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t base = first; base < first + n;) {
		uint32_t count = first + n - base < BATCH_CHUNK ? first + n - base :
								 BATCH_CHUNK;
		uint32_t used = used_in(km, base, count);

		memset(&slots[base], 0, count * sizeof(*slots));
		if (used < count / 16) {
			/* Sparse: only the slots in use, one by one. */
			for (uint32_t s = base; s < base + count; s++) {
				if (!km->table[s].family)
					continue;
				for (int c = 0; c < km->ncpus; c++) {
					uint32_t k = (uint32_t)c * km->capacity + s;

					if (bpf_map_lookup_elem(km->fd[XMAP_RSTATS],
								&k, &one)) {
						err = -errno;
						goto out;
					}
					slots[s].packets += one.packets;
					slots[s].bytes += one.bytes;
				}
			}
		} else {
			for (int c = 0; c < km->ncpus; c++) {
				err = add_cpu_range(km, c, base, count, slots, buf,
						    keys);
				if (err)
					goto out;
			}
		}
		if (bases) {
			for (uint32_t s = base; s < base + count; s++) {
				slots[s].packets += km->rbase[s].packets;
				slots[s].bytes += km->rbase[s].bytes;
			}
		}
		base += count;
	}
out:
	free(buf);
	free(keys);
	return err;
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

uint32_t kmaps_flags(struct kmaps *km)
{
	struct xdpfw_cfg cfg = { 0 };
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(km->fd[XMAP_CFG], &zero, &cfg))
		return 0;
	return cfg.flags;
}

/* ---- writing ---- */

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

	if (n && !kmap_is_trie(m) && !km->no_batch) {
		size_t chunk = n < BATCH_CHUNK ? n : BATCH_CHUNK;

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
				if (batch_refused(errno))
					no_batch(km);
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

static int kop_map_cmp(const void *a, const void *b)
{
	const struct kop *x = a, *y = b;

	return (int)x->key.map - (int)y->key.map;
}

static int write_kops(struct kmaps *km, struct kop *ops, size_t n, int del,
		      size_t *count)
{
	size_t i = 0;
	int err;

	/* Group by map; order within a map does not matter. */
	if (n)
		qsort(ops, n, sizeof(*ops), kop_map_cmp);
	while (i < n) {
		size_t j = i;

		while (j < n && ops[j].key.map == ops[i].key.map)
			j++;
		err = write_ops(km, ops[i].key.map, ops + i, j - i, del, count);
		if (err) {
			log_error("cannot %s %zu entries of map %s: %s",
				  del ? "delete" : "write", j - i,
				  xmap_name[ops[i].key.map], strerror(-err));
			return err;
		}
		i = j;
	}
	return 0;
}

/* Zero the counters of slots on every CPU: batched where the kernel can. */
static int reset_counters(struct kmaps *km, const uint32_t *slots, size_t n,
			  size_t *count)
{
	struct xdpfw_counter *zero = calloc(BATCH_CHUNK, sizeof(*zero));
	uint32_t *keys = calloc(BATCH_CHUNK, sizeof(*keys));
	size_t total = n * (size_t)km->ncpus, done = 0;
	int err = 0;

	if (!zero || !keys) {
		err = -ENOMEM;
		goto out;
	}
	while (done < total) {
		__u32 cnt = 0, want;

		/* Keys cpu-major: CPU c's counter of slots[i] is c * cap + slot. */
		for (; done + cnt < total && cnt < BATCH_CHUNK; cnt++) {
			size_t x = done + cnt;

			keys[cnt] = (uint32_t)(x / n) * km->capacity + slots[x % n];
		}
		want = cnt;
		if (!km->no_batch &&
		    !bpf_map_update_batch(km->fd[XMAP_RSTATS], keys, zero, &cnt,
					  NULL)) {
			done += cnt;
			*count += cnt;
			continue;
		}
		if (!km->no_batch) {
			if (!batch_refused(errno)) {
				err = -errno;
				goto out;
			}
			no_batch(km);
		}
		for (cnt = 0; cnt < want; cnt++) {
			if (bpf_map_update_elem(km->fd[XMAP_RSTATS], &keys[cnt],
						zero, BPF_ANY)) {
				err = -errno;
				goto out;
			}
		}
		done += want;
		*count += want;
	}
out:
	free(zero);
	free(keys);
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
	for (int m = 0; m < FMAP_N; m++)
		write_words(km->filter[m],
			    filters_words((struct filters *)f, (enum fmap)m),
			    fmap_words[m], widen, count);
}

static void clear_slots(struct kmaps *km, const uint32_t *slots, size_t n,
			size_t *count)
{
	for (size_t i = 0; i < n; i++) {
		memset(&km->table[slots[i]], 0, sizeof(km->table[0]));
		(*count)++;
	}
}

int kmaps_apply(struct kmaps *km, const struct plan *p,
		const struct xdpfw_rule *rules, const struct filters *f,
		struct apply_stats *st)
{
	struct kop_list up = p->upserts, del = p->deletes;
	uint32_t *added_slots = NULL;
	uint32_t old_flags = kmaps_flags(km);
	int err = 0, bases = have_bases(km), fresh = km->counters_fresh;

	km->counters_fresh = 0; /* whatever happens below, only once */
	memset(st, 0, sizeof(*st));
	if (!km->writable)
		return -EPERM;

	if (p->delete_first) {
		/* Not enough free slots for the transition: the removed rules
		 * go first, and their slots are reused. */
		err = write_kops(km, del.v, del.n, 1, &st->key_writes);
		if (err)
			return err;
		del.n = 0;
		clear_slots(km, p->removed, p->n_removed, &st->slot_writes);
	}

	/* 1. counters of added slots from zero (also what a migration
	 * carried over into them). */
	added_slots = malloc((p->n_added ? p->n_added : 1) * sizeof(uint32_t));
	if (!added_slots)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_added; i++) {
		added_slots[i] = p->slots[p->added[i]];
		if (bases)
			memset(&km->rbase[added_slots[i]], 0, sizeof(km->rbase[0]));
	}
	/* Just-created maps are zero: a first start skips a million writes. */
	if (!fresh)
		err = reset_counters(km, added_slots, p->n_added, &st->slot_writes);
	if (err)
		goto out;

	/* 2. new keys; 3. filters widened so that old and new both match;
	 * then the table names the added rules: what `list` shows is in
	 * force, also if we die half-way. */
	err = write_kops(km, up.v, up.n, 0, &st->key_writes);
	if (err)
		goto out;
	write_filters(km, f, 1, &st->filter_writes);
	err = write_cfg(km, old_flags | f->flags, &st->filter_writes);
	if (err)
		goto out;
	for (size_t i = 0; i < p->n_added; i++) {
		km->table[added_slots[i]] = rules[p->added[i]];
		st->slot_writes++;
	}

	/* 4. old keys go; 5. filters narrowed; table entries freed. */
	err = write_kops(km, del.v, del.n, 1, &st->key_writes);
	if (err)
		goto out;
	err = write_cfg(km, f->flags, &st->filter_writes);
	if (err)
		goto out;
	if (!f->widen_only)
		write_filters(km, f, 0, &st->filter_writes);
	if (!p->delete_first)
		clear_slots(km, p->removed, p->n_removed, &st->slot_writes);
out:
	free(added_slots);
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
	/* src (with its own bases) no longer counts: read it once, for good. */
	err = kmaps_read_counters(src, per_slot, totals);
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
	return err;
}
