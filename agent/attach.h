/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attaching to an interface as `attach` says: link (loader.c: xdpfw owns
 * the hook through a pinned bpf_link) or libxdp (xdp_libxdp.c: one of the
 * dispatcher's programs).  The daemon, the attachment watch, `verify`,
 * `detach` and the metrics ask here, so the two methods stay in one place.
 */
#ifndef XDPFW_ATTACH_H
#define XDPFW_ATTACH_H

#include <stdint.h>

#include "config.h"
#include "kmaps.h"

struct xdpfw_bpf;

int attach_iface(const struct xdpfw_config *cfg, struct xdpfw_bpf *skel,
		 const char *ifname);

/* The id of the map that identifies xdpfw's programs (the counters). */
uint32_t attach_map_id(const struct kmaps *km);

/* libxdp only: is ours in ifname's dispatcher?  1, 0, -errno. */
int attach_libxdp_present(const char *ifname, const struct kmaps *km);

/* The same without a daemon: ours by the maps pinned under pin_dir. */
int attach_libxdp_pinned_present(const struct xdpfw_config *cfg,
				 const char *ifname);

/* libxdp only: remove ours from every configured interface's dispatcher
 * (pinned maps under cfg->pin_dir say which programs are ours).  Returns
 * how many, or -errno. */
int attach_libxdp_detach_all(const struct xdpfw_config *cfg);

/* How the program runs on ifname: native, generic, libxdp-native,
 * libxdp-generic; NULL when it does not. */
const char *attach_mode_of(const struct xdpfw_config *cfg,
			   const struct kmaps *km, const char *ifname);

#endif
