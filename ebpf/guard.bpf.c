// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The bpf() tamper guard: a tracepoint on syscalls/sys_enter_bpf that
 * reports, through a ring buffer, the bpf() commands of other processes that
 * can change the daemon's state: map writes and deletes (single and batch),
 * freezing a map, detaching or updating a link, creating an XDP link.
 *
 * Most bpf() calls on a busy host are someone else's business, so the
 * filtering happens here: the command first, then the object the fd of the
 * attr names is resolved through the caller's fd table (CO-RE) and looked
 * up in xdpfw_guard_ids, the ids of the daemon's maps and links.  Only a
 * hit, or an fd that cannot be resolved, costs the daemon anything.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "xdpfw_guard.h"

/* Just the fields read here; libbpf relocates them against the kernel's
 * BTF (CO-RE), so no vmlinux.h is needed. */
struct file {
	void *private_data;
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

struct task_struct {
	struct files_struct *files;
} __attribute__((preserve_access_index));

struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));

struct bpf_link {
	__u32 id;
} __attribute__((preserve_access_index));

/* The format of syscalls/sys_enter_bpf (tracefs .../format). */
struct sys_enter_bpf_args {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__u64 cmd;
	__u64 uattr;
	__u64 size;
};

/* Set before load: the daemon's own writes never report.  Its tgid as
 * its own pid namespace (dev, inode of /proc/self/ns/pid) sees it, so
 * that a daemon in a container filters itself too. */
const volatile __u32 guard_self_tgid;
const volatile __u64 guard_ns_dev;
const volatile __u64 guard_ns_ino;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);   /* map or link id */
	__type(value, __u32); /* enum xdpfw_guard_kind */
} xdpfw_guard_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} xdpfw_guard_rb SEC(".maps");

/* Offset of the fd in the attr of cmd, and the kind of object it names;
 * -1 for a command that changes nothing of ours. */
static __always_inline int fd_offset(__u64 cmd, __u32 *kind)
{
	*kind = XDPFW_GUARD_MAP;
	switch (cmd) {
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
	case BPF_MAP_FREEZE:
		return 0; /* map_fd */
	case BPF_MAP_UPDATE_BATCH:
	case BPF_MAP_DELETE_BATCH:
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
		return 36; /* batch.map_fd */
	case BPF_LINK_UPDATE:
	case BPF_LINK_DETACH:
		*kind = XDPFW_GUARD_LINK;
		return 0; /* link_fd */
	case BPF_LINK_CREATE:
		*kind = XDPFW_GUARD_IFACE;
		return 4; /* link_create.target_ifindex */
	default:
		return -1;
	}
}

/* The id of the map or link behind fd in the current task, or 0. */
static __always_inline __u32 fd_to_id(__s32 fd, __u32 kind)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;
	void *priv;

	if (!fdt || fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return 0;
	priv = BPF_CORE_READ(f, private_data);
	if (!priv)
		return 0;
	if (kind == XDPFW_GUARD_LINK)
		return BPF_CORE_READ((struct bpf_link *)priv, id);
	return BPF_CORE_READ((struct bpf_map *)priv, id);
}

/* The caller's tgid in the daemon's pid namespace (what /proc shows it),
 * or in the initial one when the caller is outside. */
static __always_inline __u32 caller_tgid(void)
{
	struct bpf_pidns_info ns = {};

	if (guard_ns_ino &&
	    !bpf_get_ns_current_pid_tgid(guard_ns_dev, guard_ns_ino, &ns,
					 sizeof(ns)))
		return ns.tgid;
	return bpf_get_current_pid_tgid() >> 32;
}

SEC("tracepoint/syscalls/sys_enter_bpf")
int xdpfw_guard(struct sys_enter_bpf_args *ctx)
{
	struct xdpfw_guard_event *e;
	__u32 tgid;
	__u32 kind, id = 0, *known;
	__s32 fd = -1;
	int off;

	off = fd_offset(ctx->cmd, &kind);
	if (off < 0)
		return 0;
	tgid = caller_tgid();
	if (tgid == guard_self_tgid)
		return 0;
	if (bpf_probe_read_user(&fd, sizeof(fd), (void *)(ctx->uattr + off)))
		fd = -1;
	if (kind == XDPFW_GUARD_IFACE) {
		__u32 type = 0;

		bpf_probe_read_user(&type, sizeof(type), (void *)(ctx->uattr + 8));
		if (type != BPF_XDP)
			return 0;
	} else {
		id = fd_to_id(fd, kind);
		if (id) {
			known = bpf_map_lookup_elem(&xdpfw_guard_ids, &id);
			if (!known)
				return 0; /* somebody else's object */
			kind = *known;
		} else {
			kind = XDPFW_GUARD_NONE; /* let the daemon look */
		}
	}
	e = bpf_ringbuf_reserve(&xdpfw_guard_rb, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = tgid;
	e->cmd = (__u32)ctx->cmd;
	e->fd = fd;
	e->obj_id = id;
	e->kind = kind;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
