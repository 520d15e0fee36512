/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach = libxdp: xdpfw's program as one of the programs of libxdp's
 * dispatcher, so that other XDP programs (xdp-filter, ...) run on the same
 * interface.  libxdp loads the program itself (as an freplace extension of
 * the dispatcher), so each attach opens a second copy of the object whose
 * maps are the daemon's (bpf_map__reuse_fd): the rules and counters are
 * the same.  libxdp pins the dispatcher and its links under the bpffs
 * (/sys/fs/bpf/xdp, or $LIBXDP_BPFFS), so the program outlives the daemon.
 *
 * "Ours" is a dispatcher program that uses xdpfw's counter map (its id):
 * a restart attaches the new program first and then removes the older
 * ones of ours, so the interface is never without it.
 *
 * Separate from config.h on purpose: libxdp's enum xdp_attach_mode and
 * ours share constant names.
 */
#ifndef XDPFW_XDP_LIBXDP_H
#define XDPFW_XDP_LIBXDP_H

#include <stdint.h>

struct xdpfw_bpf;

/* mode: 0 auto (native, else generic, logged), 1 native, 2 generic. */
int libxdp_attach(struct xdpfw_bpf *skel, const char *ifname, int mode,
		  unsigned priority);

/* Is a program that uses map map_id among ifname's dispatcher programs?
 * 1 yes, 0 no, -errno. */
int libxdp_has_ours(const char *ifname, uint32_t map_id);

/* Remove every program of ours from ifname's dispatcher.  Returns how many,
 * or -errno. */
int libxdp_detach_ours(const char *ifname, uint32_t map_id);

/* "libxdp-native" or "libxdp-generic" when a program of ours runs in
 * ifname's dispatcher, else NULL. */
const char *libxdp_mode_name(const char *ifname, uint32_t map_id);

#endif
