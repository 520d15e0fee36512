// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel side of the rule set, opened: the maps by name (from a loaded
 * object or from their pins), their mmaps, and the few helpers that
 * kmaps_read.c (keys, counters) and kmaps_write.c (apply, carry) share.
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmaps_int.h"
#include "kwrite.h"
#include "log.h"
#include "pins.h"
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
	[XMAP_RULES] = XDPFW_STR(XDPFW_MAP_RULES),
	[XMAP_RSTATS] = XDPFW_STR(XDPFW_MAP_RSTATS),
	[XMAP_TOTALS] = XDPFW_STR(XDPFW_MAP_TOTALS),
	[XMAP_RBASE] = XDPFW_STR(XDPFW_MAP_RBASE),
	[XMAP_TBASE] = XDPFW_STR(XDPFW_MAP_TBASE),
	[XMAP_PP_BITMAP] = XDPFW_STR(XDPFW_MAP_PP_BITMAP),
	[XMAP_X_BITMAP] = XDPFW_STR(XDPFW_MAP_X_BITMAP),
	[XMAP_V6F] = XDPFW_STR(XDPFW_MAP_V6F),
	[XMAP_V4_OA] = XDPFW_STR(XDPFW_MAP_V4_OA),
	[XMAP_V4P_OA] = XDPFW_STR(XDPFW_MAP_V4P_OA),
	[XMAP_V6_OA] = XDPFW_STR(XDPFW_MAP_V6_OA),
	[XMAP_V6P_OA] = XDPFW_STR(XDPFW_MAP_V6P_OA),
	[XMAP_V6C_OA] = XDPFW_STR(XDPFW_MAP_V6C_OA),
	[XMAP_V4_TBL] = XDPFW_STR(XDPFW_MAP_V4_TBL),
	[XMAP_V4_L2] = XDPFW_STR(XDPFW_MAP_V4_L2),
};

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

/* The open addressing tables: each a power of two (kmaps_oa.c maps
 * them). */
static int check_oa(struct kmaps *km)
{
	for (int t = 0; t < OA_N; t++) {
		struct bpf_map_info info;
		int err = kmaps_map_info(km->fd[XMAP_OA + t], &info);

		if (err)
			return err;
		if (info.value_size != kmaps_oa_esize((enum oa)t) ||
		    !info.max_entries ||
		    (info.max_entries & (info.max_entries - 1)))
			return -EPROTO;
		km->oa_mask[t] = info.max_entries - 1;
	}
	return 0;
}

/* Numbers each opening: the rules cache's tags name slots of one. */
static uint64_t kmaps_openings;

int kmaps_finish(struct kmaps *km, int writable)
{
	struct bpf_map_info info;
	int err;

	err = kmaps_map_info(km->fd[XMAP_RULES], &info);
	if (err)
		return err;
	if (info.value_size != sizeof(struct xdpfw_rule))
		return -EPROTO;
	km->capacity = info.max_entries;
	km->writable = writable;
	km->table_gen = ++kmaps_openings;
	km->ncpus = libbpf_num_possible_cpus();
	if (km->ncpus < 0)
		return km->ncpus;
	/* Layout 2: one counter per (CPU, slot). */
	err = kmaps_map_info(km->fd[XMAP_RSTATS], &info);
	if (err)
		return err;
	if (info.type != BPF_MAP_TYPE_ARRAY ||
	    info.max_entries != km->capacity * (uint32_t)km->ncpus)
		return -EPROTO;
	/* Not mmapable (an older layout): read through bpf(). */
	km->rstats_mmapable = !!(info.map_flags & BPF_F_MMAPABLE);
	err = map_one(km->fd[XMAP_RULES],
		      (size_t)km->capacity * sizeof(struct xdpfw_rule), writable,
		      (void **)&km->table);
	for (int m = 0; m < FMAP_N && !err; m++)
		err = map_one(km->fd[XMAP_FILTER + m], fmap_words[m] * sizeof(uint64_t),
			      writable, (void **)&km->filter[m]);
	if (!err)
		err = map_one(km->fd[XMAP_TBASE],
			      XDPFW_TOTAL_MAX * sizeof(struct xdpfw_counter),
			      writable, (void **)&km->tbase);
	if (!err)
		err = check_oa(km);
	if (!err)
		err = kmaps_v4tbl_check(km);
	if (!err && kmaps_have_bases(km))
		err = kmaps_map_rbase(km);
	return err;
}

int kmaps_map_rbase(struct kmaps *km)
{
	if (km->rbase)
		return 0;
	return map_one(km->fd[XMAP_RBASE],
		       (size_t)km->capacity * sizeof(struct xdpfw_counter),
		       km->writable, (void **)&km->rbase);
}

_Static_assert(KMAPS_SLOT_WINDOW * sizeof(struct xdpfw_rule) % 4096 == 0,
	       "a slot table window is whole pages");

static size_t table_bytes(const struct kmaps *km)
{
	return (size_t)km->capacity * sizeof(struct xdpfw_rule);
}

static void slot_win_unmap(struct kmaps *km)
{
	if (km->slot_win)
		munmap(km->slot_win,
		       mmap_len((size_t)km->slot_win_n * sizeof(struct xdpfw_rule)));
	km->slot_win = NULL;
	km->slot_win_first = km->slot_win_n = 0;
}

void kmaps_table_lazy(struct kmaps *km)
{
	km->table_lazy = 1;
	if (km->table && !km->table_refs) {
		munmap(km->table, mmap_len(table_bytes(km)));
		km->table = NULL;
	}
}

int kmaps_table_hold(struct kmaps *km)
{
	if (!km->table) {
		int err = map_one(km->fd[XMAP_RULES], table_bytes(km),
				  km->writable, (void **)&km->table);

		if (err)
			return err;
	}
	km->table_refs++;
	return 0;
}

void kmaps_table_release(struct kmaps *km)
{
	if (km->table_refs && !--km->table_refs && km->table_lazy)
		kmaps_table_lazy(km);
}

struct xdpfw_rule *kmaps_slot_run(struct kmaps *km, uint32_t s, uint32_t *n)
{
	uint32_t first = s / KMAPS_SLOT_WINDOW * KMAPS_SLOT_WINDOW;
	size_t off = (size_t)first * sizeof(struct xdpfw_rule);
	void *p;

	if (s >= km->capacity) {
		errno = EINVAL;
		return NULL;
	}
	if (km->table) {
		*n = km->capacity - s;
		return &km->table[s];
	}
	if (!km->slot_win || km->slot_win_first != first) {
		uint32_t wn = km->capacity - first < KMAPS_SLOT_WINDOW ?
				      km->capacity - first : KMAPS_SLOT_WINDOW;

		slot_win_unmap(km);
		p = mmap(NULL, mmap_len((size_t)wn * sizeof(struct xdpfw_rule)),
			 PROT_READ | (km->writable ? PROT_WRITE : 0), MAP_SHARED,
			 km->fd[XMAP_RULES], (off_t)off);
		if (p == MAP_FAILED)
			return NULL;
		km->slot_win = p;
		km->slot_win_first = first;
		km->slot_win_n = wn;
	}
	*n = km->slot_win_first + km->slot_win_n - s;
	return &km->slot_win[s - km->slot_win_first];
}

size_t kmaps_count_in_force(struct kmaps *km)
{
	size_t count = 0;
	uint32_t n;

	for (uint32_t first = 0; first < km->capacity; first += n) {
		const struct xdpfw_rule *t = kmaps_slot_run(km, first, &n);

		if (!t)
			break; /* a count to report: what could be read */
		for (uint32_t i = 0; i < n; i++)
			count += t[i].family != 0;
	}
	return count;
}

int kmaps_from_skel(struct kmaps *km, struct xdpfw_bpf *skel)
{
	/* By the names the BPF side declares (xmap_name), not by skeleton
	 * field: one list of maps, and any object with them will do. */
	kmaps_init(km);
	for (int i = 0; i < XMAP_N; i++) {
		struct bpf_map *m;

		bpf_object__for_each_map(m, skel->obj)
			if (pins_map_name_is(bpf_map__name(m), xmap_name[i]))
				break;
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

int kmaps_open_pinned_v(struct kmaps *km, const char *pin_dir, int layout,
			int writable)
{
	char path[4096];
	int err;

	kmaps_init(km);
	for (int i = 0; i < XMAP_N; i++) {
		err = pins_map_path_v(path, sizeof(path), pin_dir, layout,
				      xmap_name[i]);
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

int kmaps_open_pinned(struct kmaps *km, const char *pin_dir, int writable)
{
	return kmaps_open_pinned_v(km, pin_dir, XDPFW_LAYOUT_VERSION, writable);
}

void kmaps_close(struct kmaps *km)
{
	if (!km)
		return;
	if (km->table)
		munmap(km->table, mmap_len(table_bytes(km)));
	slot_win_unmap(km);
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
	kmaps_oa_unmap(km);
	free(km->fbuf);
	for (int i = 0; i < XMAP_N; i++)
		if (km->fd[i] >= 0)
			close(km->fd[i]);
	free(km->v4t_deep);
	kwrite_free(km->kw);
	kmaps_v4tbl_forget(km);
	kmaps_clean_forget(km);
	kmaps_init(km);
}

/* ---- shared by kmaps_read.c and kmaps_write.c (kmaps_int.h) ---- */

int kmaps_map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

int kmaps_batch_refused(int e)
{
	return e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP;
}

/* Batch map operations came with Linux 5.6 (arrays, hashes); say once which
 * path this kernel takes. */
void kmaps_no_batch(struct kmaps *km)
{
	if (!km->no_batch)
		log_info("this kernel refuses batch map operations (%s); reading "
			 "and writing one entry at a time", strerror(errno));
	km->no_batch = 1;
}

/* LPM tries got the generic batch operations later than hashes (Linux 6.0),
 * so a refusal on a trie (since layout 10 every lookup map is one) turns
 * off only the tries' batches. */
int kmaps_can_batch(const struct kmaps *km)
{
	return !km->no_batch && !km->no_trie_batch;
}

void kmaps_batch_off(struct kmaps *km)
{
	if (!km->no_trie_batch)
		log_info("this kernel refuses batch operations on LPM tries (%s); "
			 "reading and writing them one entry at a time",
			 strerror(errno));
	km->no_trie_batch = 1;
}

/* Did a migration ever carry counts over into the bases?  (Its totals
 * always moved too.)  If not, the bases are all zero and stay untouched:
 * reading them would map megabytes into the daemon for nothing. */
int kmaps_have_bases(const struct kmaps *km)
{
	for (int t = 0; t < XDPFW_TOTAL_MAX; t++)
		if (km->tbase[t].packets || km->tbase[t].bytes)
			return 1;
	return 0;
}

int kmaps_flags(struct kmaps *km, uint32_t *flags)
{
	struct xdpfw_cfg cfg = { 0 };
	uint32_t zero = 0;

	*flags = 0;
	if (bpf_map_lookup_elem(km->fd[XMAP_CFG], &zero, &cfg))
		return -errno;
	*flags = cfg.flags;
	return 0;
}
