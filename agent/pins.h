/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What xdpfw creates under its pin_dir, and how to tell it from anything
 * else there (another program that also calls itself xdpfw, a stray file):
 *
 *   prog              an XDP program named xdpfw_xdp
 *   link-<ifname>     an XDP bpf_link
 *   maps-v<N>/<name>  a map whose kernel name is <name>, xdpfw_*
 *
 * plus, when pin_dir is the root of a bpffs, the kernel's own
 * maps.debug and progs.debug.  A pin_dir holding anything else is refused,
 * and nothing else is ever removed.
 */
#ifndef XDPFW_PINS_H
#define XDPFW_PINS_H

/* Is <dir>/<name> an entry xdpfw creates?  in_maps: dir is a maps-v<N>
 * directory.  1 or 0. */
int pins_is_ours(const char *dir, const char *name, int in_maps);

/* 0 when pin_dir (missing, or) holds only what xdpfw creates; -EEXIST
 * after logging each entry it did not create. */
int pins_check_foreign(const char *pin_dir);

#endif
