// SPDX-License-Identifier: GPL-2.0-only
#include "attachwatch.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "pins.h"
#include "skel.h"

void attachwatch_init(struct attachwatch *aw)
{
	memset(aw, 0, sizeof(*aw));
	for (size_t i = 0; i < CONFIG_MAX_INTERFACES; i++)
		aw->link_fd[i] = -1;
}

void attachwatch_drop(struct attachwatch *aw, size_t i)
{
	if (aw->link_fd[i] >= 0)
		close(aw->link_fd[i]);
	aw->link_fd[i] = -1;
	aw->link_id[i] = 0;
}

void attachwatch_close(struct attachwatch *aw)
{
	for (size_t i = 0; i < CONFIG_MAX_INTERFACES; i++)
		attachwatch_drop(aw, i);
}

static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* The link's interface and program (0, 0 when defunct). */
static int link_state(int fd, uint32_t *id, uint32_t *ifindex, uint32_t *prog)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	*ifindex = info.type == BPF_LINK_TYPE_XDP ? info.xdp.ifindex : 0;
	*prog = info.prog_id;
	return 0;
}

/* Take the link fd from its pin (after loader_attach). */
static int hold_pinned(struct attachwatch *aw, const struct xdpfw_config *cfg,
		       size_t i)
{
	uint32_t ifx, prog;
	char path[4096];
	int err = pins_link_path(path, sizeof(path), cfg->pin_dir,
				   cfg->interfaces[i]);

	if (err)
		return err;
	attachwatch_drop(aw, i);
	aw->link_fd[i] = bpf_obj_get(path);
	if (aw->link_fd[i] < 0) {
		aw->link_fd[i] = -1;
		return -errno;
	}
	return link_state(aw->link_fd[i], &aw->link_id[i], &ifx, &prog);
}

/* Remove whatever program another tool attached through netlink. */
static void detach_foreign(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return;
	if (q.drv_prog_id)
		bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (q.skb_prog_id)
		bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL);
}

/* Attach again from scratch: stale pin gone, hook free, new link held. */
static int reattach(struct attachwatch *aw, const struct xdpfw_config *cfg,
		    struct xdpfw_bpf *skel, size_t i, int ifindex)
{
	char path[4096];
	int err;

	attachwatch_drop(aw, i);
	if (!pins_link_path(path, sizeof(path), cfg->pin_dir,
			      cfg->interfaces[i]))
		unlink(path);
	detach_foreign(ifindex);
	err = loader_attach(skel, cfg->pin_dir, cfg->interfaces[i],
			    cfg->xdp_mode);
	if (!err)
		err = hold_pinned(aw, cfg, i);
	return err;
}

int attachwatch_check(struct attachwatch *aw, const struct xdpfw_config *cfg,
		      struct xdpfw_bpf *skel, size_t i, uint32_t *foreign)
{
	int prog_fd = bpf_program__fd(skel->progs.xdpfw_xdp);
	int ifindex = (int)if_nametoindex(cfg->interfaces[i]);
	uint32_t lid = 0, lif = 0, lprog = 0, cur = 0;
	int err;

	*foreign = 0;
	if (!ifindex)
		return AW_OK; /* gone: the interface monitor handles it */
	if (!aw->prog_id)
		aw->prog_id = prog_id_of(prog_fd);
	if (aw->link_fd[i] < 0)
		hold_pinned(aw, cfg, i);
	if (aw->link_fd[i] >= 0 &&
	    link_state(aw->link_fd[i], &lid, &lif, &lprog))
		lif = 0;
	if (bpf_xdp_query_id(ifindex, 0, &cur))
		cur = 0;
	if (lif == (uint32_t)ifindex && cur == aw->prog_id)
		return AW_OK;
	if (lif == (uint32_t)ifindex) {
		/* Our link holds the hook with another program in it. */
		*foreign = lprog;
		if (bpf_link_update(aw->link_fd[i], prog_fd, NULL))
			return -errno;
		return AW_UPDATED;
	}
	/* A held link of an interface that was re-created: the pin may
	 * already name the new link (loader_attach on its return). */
	if (cur == aw->prog_id && !hold_pinned(aw, cfg, i) &&
	    !link_state(aw->link_fd[i], &lid, &lif, &lprog) &&
	    lif == (uint32_t)ifindex)
		return AW_OK;
	*foreign = cur;
	err = reattach(aw, cfg, skel, i, ifindex);
	if (err)
		return err;
	return cur ? AW_FOREIGN : AW_DETACHED;
}

static int missing(const char *path)
{
	struct stat st;

	return stat(path, &st) && errno == ENOENT;
}

static void add_what(char *what, size_t len, const char *name)
{
	size_t o = strlen(what);

	snprintf(what + o, len - o, "%s%s", o ? ", " : "", name);
}

static int repin(int fd, const char *path, const char *name, char *what,
		 size_t len)
{
	if (bpf_obj_pin(fd, path))
		return -errno;
	add_what(what, len, name);
	return 1;
}

int attachwatch_pins(struct attachwatch *aw, const struct xdpfw_config *cfg,
		     struct xdpfw_bpf *skel, const struct kmaps *km, char *what,
		     size_t len)
{
	char path[4096];
	int n = 0, r;

	what[0] = '\0';
	if (missing(cfg->pin_dir) || pins_maps_dir(path, sizeof(path),
						     cfg->pin_dir) ||
	    missing(path)) {
		r = pins_prepare(cfg->pin_dir);
		if (r)
			return r;
	}
	for (int m = 0; m < XMAP_N; m++) {
		r = pins_map_path(path, sizeof(path), cfg->pin_dir,
				  xmap_name[m]);
		if (r || !missing(path))
			continue;
		r = repin(km->fd[m], path, xmap_name[m], what, len);
		if (r < 0)
			return r;
		n++;
	}
	if (!pins_prog_path(path, sizeof(path), cfg->pin_dir) &&
	    missing(path)) {
		r = repin(bpf_program__fd(skel->progs.xdpfw_xdp), path, "prog",
			  what, len);
		if (r < 0)
			return r;
		n++;
	}
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		if (aw->link_fd[i] < 0 ||
		    pins_link_path(path, sizeof(path), cfg->pin_dir,
				     cfg->interfaces[i]) ||
		    !missing(path))
			continue;
		r = repin(aw->link_fd[i], path, path + strlen(cfg->pin_dir) + 1,
			  what, len);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}
