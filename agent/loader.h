/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading the XDP program with its maps pinned under pin_dir (adopting maps
 * pinned by an earlier run), and attaching it to interfaces through pinned
 * bpf_links, so that enforcement outlives the daemon.  Where each pin
 * lives is pins.h's business.
 */
#ifndef XDPFW_LOADER_H
#define XDPFW_LOADER_H

#include <stdint.h>

#include "config.h"

struct xdpfw_bpf;

/* Open and load the program; maps come from their pins when compatible,
 * else are created and pinned.  -EEXIST: pinned maps of another size or
 * layout exist (nothing loaded): migrate with pin_dir = NULL, then
 * loader_repin_maps().  pin_dir NULL: private, unpinned maps. */
int loader_load(struct xdpfw_bpf **out, const char *pin_dir,
		uint32_t max_rules);

/* Replace the pins of every map by this skeleton's maps. */
int loader_repin_maps(struct xdpfw_bpf *skel, const char *pin_dir);

/* Attach (or atomically replace the program of a pinned link) on ifname. */
int loader_attach(struct xdpfw_bpf *skel, const char *pin_dir,
		  const char *ifname, enum xdp_mode mode);

/* Pin the program at <pin_dir>/prog (replacing an older pin). */
int loader_pin_prog(struct xdpfw_bpf *skel, const char *pin_dir);

/* Detach every pinned link and remove its pin.  0 or the first -errno
 * (-ENOENT: no pin_dir). */
int loader_detach_links(const char *pin_dir);

/* loader_detach_links(), then remove every pin under pin_dir. */
int loader_detach_all(const char *pin_dir);

#endif
