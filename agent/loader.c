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
#include "skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
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

int loader_prepare_pin_dir(const char *pin_dir)
{
	char parent[4096], maps[4096];
	int err;

	if (strlen(pin_dir) >= sizeof(parent))
		return -ENAMETOOLONG;
	strcpy(parent, pin_dir);
	dirname(parent);

	if (!is_bpffs(pin_dir) && !is_bpffs(parent)) {
		err = mkdir_p(parent, 0755);
		if (err) {
			log_error("cannot create %s for the bpffs: %s", parent,
				  strerror(-err));
			return err;
		}
		if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
			err = -errno;
			log_error("%s is not on a bpffs and mounting one there failed: %s "
				  "(mount it: mount -t bpf bpf %s, or set [agent] pin_dir)",
				  pin_dir, strerror(errno), parent);
			return err;
		}
		log_info("mounted a bpffs on %s", parent);
	}
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_error("cannot create %s: %s", pin_dir, strerror(errno));
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
		snprintf(dir, sizeof(dir), "%s/%s", pin_dir, de->d_name);
		m = opendir(dir);
		if (!m)
			continue;
		while ((me = readdir(m))) {
			if (me->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, me->d_name);
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

static int create_link(int prog_fd, int ifindex, const char *ifname,
		       enum xdp_mode mode, const char *path)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	__u32 cur = 0;
	int fd, err;

	if (bpf_xdp_query_id(ifindex, 0, &cur) == 0 && cur) {
		log_error("%s already has an XDP program (id %u) that xdpfw did not "
			  "attach; remove it first (ip link set dev %s xdp off) "
			  "or detach its owner",
			  ifname, cur, ifname);
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

	snprintf(path, sizeof(path), "%s/prog", pin_dir);
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

		if (strncmp(de->d_name, "link-", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
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
	snprintf(path, sizeof(path), "%s/prog", pin_dir);
	unlink(path);
	kmaps_maps_dir(maps, sizeof(maps), pin_dir);
	d = opendir(maps);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", maps, de->d_name);
			if (unlink(path)) {
				err = -errno;
				log_error("cannot remove %s: %s", path,
					  strerror(errno));
			}
		}
		closedir(d);
		rmdir(maps);
	}
	if (rmdir(pin_dir) && errno != ENOENT && errno != ENOTEMPTY)
		log_warn("cannot remove %s: %s", pin_dir, strerror(errno));
	return err;
}
