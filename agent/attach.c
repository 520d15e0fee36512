// SPDX-License-Identifier: GPL-2.0-only
#include "attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "xdp_libxdp.h"

int attach_iface(const struct xdpfw_config *cfg, struct xdpfw_bpf *skel,
		 const char *ifname)
{
	if (cfg->attach == ATTACH_LINK)
		return loader_attach(skel, cfg->pin_dir, ifname, cfg->xdp_mode);
	return libxdp_attach(skel, ifname,
			     cfg->xdp_mode == XDP_MODE_NATIVE    ? 1 :
			     cfg->xdp_mode == XDP_MODE_GENERIC ? 2 : 0,
			     cfg->libxdp_priority);
}

uint32_t attach_map_id(const struct kmaps *km)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (km->fd[XMAP_RSTATS] < 0 ||
	    bpf_obj_get_info_by_fd(km->fd[XMAP_RSTATS], &info, &len))
		return 0;
	return info.id;
}

int attach_libxdp_present(const char *ifname, const struct kmaps *km)
{
	return libxdp_has_ours(ifname, attach_map_id(km));
}

/* The id of the pinned counter map, 0: none pinned. */
static uint32_t pinned_map_id(const struct xdpfw_config *cfg)
{
	struct kmaps km;
	uint32_t id;

	if (kmaps_open_pinned(&km, cfg->pin_dir, 0))
		return 0;
	id = attach_map_id(&km);
	kmaps_close(&km);
	return id;
}

int attach_libxdp_pinned_present(const struct xdpfw_config *cfg,
				 const char *ifname)
{
	uint32_t id = pinned_map_id(cfg);

	return id ? libxdp_has_ours(ifname, id) : 0;
}

int attach_libxdp_detach_all(const struct xdpfw_config *cfg)
{
	uint32_t id = pinned_map_id(cfg);
	int n = 0, r;

	for (size_t i = 0; id && i < cfg->n_interfaces; i++) {
		r = libxdp_detach_ours(cfg->interfaces[i], id);
		if (r > 0) {
			log_info("%s: removed from the libxdp dispatcher",
				 cfg->interfaces[i]);
			n += r;
		}
	}
	return n;
}

const char *attach_mode_of(const struct xdpfw_config *cfg,
			   const struct kmaps *km, const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int idx;

	if (cfg->attach == ATTACH_LIBXDP)
		return libxdp_mode_name(ifname, attach_map_id(km));
	idx = (int)if_nametoindex(ifname);
	if (!idx || bpf_xdp_query(idx, 0, &q))
		return NULL;
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	default:
		return NULL;
	}
}
