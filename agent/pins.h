/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What xdpfw creates under its pin_dir, and how to tell it from anything
 * else there (another program that also calls itself xdpfw, a stray file):
 *
 *   prog              an XDP program named xdpfw_xdp
 *   link-<ifname>     an XDP bpf_link
 *   maps-v<N>/<name>  a map whose kernel name is <name>, xdpfw_*; or,
 *                     for a filter in the program's global data (an
 *                     internal map named after its ELF section), the
 *                     kernel name libbpf gives that section's map
 *
 * plus, when pin_dir is the root of a bpffs, the kernel's own
 * maps.debug and progs.debug.  A pin_dir holding anything else is refused,
 * and nothing else is ever removed.
 */
#ifndef XDPFW_PINS_H
#define XDPFW_PINS_H

#include <stddef.h>

/* Paths of the layout above.  Each is 0, or -ENAMETOOLONG when it does not
 * fit in len: never a shorter path, which would name another file. */
int pins_join(char *buf, size_t len, const char *dir, const char *name);
int pins_maps_dir(char *buf, size_t len, const char *pin_dir);
/* The same for layout's maps directory (maps-v<layout>). */
int pins_maps_dir_v(char *buf, size_t len, const char *pin_dir, int layout);
/* name: the map's pin name or its kernel name (that of a filter in global
 * data differs). */
int pins_map_path(char *buf, size_t len, const char *pin_dir,
		  const char *name);
/* The same path under layout's maps directory (maps-v<layout>). */
int pins_map_path_v(char *buf, size_t len, const char *pin_dir, int layout,
		    const char *name);
int pins_link_path(char *buf, size_t len, const char *pin_dir,
		   const char *ifname);
int pins_prog_path(char *buf, size_t len, const char *pin_dir);

/* Is kname (the kernel's or libbpf's name of a map) the map pinned as
 * pin_name?  1 or 0. */
int pins_map_name_is(const char *kname, const char *pin_name);

/* Is m one of the maps the rule set lives in (pinned, shared by every
 * copy of the program): all but the loader's constants (.rodata), the
 * filters in global data included?  1 or 0. */
struct bpf_map;
int pins_map_shared(const struct bpf_map *m);

/* Make sure pin_dir is on a bpffs (mounting one on /sys/fs/bpf when that
 * is where it lives and nothing is mounted there), holds nothing xdpfw did
 * not create, and has this layout's maps directory.  Logs what failed. */
int pins_prepare(const char *pin_dir);

/* Is pin_dir missing or empty (nothing of an earlier run in it)? */
int pins_dir_empty(const char *pin_dir);

/* Are this layout's maps pinned under pin_dir (from an earlier run)? */
int pins_have_maps(const char *pin_dir);

/* The newest older layout N (min <= N < XDPFW_LAYOUT_VERSION) whose maps
 * directory <pin_dir>/maps-v<N> is there, or 0. */
int pins_old_layout(const char *pin_dir, int min);

/* Drop the maps of other layout versions (<pin_dir>/maps-v<N>): call once
 * every link runs this build; carried: the layout whose counts were
 * carried over (0: none), for the log.  How many were removed, or -errno. */
int pins_remove_old_layouts(const char *pin_dir, int carried);

/* Remove every pin xdpfw created under pin_dir, every layout's maps
 * included, and pin_dir itself when nothing else is left (a warning names
 * what is).  Links must be detached first.  0 or the first -errno. */
int pins_remove_all(const char *pin_dir);

/* Is <dir>/<name> an entry xdpfw creates?  in_maps: dir is a maps-v<N>
 * directory.  1 or 0. */
int pins_is_ours(const char *dir, const char *name, int in_maps);

/* 0 when pin_dir (missing, or) holds only what xdpfw creates; -EEXIST
 * after logging each entry it did not create. */
int pins_check_foreign(const char *pin_dir);

#endif
