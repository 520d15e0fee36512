// SPDX-License-Identifier: GPL-2.0-only
#include "xdp_libxdp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "log.h"
#include "pins.h"
#include "skel.h"
#include "xdpfw_shared.h"

/* libxdp's messages through the log, one level lower (as libbpf's). */
__attribute__((format(printf, 2, 0)))
static int print_bridge(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (level == LIBXDP_WARN)
		log_info("libxdp: %s", line);
	else
		log_debug("libxdp: %s", line);
	return 0;
}

/* Does program prog_id use map map_id? */
static int uses_map(uint32_t prog_id, uint32_t map_id)
{
	uint32_t ids[64];
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id), hit = 0;

	if (fd < 0)
		return 0;
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(uintptr_t)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (__u32 i = 0; i < info.nr_map_ids && i < 64; i++)
			hit |= ids[i] == map_id;
	close(fd);
	return hit;
}

/* The ids of our programs in ifindex's dispatcher (at most max). */
static int ours(int ifindex, uint32_t map_id, uint32_t *out, int max,
		enum xdp_attach_mode *mode)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p = NULL;
	int n = 0;

	if (!mp || libxdp_get_error(mp))
		return 0; /* nothing attached, or not through libxdp */
	if (mode)
		*mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) { /* one program, no dispatcher */
		p = xdp_multiprog__main_prog(mp);
		if (p && max > 0 && uses_map(xdp_program__id(p), map_id))
			out[n++] = xdp_program__id(p);
	}
	while (!xdp_multiprog__is_legacy(mp) &&
	       (p = xdp_multiprog__next_prog(p, mp)) && n < max)
		if (uses_map(xdp_program__id(p), map_id))
			out[n++] = xdp_program__id(p);
	xdp_multiprog__close(mp);
	return n;
}

/* Is the program on ifindex a lone one, attached by libxdp without a
 * dispatcher? */
static int is_legacy(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	int legacy;

	if (!mp || libxdp_get_error(mp))
		return 0;
	legacy = xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	return legacy;
}

static uint32_t map_id_of(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* A second copy of the object on the daemon's maps, for libxdp to load. */
static struct xdpfw_bpf *open_copy(struct xdpfw_bpf *skel)
{
	struct xdpfw_bpf *ext = skel_open();
	struct bpf_map *m;
	int err = 0;

	if (!ext)
		return NULL;
	*ext->rodata = *skel->rodata; /* max_rules, ncpus */
	bpf_object__for_each_map(m, ext->obj) {
		struct bpf_map *src;

		if (!pins_map_shared(m))
			continue;
		src = bpf_object__find_map_by_name(skel->obj, bpf_map__name(m));
		err = src ? bpf_map__reuse_fd(m, bpf_map__fd(src)) : -ENOENT;
		if (err)
			break;
	}
	if (err) {
		xdpfw_bpf__destroy(ext);
		errno = -err;
		return NULL;
	}
	return ext;
}

static enum xdp_attach_mode to_libxdp(int mode)
{
	return mode == 1 ? XDP_MODE_NATIVE : mode == 2 ? XDP_MODE_SKB :
							  XDP_MODE_NATIVE;
}

static int attach_copy(struct xdpfw_bpf *skel, int ifindex, const char *ifname,
		       int mode, unsigned priority, uint32_t *id)
{
	struct xdpfw_bpf *ext = open_copy(skel);
	struct xdp_program *p;
	int err;

	if (!ext)
		return -errno;
	p = xdp_program__from_bpf_obj(ext->obj, "xdp");
	err = libxdp_get_error(p);
	if (!err)
		err = xdp_program__set_run_prio(p, priority);
	if (!err) {
		if (mode == 0)
			log_libbpf_quiet(1);
		err = xdp_program__attach(p, ifindex, to_libxdp(mode), 0);
		log_libbpf_quiet(0);
		if (err == -EOPNOTSUPP && mode == 0) {
			log_info("%s: native XDP through libxdp unavailable (%s); "
				 "using generic mode", ifname, strerror(-err));
			err = xdp_program__attach(p, ifindex, XDP_MODE_SKB, 0);
		}
	}
	if (!err)
		*id = xdp_program__id(p);
	if (!err && is_legacy(ifindex)) {
		/* libxdp could not load its dispatcher and attached the
		 * program alone: no other program could join.  Not what
		 * attach = libxdp promises: undo it and say so. */
		xdp_program__detach(p, ifindex, XDP_MODE_UNSPEC, 0);
		log_error("%s: libxdp could not load its dispatcher on this "
			  "kernel and attached xdpfw as the only program, which "
			  "no other program could join; removed it.  The kernel "
			  "must accept freplace (BPF_PROG_TYPE_EXT) programs "
			  "(log_level = debug shows libxdp's reasons); else use "
			  "attach = link", ifname);
		err = -EOPNOTSUPP;
	}
	if (p && !libxdp_get_error(p))
		xdp_program__close(p);
	xdpfw_bpf__destroy(ext);
	return err;
}

int libxdp_attach(struct xdpfw_bpf *skel, const char *ifname, int mode,
		  unsigned priority)
{
	int ifindex = (int)if_nametoindex(ifname);
	uint32_t map_id = map_id_of(bpf_map__fd(skel->maps.XDPFW_MAP_RSTATS));
	uint32_t old[16], id = 0;
	enum xdp_attach_mode am = XDP_MODE_UNSPEC;
	int n, err;

	if (!ifindex)
		return -ENODEV;
	libxdp_set_print(print_bridge);
	n = ours(ifindex, map_id, old, 16, NULL);
	err = attach_copy(skel, ifindex, ifname, mode, priority, &id);
	if (err) {
		return log_error_errno(err, "cannot add xdpfw to the libxdp "
				       "dispatcher of %s", ifname);
	}
	/* The new one runs: now remove the older ones (a restart's). */
	for (int i = 0; i < n; i++) {
		struct xdp_program *p = xdp_program__from_id(old[i]);

		if (libxdp_get_error(p))
			continue;
		if (xdp_program__detach(p, ifindex, XDP_MODE_UNSPEC, 0))
			log_warn("%s: cannot remove the previous xdpfw program "
				 "(id %u) from the dispatcher", ifname, old[i]);
		xdp_program__close(p);
	}
	ours(ifindex, map_id, old, 1, &am);
	log_info("%s: attached through libxdp in %s mode, priority %u (program "
		 "id %u%s)", ifname, am == XDP_MODE_SKB ? "generic" : "native",
		 priority, id, n ? ", replacing the previous one" : "");
	return 0;
}

int libxdp_has_ours(const char *ifname, uint32_t map_id)
{
	int ifindex = (int)if_nametoindex(ifname);
	uint32_t id;

	if (!ifindex)
		return -ENODEV;
	return ours(ifindex, map_id, &id, 1, NULL) > 0;
}

int libxdp_detach_ours(const char *ifname, uint32_t map_id)
{
	int ifindex = (int)if_nametoindex(ifname);
	uint32_t ids[16];
	int n, done = 0;

	if (!ifindex)
		return -ENODEV;
	n = ours(ifindex, map_id, ids, 16, NULL);
	for (int i = 0; i < n; i++) {
		struct xdp_program *p = xdp_program__from_id(ids[i]);

		if (libxdp_get_error(p))
			continue;
		if (!xdp_program__detach(p, ifindex, XDP_MODE_UNSPEC, 0))
			done++;
		xdp_program__close(p);
	}
	return done;
}

const char *libxdp_mode_name(const char *ifname, uint32_t map_id)
{
	int ifindex = (int)if_nametoindex(ifname);
	enum xdp_attach_mode am = XDP_MODE_UNSPEC;
	uint32_t id;

	if (!ifindex || ours(ifindex, map_id, &id, 1, &am) < 1)
		return NULL;
	return am == XDP_MODE_SKB ? "libxdp-generic" : "libxdp-native";
}
