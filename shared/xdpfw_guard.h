/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The bpf() tamper guard (ebpf/guard.bpf.c): what the tracepoint on
 * syscalls/sys_enter_bpf reports to the daemon through a ring buffer.
 * Compiled by clang -target bpf and by gcc; fixed-width types only.
 */
#ifndef XDPFW_GUARD_H
#define XDPFW_GUARD_H

#include <linux/types.h>

#include "xdpfw_shared.h"

/* What the daemon registered an object id as (value of xdpfw_guard_ids). */
enum xdpfw_guard_kind {
	XDPFW_GUARD_NONE = 0,   /* not resolved in the kernel: check fdinfo */
	XDPFW_GUARD_MAP = 1,    /* one of the daemon's maps */
	XDPFW_GUARD_LINK = 2,   /* one of the daemon's XDP links */
	XDPFW_GUARD_IFACE = 3,  /* an XDP link created on some interface */
};

struct xdpfw_guard_event {
	__u32 pid;     /* tgid of the writer */
	__u32 cmd;     /* enum bpf_cmd */
	__s32 fd;      /* map_fd / link_fd of the attr (ifindex for LINK_CREATE) */
	__u32 obj_id;  /* map or link id read through the fd table, or 0 */
	__u32 kind;    /* enum xdpfw_guard_kind */
	__u32 pad;
	char comm[16];
};

#ifndef __cplusplus
XDPFW_ASSERT_LAYOUT(struct xdpfw_guard_event, 40);
#endif

#endif
