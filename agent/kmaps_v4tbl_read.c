// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPv4 /24 table in the kernel read back: its layout checked, a
 * chunk mapped, a word or a block read, and the whole compared with what
 * a rule set paints (the drift check and the tests).  Writing it is
 * kmaps_v4tbl.c.
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
	struct bpf_map_info info;
	int err = kmaps_map_info(km->fd[XMAP_V4_TBL], &info);

	if (err)
		return err;
	if (info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != sizeof(struct xdpfw_v4t_pair) ||
	    info.max_entries != XDPFW_V4_TBL_PAIRS ||
	    !(info.map_flags & BPF_F_MMAPABLE))
		return -EPROTO;
	err = kmaps_map_info(km->fd[XMAP_V4_L2], &info);
	if (err)
		return err;
	if (info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != sizeof(struct xdpfw_v4_l2_blk) ||
	    !(info.map_flags & BPF_F_MMAPABLE) || !info.max_entries ||
	    info.max_entries > XDPFW_V4T_L2_BLK + 1)
		return -EPROTO;
	km->v4l2_blocks = info.max_entries;
	return 0;
}

/* Block b of xdpfw_v4_l2 (256 entries) read into e. */
static int l2_read(struct kmaps *km, uint32_t b, uint32_t *e)
{
	return bpf_map_lookup_elem(km->fd[XMAP_V4_L2], &b, e) ? -errno : 0;
}

int kmaps_v4tbl_block(struct kmaps *km, uint32_t b, uint32_t *e)
{
	return b < km->v4l2_blocks ? l2_read(km, b, e) : -ERANGE;
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


int kmaps_v4tbl_compare(struct kmaps *km, const struct v4tbl_ix *ix,
			v4tbl_bad_fn bad, void *ctx, size_t *n_bad)
{
	*n_bad = 0;
	return kmaps_v4tbl_compare_chunks(km, ix, 0, V4TBL_CHUNKS, bad, ctx,
					  n_bad);
}

/* got as compare_chunks judges it: a word with a block (L2) whose block
 * holds what the new set gives (and whose half bits cover the halves
 * with a non-zero entry) counts as TRIE with the right slot; -1 if not. */
static int64_t normal_word(struct kmaps *km, const struct v4tbl_ix *ix,
			   uint32_t idx, uint32_t got, uint32_t want)
{
	uint32_t e[256], w[256];

	if ((got & (XDPFW_V4T_L2 | XDPFW_V4T_TRIE)) != XDPFW_V4T_L2)
		return got;
	v4tbl_block(ix, idx, want & XDPFW_V4T_SLOT, w);
	if (kmaps_v4tbl_block(km, got & XDPFW_V4T_L2_BLK, e) ||
	    memcmp(e, w, sizeof(e)) ||
	    (v4tbl_l2_word(0, w) & ~got & (XDPFW_V4T_L2_LO | XDPFW_V4T_L2_HI)))
		return -1;
	return (got & XDPFW_V4T_FLAGS & ~XDPFW_V4T_L2) | XDPFW_V4T_TRIE |
	       (want & XDPFW_V4T_SLOT);
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
		/* most chunks are as painted: one memcmp, not 65,536 words */
		if (!err && !memcmp(win, buf, WIN_BYTES)) {
			kmaps_v4tbl_unmap(win);
			win = NULL;
			continue;
		}
		for (uint32_t i = 0; !err && i < V4TBL_CHUNK; i++) {
			uint32_t idx = (c << V4TBL_CHUNK_BITS) + i;
			uint32_t want = buf[i];
			int64_t got;

			if (win[i] == want)
				continue;
			got = normal_word(km, ix, idx, win[i], want);

			/* A stale flag is allowed, a missing one is not. */
			if (got >= 0 &&
			    (got & XDPFW_V4T_SLOT) == (want & XDPFW_V4T_SLOT) &&
			    !(want & XDPFW_V4T_FLAGS & ~got))
				continue;
			(*n_bad)++;
			if (bad)
				bad(ctx, idx, win[i], want);
		}
		kmaps_v4tbl_unmap(win);
		win = NULL;
	}
	free(buf);
	return err;
}
