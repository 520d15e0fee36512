/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading the XDP program with its maps pinned under pin_dir (adopting maps
 * pinned by an earlier run), and attaching it to interfaces through pinned
 * bpf_links, so that enforcement outlives the daemon.
 */
#ifndef XDPFW_LOADER_H
#define XDPFW_LOADER_H

#include <stdint.h>

#include "config.h"

struct xdpfw_bpf;

/* Make sure pin_dir is on a bpffs (mounting one on its parent when needed)
 * and the maps directory exists. */
int loader_prepare_pin_dir(const char *pin_dir);

/* Open and load the program; maps come from their pins when compatible,
 * else are created and pinned.  -EEXIST: pinned maps of another size or
 * layout exist (nothing loaded): migrate with pin_dir = NULL, then
 * loader_repin_maps().  pin_dir NULL: private, unpinned maps. */
int loader_load(struct xdpfw_bpf **out, const char *pin_dir,
		uint32_t max_rules);

/* Once every link runs this build: drop the pins of other layout versions
 * (<pin_dir>/maps-v<N>).  Returns how many were removed, or -errno. */
int loader_remove_old_layouts(const char *pin_dir);

/* Is pin_dir missing or empty (nothing of an earlier run in it)? */
int loader_pin_dir_empty(const char *pin_dir);

/* Are maps pinned under pin_dir (from an earlier run)? */
int loader_has_pins(const char *pin_dir);

/* Replace the pins of every map by this skeleton's maps. */
int loader_repin_maps(struct xdpfw_bpf *skel, const char *pin_dir);

/* Attach (or atomically replace the program of a pinned link) on ifname. */
int loader_attach(struct xdpfw_bpf *skel, const char *pin_dir,
		  const char *ifname, enum xdp_mode mode);

/* Pin the program at <pin_dir>/prog (replacing an older pin). */
int loader_pin_prog(struct xdpfw_bpf *skel, const char *pin_dir);

/* Detach every pinned link and remove every pin under pin_dir. */
int loader_detach_all(const char *pin_dir);

int loader_link_path(char *buf, size_t len, const char *pin_dir,
		     const char *ifname);

#endif
