/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bpf() tamper guard, user side: load ebpf/guard.bpf.c on the
 * syscalls/sys_enter_bpf tracepoint with the daemon's own tgid filtered out,
 * register the ids of the daemon's maps and links, and read its reports
 * from the ring buffer.  What to do about a report is the caller's.
 */
#ifndef XDPFW_GUARD_USER_H
#define XDPFW_GUARD_USER_H

#include <stddef.h>
#include <stdint.h>

#include "xdpfw_guard.h"

struct xdpfw_guard_bpf;
struct ring_buffer;

typedef void (*guard_fn)(void *ctx, const struct xdpfw_guard_event *e);

struct guard {
	struct xdpfw_guard_bpf *skel;
	struct ring_buffer *rb;
	guard_fn fn;
	void *ctx;
};

/* Load and attach.  0, or -errno when the tracepoint or the ring buffer is
 * unavailable (the caller says so and relies on the audit). */
int guard_open(struct guard *g, guard_fn fn, void *ctx);
void guard_close(struct guard *g); /* NULL-safe, idempotent */

/* The fd to poll for reports. */
int guard_fd(const struct guard *g);

/* Deliver every pending report to fn.  0 or -errno. */
int guard_consume(struct guard *g);

/* Register (or forget, kind NONE) the id of one of the daemon's objects. */
int guard_set_id(struct guard *g, uint32_t id, enum xdpfw_guard_kind kind);

/* The name of a bpf() command ("BPF_MAP_DELETE_ELEM"), or "bpf cmd N". */
const char *guard_cmd_name(uint32_t cmd, char *buf, size_t len);

#endif
