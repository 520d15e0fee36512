// SPDX-License-Identifier: GPL-2.0-only
#include "loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pins.h"
#include "skel.h"

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

		if (!pins_map_shared(map) ||
		    pins_map_path(path, sizeof(path), pin_dir, bpf_map__name(map)))
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

int loader_repin_maps(struct xdpfw_bpf *skel, const char *pin_dir)
{
	struct bpf_map *map;
	char path[4096];
	int err;

	bpf_object__for_each_map(map, skel->obj) {
		if (!pins_map_shared(map))
			continue;
		err = pins_map_path(path, sizeof(path), pin_dir, bpf_map__name(map));
		if (err)
			return err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
		err = bpf_map__pin(map, path);
		if (err)
			return log_error_errno(err, "cannot pin %s", path);
	}
	return 0;
}

/* Entries of an open addressing table: a power of two at least
 * per_rule x max_rules (xdpfw_shared.h).  IPv4 (16 B entries): twice, so
 * that the load stays at or under 1/2; IPv6 (24 B, and fewer of them in
 * the usual blocklist): once. */
static uint32_t oa_entries(uint32_t max_rules, uint32_t per_rule)
{
	uint32_t n = 64;

	while (n < per_rule * (uint64_t)max_rules && n < (1u << 31))
		n <<= 1;
	return n;
}

#define PER_RULE_OA UINT32_MAX
#define PER_RULE_OA6 (UINT32_MAX - 1)
#define PER_RULE_OA6C (UINT32_MAX - 2)
#define PER_RULE_V4L2 (UINT32_MAX - 3)

/* The IPv6 class prefixes' table: a quarter of max_rules (the usual
 * blocklist has a few percent of them; beyond, they overflow into the
 * trie, which is slower, never wrong). */
static uint32_t oa6c_entries(uint32_t max_rules)
{
	return oa_entries(max_rules / 4 + 1, 1);
}

/* Blocks of the /24 table's second level (1 KiB each): one per 32 rules,
 * at least 16.  A /24 with a /25-/31 that finds none asks the trie. */
static uint32_t v4l2_blocks(uint32_t max_rules)
{
	return max_rules / 32 > 16 ? max_rules / 32 : 16;
}

/* The maps whose size follows max_rules: entries per rule, by name (0:
 * per rule and per possible CPU, the per-CPU counters; PER_RULE_OA:
 * oa_entries).  A port entry of any protocol has a key per protocol. */
static const struct {
	const char *name;
	uint32_t per_rule;
} sized_maps[] = {
	{ XDPFW_STR(XDPFW_MAP_V4), 1 },
	{ XDPFW_STR(XDPFW_MAP_V6), 1 },
	{ XDPFW_STR(XDPFW_MAP_V4_LPM), 1 },
	{ XDPFW_STR(XDPFW_MAP_V6_LPM), 1 },
	{ XDPFW_STR(XDPFW_MAP_V4_PORT), 2 },
	{ XDPFW_STR(XDPFW_MAP_V6_PORT), 2 },
	{ XDPFW_STR(XDPFW_MAP_V4_PLPM), 2 },
	{ XDPFW_STR(XDPFW_MAP_V6_PLPM), 2 },
	{ XDPFW_STR(XDPFW_MAP_RULES), 1 },
	{ XDPFW_STR(XDPFW_MAP_RBASE), 1 },
	{ XDPFW_STR(XDPFW_MAP_RSTATS), 0 },
	{ XDPFW_STR(XDPFW_MAP_V4_OA), PER_RULE_OA },
	{ XDPFW_STR(XDPFW_MAP_V4P_OA), PER_RULE_OA },
	{ XDPFW_STR(XDPFW_MAP_V6_OA), PER_RULE_OA6 },
	{ XDPFW_STR(XDPFW_MAP_V6P_OA), PER_RULE_OA6 },
	{ XDPFW_STR(XDPFW_MAP_V6C_OA), PER_RULE_OA6C },
	{ XDPFW_STR(XDPFW_MAP_V4_L2), PER_RULE_V4L2 },
};

static int size_maps(struct xdpfw_bpf *skel, uint32_t max_rules, int ncpus)
{
	for (size_t i = 0; i < sizeof(sized_maps) / sizeof(sized_maps[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj,
								 sized_maps[i].name);
		uint32_t per = sized_maps[i].per_rule;
		uint32_t n = per == PER_RULE_OA ? oa_entries(max_rules, 2) :
			     per == PER_RULE_OA6 ? oa_entries(max_rules, 1) :
			     per == PER_RULE_OA6C ? oa6c_entries(max_rules) :
			     per == PER_RULE_V4L2 ? v4l2_blocks(max_rules) :
			     per ? per * max_rules : max_rules * (uint32_t)ncpus;

		if (!m) {
			log_error("the BPF object has no map %s", sized_maps[i].name);
			return -ENOENT;
		}
		bpf_map__set_max_entries(m, n);
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
	skel = skel_open();
	if (!skel) {
		err = -errno;
		return log_error_errno(err, "cannot open the BPF object");
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1 || (uint64_t)max_rules * (uint64_t)ncpus > (1ULL << 31)) {
		log_error("max_rules=%u x %d possible CPUs counters is too many; "
			  "lower [agent] max_rules", max_rules, ncpus);
		err = -E2BIG;
		goto fail;
	}
	skel->rodata->xdpfw_max_rules = max_rules;
	skel->rodata->xdpfw_ncpus = (__u32)ncpus;
	skel->rodata->xdpfw_oa_mask = oa_entries(max_rules, 2) - 1;
	skel->rodata->xdpfw_oa6_mask = oa_entries(max_rules, 1) - 1;
	skel->rodata->xdpfw_oa6c_mask = oa6c_entries(max_rules) - 1;
	err = size_maps(skel, max_rules, ncpus);
	if (err)
		goto fail;

	if (pin_dir && !pins_compatible(skel, pin_dir)) {
		err = -EEXIST;
		goto fail;
	}
	if (pin_dir) {
		bpf_object__for_each_map(map, skel->obj) {
			if (!pins_map_shared(map))
				continue;
			err = pins_map_path(path, sizeof(path), pin_dir,
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

/* The id of the bpf_link that attaches program prog_id to XDP on ifindex,
 * or 0 (attached through netlink, or not found).  A link says only its
 * ifindex, which other network namespaces reuse: the program's id must
 * match too, else a link of another namespace's interface would be named
 * (and detaching it, as the message says, would hit that one). */
static __u32 xdp_link_id(int ifindex, __u32 prog_id)
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
			info.xdp.ifindex == (__u32)ifindex &&
			info.prog_id == prog_id;
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
	__u32 link = xdp_link_id(ifindex, prog_id);

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
		return log_error_errno(err, "cannot attach XDP (%s mode) to %s",
				       xdp_mode_name(mode), ifname);
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
	err = pins_link_path(path, sizeof(path), pin_dir, ifname);
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

	if (pins_prog_path(path, sizeof(path), pin_dir))
		return -ENAMETOOLONG;
	unlink(path);
	if (bpf_obj_pin(bpf_program__fd(skel->progs.xdpfw_xdp), path))
		return -errno;
	return 0;
}

int loader_detach_links(const char *pin_dir)
{
	char path[4096];
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
		    pins_join(path, sizeof(path), pin_dir, de->d_name))
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
	return err;
}

int loader_detach_all(const char *pin_dir)
{
	int err = loader_detach_links(pin_dir);
	int r = err == -ENOENT ? err : pins_remove_all(pin_dir);

	return err ? err : r;
}
