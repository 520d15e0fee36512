// SPDX-License-Identifier: GPL-2.0-only
#include "guard.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard.skel.h"
#include "log.h"

static int on_sample(void *ctx, void *data, size_t len)
{
	struct guard *g = ctx;

	if (len >= sizeof(struct xdpfw_guard_event))
		g->fn(g->ctx, data);
	return 0;
}

int guard_open(struct guard *g, guard_fn fn, void *ctx)
{
	struct stat st;
	int err;

	memset(g, 0, sizeof(*g));
	g->fn = fn;
	g->ctx = ctx;
	g->skel = xdpfw_guard_bpf__open();
	if (!g->skel)
		return -errno;
	g->skel->rodata->guard_self_tgid = (__u32)getpid();
	if (!stat("/proc/self/ns/pid", &st)) {
		g->skel->rodata->guard_ns_dev = st.st_dev;
		g->skel->rodata->guard_ns_ino = st.st_ino;
	}
	log_libbpf_quiet(1);
	err = xdpfw_guard_bpf__load(g->skel);
	if (!err)
		err = xdpfw_guard_bpf__attach(g->skel);
	log_libbpf_quiet(0);
	if (err)
		goto fail;
	g->rb = ring_buffer__new(bpf_map__fd(g->skel->maps.xdpfw_guard_rb),
				 on_sample, g, NULL);
	if (!g->rb) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	guard_close(g);
	return err;
}

void guard_close(struct guard *g)
{
	if (!g)
		return;
	ring_buffer__free(g->rb);
	g->rb = NULL;
	xdpfw_guard_bpf__destroy(g->skel);
	g->skel = NULL;
}

int guard_fd(const struct guard *g)
{
	return ring_buffer__epoll_fd(g->rb);
}

int guard_consume(struct guard *g)
{
	int n = ring_buffer__consume(g->rb);

	return n < 0 ? n : 0;
}

int guard_set_id(struct guard *g, uint32_t id, enum xdpfw_guard_kind kind)
{
	int fd = bpf_map__fd(g->skel->maps.xdpfw_guard_ids);
	__u32 v = kind;

	if (kind == XDPFW_GUARD_NONE)
		return bpf_map_delete_elem(fd, &id) && errno != ENOENT ? -errno : 0;
	return bpf_map_update_elem(fd, &id, &v, BPF_ANY) ? -errno : 0;
}

const char *guard_cmd_name(uint32_t cmd, char *buf, size_t len)
{
	static const struct {
		uint32_t cmd;
		const char *name;
	} names[] = {
		{ BPF_MAP_UPDATE_ELEM, "BPF_MAP_UPDATE_ELEM" },
		{ BPF_MAP_DELETE_ELEM, "BPF_MAP_DELETE_ELEM" },
		{ BPF_MAP_LOOKUP_AND_DELETE_ELEM, "BPF_MAP_LOOKUP_AND_DELETE_ELEM" },
		{ BPF_MAP_FREEZE, "BPF_MAP_FREEZE" },
		{ BPF_MAP_UPDATE_BATCH, "BPF_MAP_UPDATE_BATCH" },
		{ BPF_MAP_DELETE_BATCH, "BPF_MAP_DELETE_BATCH" },
		{ BPF_MAP_LOOKUP_AND_DELETE_BATCH, "BPF_MAP_LOOKUP_AND_DELETE_BATCH" },
		{ BPF_LINK_CREATE, "BPF_LINK_CREATE" },
		{ BPF_LINK_UPDATE, "BPF_LINK_UPDATE" },
		{ BPF_LINK_DETACH, "BPF_LINK_DETACH" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cmd == cmd)
			return names[i].name;
	snprintf(buf, len, "bpf cmd %u", cmd);
	return buf;
}
