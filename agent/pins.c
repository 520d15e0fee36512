// SPDX-License-Identifier: GPL-2.0-only
#include "pins.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int is_maps_dir_name(const char *name)
{
	if (strncmp(name, "maps-v", 6) || !name[6])
		return 0;
	for (const char *p = name + 6; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* The pinned object's kind and kernel name. */
enum { PINNED_NONE, PINNED_PROG, PINNED_LINK, PINNED_MAP };

struct pinned {
	int kind;
	__u32 type;
	char name[16];
};

/* A bpf fd's kind, from its anonymous inode's name ("anon_inode:bpf-map",
 * "anon_inode:bpf-prog", "anon_inode:bpf_link"): libbpf 1.1 has only the
 * untyped bpf_obj_get_info_by_fd(). */
static int fd_kind(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return PINNED_NONE;
	target[n] = '\0';
	if (strstr(target, "bpf-map"))
		return PINNED_MAP;
	if (strstr(target, "bpf-prog"))
		return PINNED_PROG;
	if (strstr(target, "bpf_link") || strstr(target, "bpf-link"))
		return PINNED_LINK;
	return PINNED_NONE;
}

static void inspect(const char *path, struct pinned *p)
{
	union {
		struct bpf_prog_info prog;
		struct bpf_link_info link;
		struct bpf_map_info map;
	} info;
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	p->kind = PINNED_NONE;
	p->name[0] = '\0';
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	p->kind = fd_kind(fd);
	if (p->kind == PINNED_MAP) {
		len = sizeof(info.map);
		if (!bpf_obj_get_info_by_fd(fd, &info.map, &len)) {
			p->type = info.map.type;
			memcpy(p->name, info.map.name, sizeof(p->name));
		}
	} else if (p->kind == PINNED_PROG) {
		len = sizeof(info.prog);
		if (!bpf_obj_get_info_by_fd(fd, &info.prog, &len)) {
			p->type = info.prog.type;
			memcpy(p->name, info.prog.name, sizeof(p->name));
		}
	} else if (p->kind == PINNED_LINK) {
		len = sizeof(info.link);
		if (!bpf_obj_get_info_by_fd(fd, &info.link, &len))
			p->type = info.link.type;
	}
	p->name[sizeof(p->name) - 1] = '\0';
	close(fd);
}

int pins_is_ours(const char *dir, const char *name, int in_maps)
{
	char path[4096];
	struct pinned p;
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return 0;
	if (in_maps) {
		if (strncmp(name, "xdpfw_", 6))
			return 0;
		inspect(path, &p);
		return p.kind == PINNED_MAP && !strcmp(p.name, name);
	}
	if (is_maps_dir_name(name))
		return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
	if (!strcmp(name, "prog")) {
		inspect(path, &p);
		return p.kind == PINNED_PROG && p.type == BPF_PROG_TYPE_XDP &&
		       !strcmp(p.name, "xdpfw_xdp");
	}
	if (!strncmp(name, "link-", 5) && name[5]) {
		inspect(path, &p);
		return p.kind == PINNED_LINK && p.type == BPF_LINK_TYPE_XDP;
	}
	return 0;
}

static int is_kernel_entry(const char *name)
{
	return !strcmp(name, "maps.debug") || !strcmp(name, "progs.debug");
}

/* Log each entry of dir that is not ours; returns how many. */
static int count_foreign(const char *dir, int in_maps)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char sub[4096];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (!in_maps && is_kernel_entry(de->d_name)))
			continue;
		if (!pins_is_ours(dir, de->d_name, in_maps)) {
			log_error("%s/%s was not created by xdpfw (another program's "
				  "pin?)", dir, de->d_name);
			n++;
		} else if (!in_maps && is_maps_dir_name(de->d_name) &&
			   (size_t)snprintf(sub, sizeof(sub), "%s/%s", dir,
					    de->d_name) < sizeof(sub)) {
			n += count_foreign(sub, 1);
		}
	}
	closedir(d);
	return n;
}

int pins_check_foreign(const char *pin_dir)
{
	int n = count_foreign(pin_dir, 0);

	if (!n)
		return 0;
	log_error("pin_dir %s holds %d entr%s that xdpfw did not create; xdpfw "
		  "neither uses nor removes them: give xdpfw a pin_dir of its own "
		  "([agent] pin_dir), or remove them if they are not needed",
		  pin_dir, n, n == 1 ? "y" : "ies");
	return -EEXIST;
}
