/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the running kernel offers of the BPF features xdpfw relies on,
 * probed once at start and said in one log line (docs/KERNELS.md), so that a
 * fallback taken later (batch map reads, the bpf() tamper guard) is never a
 * surprise.  docs/KERNELS.md lists which kernel has what.
 */
#ifndef XDPFW_KFEATURES_H
#define XDPFW_KFEATURES_H

enum kfeature_state {
	KF_NO = 0,
	KF_YES = 1,
	KF_UNKNOWN = 2, /* the probe itself could not run */
};

struct kfeatures {
	enum kfeature_state btf;          /* /sys/kernel/btf/vmlinux */
	enum kfeature_state xdp_link;     /* BPF_LINK_CREATE for XDP, 5.9 */
	enum kfeature_state batch;        /* BPF_MAP_LOOKUP_BATCH, 5.6 */
	enum kfeature_state mmapable;     /* BPF_F_MMAPABLE arrays, 5.5 */
	enum kfeature_state ringbuf;      /* BPF_MAP_TYPE_RINGBUF, 5.8 */
	enum kfeature_state tp_bpf;       /* syscalls/sys_enter_bpf tracepoint */
};

/* Probe the running kernel (no side effect beyond short-lived maps). */
void kfeatures_probe(struct kfeatures *kf);

/* Probe and log the result in one line at info level ("kernel 6.1.0-…:
 * xdp links yes, batch ops yes, ..."); a missing feature the daemon cannot
 * do without is logged as a warning that names the kernel it needs. */
void kfeatures_log(void);

#endif
