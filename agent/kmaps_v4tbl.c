// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPv4 /24 table in the kernel (xdpfw_v4_tbl, 64 MiB): read and written
 * through an mmap of one chunk (a /8: 256 KiB) at a time, never mapped
 * whole (a BPF array's mmap is resident in full at once).  What to write
 * comes from v4tbl.c; the order (kmaps_apply): slots of the new set and
 * every new flag after the key upserts, the words that lose something
 * after the key deletes.
 */
#include "kmaps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kmaps_int.h"

#define WIN_BYTES (V4TBL_CHUNK * sizeof(uint32_t))

int kmaps_v4tbl_check(struct kmaps *km)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(km->fd[XMAP_V4_TBL], &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != sizeof(struct xdpfw_v4t_pair) ||
	    info.max_entries != XDPFW_V4_TBL_PAIRS ||
	    !(info.map_flags & BPF_F_MMAPABLE))
		return -EPROTO;
	return 0;
}

int kmaps_v4tbl_map(struct kmaps *km, uint32_t chunk, uint32_t **win)
{
	void *p = mmap(NULL, WIN_BYTES,
		       PROT_READ | (km->writable ? PROT_WRITE : 0), MAP_SHARED,
		       km->fd[XMAP_V4_TBL], (off_t)chunk * WIN_BYTES);

	if (p == MAP_FAILED)
		return -errno;
	*win = p;
	return 0;
}

void kmaps_v4tbl_unmap(uint32_t *win)
{
	if (win)
		munmap(win, WIN_BYTES);
}

int kmaps_v4tbl_word(struct kmaps *km, uint32_t idx, uint32_t *w)
{
	struct xdpfw_v4t_pair pair = { { 0, 0 } };
	uint32_t key = idx >> 1;

	*w = 0;
	if (bpf_map_lookup_elem(km->fd[XMAP_V4_TBL], &key, &pair))
		return -errno;
	*w = pair.w[idx & 1];
	return 0;
}

static void set_word(volatile uint32_t *w, uint32_t v, size_t *count)
{
	if (*w != v) {
		*w = v;
		(*count)++;
	}
}

/* Full build, first half: each word gets the new slot (or keeps its old
 * one where the new set has none) and old | new flags; the words that
 * differ from the new set's go to narrow, for after the key deletes. */
static int full_widen(struct kmaps *km, const struct v4tbl_ix *ix,
		      struct v4tbl_change *narrow, size_t *count)
{
	uint32_t *buf = malloc(WIN_BYTES), *win = NULL;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint32_t c = 0; c < V4TBL_CHUNKS && !err; c++) {
		v4tbl_paint(ix, c, buf);
		err = kmaps_v4tbl_map(km, c, &win);
		for (uint32_t i = 0; !err && i < V4TBL_CHUNK; i++) {
			uint32_t old = win[i], want = buf[i], v;

			if (old == want)
				continue;
			v = (old | want) & XDPFW_V4T_FLAGS;
			v |= (want & XDPFW_V4T_SLOT) ? want & XDPFW_V4T_SLOT :
						       old & XDPFW_V4T_SLOT;
			set_word(&win[i], v, count);
			if (v != want)
				err = v4tbl_change_push(
					narrow, (c << V4TBL_CHUNK_BITS) + i, want);
		}
		if (win)
			kmaps_v4tbl_unmap(win);
		win = NULL;
	}
	free(buf);
	return err;
}

static int op_cmp(const void *a, const void *b)
{
	const struct v4t_op *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* ops (sorted by word) applied a window at a time: widen (flags OR-ed in,
 * non-zero slots written; a zero slot goes to narrow) or narrow (keep:
 * the bits of the old word kept, val OR-ed in). */
static int write_ops(struct kmaps *km, const struct v4t_op *ops, size_t n,
		     int widen, uint32_t keep, struct v4tbl_change *narrow,
		     size_t *count)
{
	size_t i = 0;
	int err = 0;

	while (i < n && !err) {
		uint32_t c = ops[i].idx >> V4TBL_CHUNK_BITS, *win = NULL;

		err = kmaps_v4tbl_map(km, c, &win);
		for (; !err && i < n && ops[i].idx >> V4TBL_CHUNK_BITS == c; i++) {
			volatile uint32_t *w = &win[ops[i].idx & (V4TBL_CHUNK - 1)];
			uint32_t val = ops[i].val;

			if (!widen)
				set_word(w, (*w & keep) | val, count);
			else if (val & XDPFW_V4T_FLAGS)
				set_word(w, *w | val, count);
			else if (val)
				set_word(w, (*w & XDPFW_V4T_FLAGS) | val, count);
			else if (*w & XDPFW_V4T_SLOT)
				err = v4tbl_change_push(narrow, ops[i].idx, 0);
		}
		kmaps_v4tbl_unmap(win);
	}
	return err;
}

int kmaps_v4tbl_widen(struct kmaps *km, struct v4tbl_change *c,
		      struct v4tbl_change *narrow, size_t *count)
{
	if (c->full)
		return full_widen(km, c->full, narrow, count);
	if (c->n)
		qsort(c->ops, c->n, sizeof(*c->ops), op_cmp);
	return write_ops(km, c->ops, c->n, 1, 0, narrow, count);
}

int kmaps_v4tbl_narrow(struct kmaps *km, const struct v4tbl_change *c,
		       const struct v4tbl_change *narrow, size_t *count)
{
	/* Full: the new set's words as they are; else the slot cleared and
	 * the flags kept (stale ones go at the next full build). */
	return write_ops(km, narrow->ops, narrow->n, 0,
			 c->full ? 0 : XDPFW_V4T_FLAGS, NULL, count);
}

int kmaps_v4tbl_compare(struct kmaps *km, const struct v4tbl_ix *ix,
			v4tbl_bad_fn bad, void *ctx, size_t *n_bad)
{
	*n_bad = 0;
	return kmaps_v4tbl_compare_chunks(km, ix, 0, V4TBL_CHUNKS, bad, ctx,
					  n_bad);
}

int kmaps_v4tbl_compare_chunks(struct kmaps *km, const struct v4tbl_ix *ix,
			       uint32_t first, uint32_t n, v4tbl_bad_fn bad,
			       void *ctx, size_t *n_bad)
{
	uint32_t *buf = malloc(WIN_BYTES), *win = NULL;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint32_t c = first; c < first + n && c < V4TBL_CHUNKS && !err; c++) {
		v4tbl_paint(ix, c, buf);
		err = kmaps_v4tbl_map(km, c, &win);
		for (uint32_t i = 0; !err && i < V4TBL_CHUNK; i++) {
			uint32_t got = win[i], want = buf[i];

			/* A stale flag is allowed, a missing one is not. */
			if ((got & XDPFW_V4T_SLOT) == (want & XDPFW_V4T_SLOT) &&
			    !(want & XDPFW_V4T_FLAGS & ~got))
				continue;
			(*n_bad)++;
			if (bad)
				bad(ctx, (c << V4TBL_CHUNK_BITS) + i, got, want);
		}
		kmaps_v4tbl_unmap(win);
		win = NULL;
	}
	free(buf);
	return err;
}
