// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel feature probes (kfeatures.h).  Each probe asks the kernel the
 * cheapest question that has a different answer with and without the
 * feature; none attaches anything.
 */
#include "kfeatures.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "log.h"

/* The kernel's own BTF names the XDP link type from 5.9 on, the version
 * that added BPF_LINK_CREATE for XDP and bpf_link_update on it. */
static enum kfeature_state probe_btf_type(struct btf *vmlinux, const char *name)
{
	if (!vmlinux)
		return KF_UNKNOWN;
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_STRUCT) > 0 ? KF_YES :
									   KF_NO;
}

static enum kfeature_state probe_mmapable(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdpfw_probe", 4, 4, 1, &opts);

	if (fd >= 0) {
		close(fd);
		return KF_YES;
	}
	return errno == EINVAL ? KF_NO : KF_UNKNOWN;
}

/* An empty hash answers a batch lookup with ENOENT when batches exist. */
static enum kfeature_state probe_batch(void)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 out_batch = 0, count = 1, key = 0, val = 0;
	enum kfeature_state st;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "xdpfw_probe", 4, 4, 1, NULL);
	if (fd < 0)
		return KF_UNKNOWN;
	err = bpf_map_lookup_batch(fd, NULL, &out_batch, &key, &val, &count, &opts);
	if (!err || errno == ENOENT)
		st = KF_YES;
	else if (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)
		st = KF_NO;
	else
		st = KF_UNKNOWN;
	close(fd);
	return st;
}

static enum kfeature_state probe_ringbuf(void)
{
	int r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);

	return r < 0 ? KF_UNKNOWN : r ? KF_YES : KF_NO;
}

/* The tracepoint is a directory of tracefs, which a minimal system (or
 * `ip netns exec`, which remounts /sys) may not have mounted: mount it where
 * the tamper guard would (integrity.c), else the answer is unknown. */
static enum kfeature_state probe_tp_bpf(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	char path[128];

	if (access("/sys/kernel/tracing/events", F_OK) &&
	    access("/sys/kernel/debug/tracing/events", F_OK) && !getenv("XDPFW_NO_GUARD"))
		(void)mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", roots[i]);
		if (access(path, F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/events/syscalls/sys_enter_bpf",
			 roots[i]);
		return access(path, F_OK) ? KF_NO : KF_YES;
	}
	return KF_UNKNOWN;
}

void kfeatures_probe(struct kfeatures *kf)
{
	struct btf *vmlinux;

	log_libbpf_quiet(1);
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux || libbpf_get_error(vmlinux))
		vmlinux = NULL;
	kf->btf = vmlinux ? KF_YES : KF_NO;
	kf->xdp_link = probe_btf_type(vmlinux, "bpf_xdp_link");
	btf__free(vmlinux);
	kf->batch = probe_batch();
	kf->mmapable = probe_mmapable();
	kf->ringbuf = probe_ringbuf();
	kf->tp_bpf = probe_tp_bpf();
	log_libbpf_quiet(0);
}

static const char *st(enum kfeature_state s)
{
	return s == KF_YES ? "yes" : s == KF_NO ? "no" : "unknown";
}

void kfeatures_log(void)
{
	struct kfeatures kf;
	struct utsname u;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	kfeatures_probe(&kf);
	log_info("kernel %s: xdp links %s, batch ops %s, mmapable arrays %s, "
		 "ringbuf %s, bpf() tracepoint %s, BTF %s", u.release,
		 st(kf.xdp_link), st(kf.batch), st(kf.mmapable), st(kf.ringbuf),
		 st(kf.tp_bpf), st(kf.btf));
	/* No fallback for these two: the XDP program is attached through a
	 * link and its maps are mmapped. */
	if (kf.xdp_link == KF_NO)
		log_warn("this kernel has no XDP links (Linux 5.9): attaching "
			 "will fail; xdpfw supports Linux 5.10 and later");
	if (kf.mmapable == KF_NO)
		log_warn("this kernel has no mmapable BPF arrays (Linux 5.5): "
			 "loading will fail; xdpfw supports Linux 5.10 and later");
	if (kf.batch == KF_NO)
		log_info("no batch map operations: maps are read one key at a "
			 "time");
	if (kf.ringbuf == KF_NO || kf.tp_bpf == KF_NO)
		log_info("no %s: the bpf() tamper guard is off, the audit finds "
			 "foreign writes", kf.ringbuf == KF_NO ? "ring buffers" :
				"syscall tracepoints");
}
