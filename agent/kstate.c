// SPDX-License-Identifier: GPL-2.0-only
#include "kstate.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pins.h"

/* The maps of program fd prog, by name, into km->fd[]. */
static int maps_of_prog(struct kmaps *km, int prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64], n;

	if (bpf_obj_get_info_by_fd(prog, &info, &len))
		return -errno;
	n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog, &info, &len))
		return -errno;
	for (__u32 i = 0; i < n; i++) {
		struct bpf_map_info mi = {};
		__u32 ml = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]), used = 0;

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &ml))
			for (int m = 0; m < XMAP_N && !used; m++)
				if (km->fd[m] < 0 &&
				    pins_map_name_is(mi.name, xmap_name[m])) {
					km->fd[m] = fd;
					used = 1;
				}
		if (!used)
			close(fd);
	}
	for (int m = 0; m < XMAP_N; m++)
		if (km->fd[m] < 0)
			return -ENOENT;
	return 0;
}

static int open_by_prog(struct kmaps *km, int prog)
{
	int err;

	kmaps_init(km);
	err = maps_of_prog(km, prog);
	close(prog);
	if (err) {
		kmaps_close(km);
		return err;
	}
	err = kmaps_finish(km, 0);
	if (err)
		kmaps_close(km);
	return err;
}

int kstate_open(struct kmaps *km, const struct xdpfw_config *cfg,
		char *how, size_t len)
{
	char path[4096];
	int err, prog;
	__u32 id = 0;

	err = kmaps_open_pinned(km, cfg->pin_dir, 0);
	if (!err) {
		snprintf(how, len, "pins under %s", cfg->pin_dir);
		return 0;
	}
	prog = pins_prog_path(path, sizeof(path), cfg->pin_dir) ? -1 :
	       bpf_obj_get(path);
	if (prog >= 0 && !open_by_prog(km, prog)) {
		snprintf(how, len, "the maps of the program pinned at %s", path);
		return 0;
	}
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		int ifindex = (int)if_nametoindex(cfg->interfaces[i]);

		if (!ifindex || bpf_xdp_query_id(ifindex, 0, &id) || !id)
			continue;
		prog = bpf_prog_get_fd_by_id(id);
		if (prog >= 0 && !open_by_prog(km, prog)) {
			snprintf(how, len, "the maps of the program attached on %s",
				 cfg->interfaces[i]);
			return 0;
		}
	}
	return err == -ENOENT ? -ENOENT : err;
}

uint32_t kstate_prog_id(const struct xdpfw_config *cfg)
{
	struct bpf_prog_info info = {};
	struct bpf_link_info li = {};
	__u32 len = sizeof(info);
	char path[4096];
	int fd;

	fd = pins_prog_path(path, sizeof(path), cfg->pin_dir) ? -1 :
	     bpf_obj_get(path);
	if (fd >= 0) {
		int err = bpf_obj_get_info_by_fd(fd, &info, &len);

		close(fd);
		if (!err)
			return info.id;
	}
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		if (pins_link_path(path, sizeof(path), cfg->pin_dir,
				     cfg->interfaces[i]))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		len = sizeof(li);
		if (!bpf_obj_get_info_by_fd(fd, &li, &len) && li.prog_id) {
			close(fd);
			return li.prog_id;
		}
		close(fd);
	}
	return 0;
}
