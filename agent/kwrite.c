// SPDX-License-Identifier: GPL-2.0-only
#include "kwrite.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kwrite.skel.h"
#include "log.h"

struct kwrite {
	struct xdpfw_kwrite_bpf *skel;
	int prog_fd, puts_prog_fd, v4t_prog_fd;
	/* The lists' map values, mapped: the records being listed, the
	 * puts being listed, a run of the /24 table's words. */
	struct xdpfw_kw_stage *st;
	struct xdpfw_kw_puts *puts;
	struct xdpfw_kw_v4t *v4t;
	uint8_t *done[XDPFW_KW_MAX];
	size_t recs, runs; /* counted (tally) from any of the lists' threads */
};

/* n records made in one run.  The three lists may be used by two threads
 * at once (kwrite.h): the counts are the only thing they share. */
static void tally(struct kwrite *kw, size_t n)
{
	__atomic_fetch_add(&kw->recs, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&kw->runs, 1, __ATOMIC_RELAXED);
}

static size_t page_up(size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (len + pg - 1) / pg * pg;
}

/* A list map's one value, mapped (NULL if it cannot be). */
static void *list_map(struct bpf_map *m, size_t len)
{
	void *p = mmap(NULL, page_up(len), PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(m), 0);

	return p == MAP_FAILED ? NULL : p;
}

static void list_unmap(void *p, size_t len)
{
	if (p)
		munmap(p, page_up(len));
}

void kwrite_free(struct kwrite *kw)
{
	if (!kw)
		return;
	list_unmap(kw->st, sizeof(*kw->st));
	list_unmap(kw->puts, sizeof(*kw->puts));
	list_unmap(kw->v4t, sizeof(*kw->v4t));
	xdpfw_kwrite_bpf__destroy(kw->skel);
	free(kw);
}

static int load(struct kwrite *kw, const struct kwrite_maps *maps)
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
		err = bpf_map__reuse_fd(tables[t], maps->oa[t]);
		if (err)
			return err;
	}
	err = bpf_map__reuse_fd(kw->skel->maps.xdpfw_rules, maps->rules);
	if (!err)
		err = bpf_map__reuse_fd(kw->skel->maps.xdpfw_rstats, maps->rstats);
	if (!err)
		err = bpf_map__reuse_fd(kw->skel->maps.xdpfw_v4_tbl, maps->v4tbl);
	if (err)
		return err;
	log_libbpf_quiet(1);
	err = xdpfw_kwrite_bpf__load(kw->skel);
	log_libbpf_quiet(0);
	if (err)
		return err;
	kw->prog_fd = bpf_program__fd(kw->skel->progs.xdpfw_kwrite);
	kw->puts_prog_fd = bpf_program__fd(kw->skel->progs.xdpfw_kwrite_puts);
	kw->v4t_prog_fd = bpf_program__fd(kw->skel->progs.xdpfw_kwrite_v4t);
	kw->st = list_map(kw->skel->maps.xdpfw_kw_stage, sizeof(*kw->st));
	kw->puts = list_map(kw->skel->maps.xdpfw_kw_puts, sizeof(*kw->puts));
	kw->v4t = list_map(kw->skel->maps.xdpfw_kw_v4t, sizeof(*kw->v4t));
	if (!kw->st || !kw->puts || !kw->v4t)
		return -errno;
	for (int t = 0; t < XDPFW_KW_TABLES; t++)
		kw->st->mask[t] = maps->mask[t];
	return 0;
}

struct kwrite *kwrite_open(const struct kwrite_maps *maps, int *err)
{
#if defined(__x86_64__)
	struct kwrite *kw = calloc(1, sizeof(*kw));

	if (!kw) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = load(kw, maps);
	if (*err) {
		kwrite_free(kw);
		return NULL;
	}
	return kw;
#else
	(void)maps;
	*err = -ENOTSUP; /* plain stores may be seen out of order */
	return NULL;
#endif
}

/* Program prog_fd run on its list (written in place, kw->st & co.). */
static int run(int prog_fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	return opts.retval ? -EIO : 0;
}

int kwrite_flush(struct kwrite *kw)
{
	uint32_t n = kw->st->n;
	int err;

	if (!n)
		return 0;
	err = run(kw->prog_fd);
	/* Made or failed, the records are gone: never run again with a
	 * later pass's (their done pointers are this pass's). */
	kw->st->n = 0;
	if (err)
		return err;
	for (uint32_t i = 0; i < n; i++)
		*kw->done[i] = kw->st->done[i];
	tally(kw, n);
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

int kwrite_put_flush(struct kwrite *kw)
{
	int err;

	if (!kw->puts->n)
		return 0;
	err = run(kw->puts_prog_fd);
	if (!err)
		tally(kw, kw->puts->n);
	/* Made or failed, never again: a slot's entry written by a later
	 * apply could be another rule's by then. */
	kw->puts->n = 0;
	return err;
}

int kwrite_put(struct kwrite *kw, int table, uint32_t index,
	       const uint32_t *w)
{
	struct xdpfw_kw_put *r;

	if (kw->puts->n == XDPFW_KW_MAX) {
		int err = kwrite_put_flush(kw);

		if (err)
			return err;
	}
	r = &kw->puts->put[kw->puts->n++];
	memset(r, 0, sizeof(*r));
	r->table = (uint8_t)table;
	r->index = index;
	if (w)
		memcpy(r->w, w, sizeof(r->w));
	return 0;
}

int kwrite_v4t(struct kwrite *kw, int widen, struct xdpfw_kw_v4t_op *ops,
	       size_t n)
{
	for (size_t at = 0; at < n; at += XDPFW_KW_MAX) {
		uint32_t m = (uint32_t)(n - at < XDPFW_KW_MAX ? n - at :
								XDPFW_KW_MAX);
		int err;

		kw->v4t->n = m;
		kw->v4t->widen = !!widen;
		memcpy(kw->v4t->op, ops + at, m * sizeof(ops[0]));
		err = run(kw->v4t_prog_fd);
		if (err)
			return err;
		memcpy(ops + at, kw->v4t->op, m * sizeof(ops[0]));
		tally(kw, m);
	}
	return 0;
}

void kwrite_counts(const struct kwrite *kw, size_t *recs, size_t *runs)
{
	*recs = kw ? __atomic_load_n(&kw->recs, __ATOMIC_RELAXED) : 0;
	*runs = kw ? __atomic_load_n(&kw->runs, __ATOMIC_RELAXED) : 0;
}
