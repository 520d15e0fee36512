// SPDX-License-Identifier: GPL-2.0-only
#include "loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kmaps.h"
#include "log.h"
#include "pins.h"
#include "skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/* dir/name into buf; a path that does not fit is an error, never a
 * shorter path (that would name another file). */
static int path_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[4096];
	size_t len = strlen(path);

	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The nearest existing ancestor of path (path itself when it exists). */
static int existing_ancestor(const char *path, char *out, size_t len)
{
	struct stat st;

	if (strlen(path) >= len)
		return -ENAMETOOLONG;
	strcpy(out, path);
	while (stat(out, &st)) {
		if (errno != ENOENT || !strcmp(out, "/"))
			return -errno;
		dirname(out);
	}
	return 0;
}

/* Is something other than the directory itself mounted on path? */
static int is_mountpoint(const char *path)
{
	char parent[4096];
	struct stat a, b;

	if (strlen(path) >= sizeof(parent) || stat(path, &a))
		return 0;
	strcpy(parent, path);
	dirname(parent);
	return stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/*
 * pin_dir must be on a bpffs.  One is mounted only at /sys/fs/bpf, its
 * home, and only when nothing is mounted there: mounting over any other
 * directory would hide what it holds (/etc/xdpfw with the rules, say).
 */
static int ensure_bpffs(const char *pin_dir)
{
	static const char home[] = "/sys/fs/bpf";
	char anc[4096];
	int err = existing_ancestor(pin_dir, anc, sizeof(anc));

	if (err) {
		log_error("cannot look up %s: %s", pin_dir, strerror(-err));
		return err;
	}
	if (is_bpffs(anc))
		return 0;
	if (strncmp(pin_dir, home, sizeof(home) - 1) ||
	    (pin_dir[sizeof(home) - 1] != '/' && pin_dir[sizeof(home) - 1]) ||
	    strncmp(anc, home, sizeof(home) - 1) || is_mountpoint(home)) {
		log_error("pin_dir %s is not on a bpffs (%s is not one), and xdpfw "
			  "mounts a bpffs only on an empty %s: set [agent] pin_dir "
			  "under a mounted bpffs, or mount one first (mount -t bpf "
			  "bpf DIR)", pin_dir, anc, home);
		return -ENOTSUP;
	}
	if (mount("bpf", home, "bpf", 0, "mode=0700")) {
		err = -errno;
		log_error("%s is not on a bpffs and mounting one on %s failed: %s",
			  pin_dir, home, strerror(-err));
		return err;
	}
	log_info("mounted a bpffs on %s", home);
	return 0;
}

int loader_prepare_pin_dir(const char *pin_dir)
{
	char maps[4096];
	int err = ensure_bpffs(pin_dir);

	if (!err)
		err = pins_check_foreign(pin_dir);
	if (err)
		return err;
	err = mkdir_p(pin_dir, 0700);
	if (err) {
		log_error("cannot create %s: %s", pin_dir, strerror(-err));
		return err;
	}
	err = kmaps_maps_dir(maps, sizeof(maps), pin_dir);
	if (!err && mkdir(maps, 0700) && errno != EEXIST)
		err = -errno;
	if (err)
		log_error("cannot create %s: %s", maps, strerror(-err));
	return err;
}

/* Would libbpf reuse every pinned map?  (Same checks as its own: type,
 * key and value size, max_entries, flags.)  No pins at all: compatible. */
static int pins_compatible(struct xdpfw_bpf *skel, const char *pin_dir)
{
	struct bpf_map *map;
	char path[4096];

	bpf_object__for_each_map(map, skel->obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd, ok;

		if (bpf_map__is_internal(map) ||
		    kmaps_pin_path(path, sizeof(path), pin_dir, bpf_map__name(map)))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		ok = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		     info.type == bpf_map__type(map) &&
		     info.key_size == bpf_map__key_size(map) &&
		     info.value_size == bpf_map__value_size(map) &&
		     info.max_entries == bpf_map__max_entries(map) &&
		     info.map_flags == bpf_map__map_flags(map);
		close(fd);
		if (!ok) {
			log_info("pinned map %s differs from this build (max_entries "
				 "%u, wanted %u)", path, info.max_entries,
				 bpf_map__max_entries(map));
			return 0;
		}
	}
	return 1;
}

int loader_remove_old_layouts(const char *pin_dir)
{
	char cur[64], dir[4096], path[8192];
	struct dirent *de, *me;
	int removed = 0;
	DIR *d, *m;

	snprintf(cur, sizeof(cur), "maps-v%d", XDPFW_LAYOUT_VERSION);
	d = opendir(pin_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "maps-v", 6) || !strcmp(de->d_name, cur))
			continue;
		if (path_join(dir, sizeof(dir), pin_dir, de->d_name))
			continue;
		m = opendir(dir);
		if (!m)
			continue;
		while ((me = readdir(m))) {
			if (me->d_name[0] == '.' || !pins_is_ours(dir, me->d_name, 1) ||
			    path_join(path, sizeof(path), dir, me->d_name))
				continue;
			unlink(path);
		}
		closedir(m);
		if (!rmdir(dir)) {
			log_info("removed the maps of an older layout (%s); their "
				 "counters are gone", dir);
			removed++;
		}
	}
	closedir(d);
	return removed;
}

int loader_pin_dir_empty(const char *pin_dir)
{
	struct dirent *de;
	int empty = 1;
	DIR *d = opendir(pin_dir);

	if (!d)
		return errno == ENOENT;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

int loader_has_pins(const char *pin_dir)
{
	char path[4096];

	if (kmaps_pin_path(path, sizeof(path), pin_dir,
			   XDPFW_STR(XDPFW_MAP_RSTATS)))
		return 0;
	return access(path, F_OK) == 0;
}

int loader_repin_maps(struct xdpfw_bpf *skel, const char *pin_dir)
{
	struct bpf_map *map;
	char path[4096];
	int err;

	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		err = kmaps_pin_path(path, sizeof(path), pin_dir, bpf_map__name(map));
		if (err)
			return err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
		err = bpf_map__pin(map, path);
		if (err) {
			log_error("cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

int loader_load(struct xdpfw_bpf **out, const char *pin_dir, uint32_t max_rules)
{
	struct xdpfw_bpf *skel;
	struct bpf_map *map;
	char path[4096];
	int err, ncpus;

	*out = NULL;
	skel = xdpfw_bpf__open();
	if (!skel) {
		err = -errno;
		log_error("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_V4, max_rules);
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_V6, max_rules);
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_V4_LPM, max_rules);
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_V6_LPM, max_rules);
	/* A port entry of any protocol has a key per protocol. */
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_V4_PORT, 2 * max_rules);
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_V6_PORT, 2 * max_rules);
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_V4_PLPM, 2 * max_rules);
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_V6_PLPM, 2 * max_rules);
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_RULES, max_rules);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1 || (uint64_t)max_rules * (uint64_t)ncpus > (1ULL << 31)) {
		log_error("max_rules=%u x %d possible CPUs counters is too many; "
			  "lower [agent] max_rules", max_rules, ncpus);
		err = -E2BIG;
		goto fail;
	}
	skel->rodata->xdpfw_max_rules = max_rules;
	skel->rodata->xdpfw_ncpus = (__u32)ncpus;
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_RSTATS,
				 max_rules * (uint32_t)ncpus);
	bpf_map__set_max_entries(skel->maps.XDPFW_MAP_RBASE, max_rules);

	if (pin_dir && !pins_compatible(skel, pin_dir)) {
		err = -EEXIST;
		goto fail;
	}
	if (pin_dir) {
		bpf_object__for_each_map(map, skel->obj) {
			if (bpf_map__is_internal(map))
				continue;
			err = kmaps_pin_path(path, sizeof(path), pin_dir,
					     bpf_map__name(map));
			if (!err)
				err = bpf_map__set_pin_path(map, path);
			if (err) {
				log_error("cannot set pin path %s: %s", path,
					  strerror(-err));
				goto fail;
			}
		}
	}

	err = xdpfw_bpf__load(skel);
	if (err) {
		if (err == -EPERM)
			log_error("permission denied loading the BPF program: xdpfw "
				  "needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (run it "
				  "as root or under the systemd unit)");
		else
			log_error("the kernel refused the BPF program: %s "
				  "(run with XDPFW_LIBBPF_DEBUG=1 for the verifier log)",
				  strerror(-err));
		goto fail;
	}
	*out = skel;
	return 0;
fail:
	xdpfw_bpf__destroy(skel);
	return err;
}

int loader_link_path(char *buf, size_t len, const char *pin_dir,
		     const char *ifname)
{
	int n = snprintf(buf, len, "%s/link-%s", pin_dir, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int adopt_link(const char *path, int ifindex, int prog_fd,
		      const char *ifname)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err = 0;

	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_LINK_TYPE_XDP ||
	    info.xdp.ifindex != (__u32)ifindex) {
		/* Its interface went away (or was re-created): drop the pin. */
		log_warn("pinned link %s no longer belongs to %s; replacing it",
			 path, ifname);
		close(fd);
		unlink(path);
		return -ENOENT;
	}
	if (bpf_link_update(fd, prog_fd, NULL)) {
		err = -errno;
		log_error("cannot replace the program on %s: %s", ifname,
			  strerror(-err));
	} else {
		log_info("%s: adopted pinned XDP link, program replaced atomically",
			 ifname);
	}
	close(fd);
	return err;
}

/* The id of the bpf_link that attaches XDP on ifindex, or 0 (attached
 * through netlink, or not found). */
static __u32 xdp_link_id(int ifindex)
{
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);
		int match;

		if (fd < 0)
			continue;
		match = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
			info.type == BPF_LINK_TYPE_XDP &&
			info.xdp.ifindex == (__u32)ifindex;
		close(fd);
		if (match)
			return id;
	}
	return 0;
}

/* Say how to free the hook: a link is detached with bpftool (ip's "xdp
 * off" cannot remove it), a netlink attachment with ip. */
static void refuse_taken(const char *ifname, int ifindex, __u32 prog_id)
{
	__u32 link = xdp_link_id(ifindex);

	if (link)
		log_error("%s already has an XDP program (id %u, attached through "
			  "bpf_link %u) that xdpfw did not attach; stop its owner "
			  "or remove it first (bpftool link detach id %u)",
			  ifname, prog_id, link, link);
	else
		log_error("%s already has an XDP program (id %u) that xdpfw did "
			  "not attach; stop its owner or remove it first (ip link "
			  "set dev %s xdp off)", ifname, prog_id, ifname);
}

static int create_link(int prog_fd, int ifindex, const char *ifname,
		       enum xdp_mode mode, const char *path)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	__u32 cur = 0;
	int fd, err;

	if (bpf_xdp_query_id(ifindex, 0, &cur) == 0 && cur) {
		refuse_taken(ifname, ifindex, cur);
		return -EBUSY;
	}
	opts.flags = mode == XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE :
						XDP_FLAGS_DRV_MODE;
	if (mode == XDP_MODE_AUTO)
		log_libbpf_quiet(1);
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	log_libbpf_quiet(0);
	if (fd < 0 && mode == XDP_MODE_AUTO) {
		log_info("%s: native XDP unavailable (%s); using generic mode",
			 ifname, strerror(errno));
		opts.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
		mode = XDP_MODE_GENERIC;
	} else if (fd >= 0 && mode == XDP_MODE_AUTO) {
		mode = XDP_MODE_NATIVE;
	}
	if (fd < 0) {
		err = -errno;
		log_error("cannot attach XDP (%s mode) to %s: %s", xdp_mode_name(mode),
			  ifname, strerror(-err));
		return err;
	}
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		log_error("cannot pin the XDP link at %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	close(fd);
	log_info("%s: attached in %s mode", ifname, xdp_mode_name(mode));
	return 0;
}

int loader_attach(struct xdpfw_bpf *skel, const char *pin_dir,
		  const char *ifname, enum xdp_mode mode)
{
	int prog_fd = bpf_program__fd(skel->progs.xdpfw_xdp);
	int ifindex = (int)if_nametoindex(ifname);
	char path[4096];
	int err;

	if (!ifindex)
		return -ENODEV; /* the caller says what it does about it */
	err = loader_link_path(path, sizeof(path), pin_dir, ifname);
	if (err)
		return err;
	if (access(path, F_OK) == 0) {
		err = adopt_link(path, ifindex, prog_fd, ifname);
		if (err != -ENOENT)
			return err;
	}
	return create_link(prog_fd, ifindex, ifname, mode, path);
}

int loader_pin_prog(struct xdpfw_bpf *skel, const char *pin_dir)
{
	char path[4096];

	if (path_join(path, sizeof(path), pin_dir, "prog"))
		return -ENAMETOOLONG;
	unlink(path);
	if (bpf_obj_pin(bpf_program__fd(skel->progs.xdpfw_xdp), path))
		return -errno;
	return 0;
}

int loader_detach_all(const char *pin_dir)
{
	char path[8192], maps[4096];
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(pin_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int fd;

		if (strncmp(de->d_name, "link-", 5) ||
		    !pins_is_ours(pin_dir, de->d_name, 0) ||
		    path_join(path, sizeof(path), pin_dir, de->d_name))
			continue;
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			if (bpf_link_detach(fd) && errno != EINVAL && errno != ENOLINK)
				log_warn("cannot detach %s: %s", path, strerror(errno));
			close(fd);
		}
		if (unlink(path)) {
			err = -errno;
			log_error("cannot remove %s: %s", path, strerror(errno));
		} else {
			log_info("detached from %s", de->d_name + 5);
		}
	}
	closedir(d);
	if (!path_join(path, sizeof(path), pin_dir, "prog") &&
	    pins_is_ours(pin_dir, "prog", 0))
		unlink(path);
	d = kmaps_maps_dir(maps, sizeof(maps), pin_dir) ? NULL : opendir(maps);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (!pins_is_ours(maps, de->d_name, 1)) {
				log_warn("left %s/%s: xdpfw did not create it", maps,
					 de->d_name);
				continue;
			}
			if (path_join(path, sizeof(path), maps, de->d_name))
				continue;
			if (unlink(path)) {
				err = -errno;
				log_error("cannot remove %s: %s", path,
					  strerror(errno));
			}
		}
		closedir(d);
		rmdir(maps);
	}
	loader_remove_old_layouts(pin_dir);
	if (!rmdir(pin_dir) || errno == ENOENT)
		return err;
	if (errno == ENOTEMPTY)
		log_warn("left %s: it holds entries xdpfw did not create", pin_dir);
	else
		log_warn("cannot remove %s: %s", pin_dir, strerror(errno));
	return err;
}
