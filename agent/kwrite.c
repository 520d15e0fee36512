// SPDX-License-Identifier: GPL-2.0-only
#include "kwrite.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kwrite.skel.h"
#include "log.h"

struct kwrite {
	struct xdpfw_kwrite_bpf *skel;
	int stage_fd, prog_fd;
	struct xdpfw_kw_stage *st; /* the records being listed */
	uint8_t *done[XDPFW_KW_MAX];
	size_t recs, runs;
};

void kwrite_free(struct kwrite *kw)
{
	if (!kw)
		return;
	xdpfw_kwrite_bpf__destroy(kw->skel);
	free(kw->st);
	free(kw);
}

static int load(struct kwrite *kw, const int *fds, const uint32_t *masks)
{
	struct bpf_map *tables[XDPFW_KW_TABLES];
	int err;

	kw->skel = xdpfw_kwrite_bpf__open();
	if (!kw->skel)
		return -errno;
	tables[0] = kw->skel->maps.xdpfw_v4_oa;
	tables[1] = kw->skel->maps.xdpfw_v4p_oa;
	tables[2] = kw->skel->maps.xdpfw_v6_oa;
	tables[3] = kw->skel->maps.xdpfw_v6p_oa;
	tables[4] = kw->skel->maps.xdpfw_v6c_oa;
	for (int t = 0; t < XDPFW_KW_TABLES; t++) {
		err = bpf_map__reuse_fd(tables[t], fds[t]);
		if (err)
			return err;
	}
	log_libbpf_quiet(1);
	err = xdpfw_kwrite_bpf__load(kw->skel);
	log_libbpf_quiet(0);
	if (err)
		return err;
	kw->stage_fd = bpf_map__fd(kw->skel->maps.xdpfw_kw_stage);
	kw->prog_fd = bpf_program__fd(kw->skel->progs.xdpfw_kwrite);
	kw->st = calloc(1, sizeof(*kw->st));
	if (!kw->st)
		return -ENOMEM;
	for (int t = 0; t < XDPFW_KW_TABLES; t++)
		kw->st->mask[t] = masks[t];
	return 0;
}

struct kwrite *kwrite_open(const int *fds, const uint32_t *masks, int *err)
{
#if defined(__x86_64__)
	struct kwrite *kw = calloc(1, sizeof(*kw));

	if (!kw) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = load(kw, fds, masks);
	if (*err) {
		kwrite_free(kw);
		return NULL;
	}
	return kw;
#else
	(void)fds;
	(void)masks;
	*err = -ENOTSUP; /* plain stores may be seen out of order */
	return NULL;
#endif
}

int kwrite_flush(struct kwrite *kw)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	uint32_t zero = 0, n = kw->st->n;
	int err;

	if (!n)
		return 0;
	if (bpf_map_update_elem(kw->stage_fd, &zero, kw->st, BPF_ANY))
		return -errno;
	err = bpf_prog_test_run_opts(kw->prog_fd, &opts);
	if (err)
		return -errno;
	if (opts.retval)
		return -EIO;
	if (bpf_map_lookup_elem(kw->stage_fd, &zero, kw->st))
		return -errno;
	for (uint32_t i = 0; i < n; i++)
		*kw->done[i] = kw->st->done[i];
	kw->recs += n;
	kw->runs++;
	kw->st->n = 0;
	return 0;
}

int kwrite_add(struct kwrite *kw, int t, int del, uint32_t home,
	       uint32_t slot1, const uint8_t *key, size_t klen, uint8_t *done)
{
	struct xdpfw_kw_rec *r;

	if (kw->st->n == XDPFW_KW_MAX) {
		int err = kwrite_flush(kw);

		if (err)
			return err;
	}
	r = &kw->st->rec[kw->st->n];
	memset(r, 0, sizeof(*r));
	r->table = (uint8_t)t;
	r->del = (uint8_t)!!del;
	r->home = home;
	r->slot1 = slot1;
	memcpy(r->key, key, klen);
	kw->done[kw->st->n++] = done;
	return 0;
}

void kwrite_counts(const struct kwrite *kw, size_t *recs, size_t *runs)
{
	*recs = kw ? kw->recs : 0;
	*runs = kw ? kw->runs : 0;
}
