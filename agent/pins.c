// SPDX-License-Identifier: GPL-2.0-only
#include "pins.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "log.h"
#include "xdpfw_shared.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int pins_join(char *buf, size_t len, const char *dir, const char *name)
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
		return log_error_errno(err, "cannot look up %s", pin_dir);
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
		return log_error_errno(err, "%s is not on a bpffs and mounting "
				       "one on %s failed", pin_dir, home);
	}
	log_info("mounted a bpffs on %s", home);
	return 0;
}

int pins_prepare(const char *pin_dir)
{
	char maps[4096];
	int err = ensure_bpffs(pin_dir);

	if (!err)
		err = pins_check_foreign(pin_dir);
	if (err)
		return err;
	err = mkdir_p(pin_dir, 0700);
	if (err)
		return log_error_errno(err, "cannot create %s", pin_dir);
	err = pins_maps_dir(maps, sizeof(maps), pin_dir);
	if (!err && mkdir(maps, 0700) && errno != EEXIST)
		err = -errno;
	if (err)
		return log_error_errno(err, "cannot create %s", maps);
	return 0;
}


int pins_maps_dir_v(char *buf, size_t len, const char *pin_dir, int layout)
{
	int n = snprintf(buf, len, "%s/maps-v%d", pin_dir, layout);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pins_maps_dir(char *buf, size_t len, const char *pin_dir)
{
	return pins_maps_dir_v(buf, len, pin_dir, XDPFW_LAYOUT_VERSION);
}

/*
 * The filters in global data: libbpf names the map of a .data.<x> section
 * after it, that of .bss after the object ("xdpfw_bpf", the skeleton's
 * name, cut to 8 characters) and the section.  Pinned under their
 * XDPFW_MAP_* names all the same.
 */
static const struct {
	const char *kname, *pin;
} globals[] = {
	{ XDPFW_SEC_PORTS, XDPFW_STR(XDPFW_MAP_PORTS) },
	{ "xdpfw_bp" XDPFW_SEC_V6F, XDPFW_STR(XDPFW_MAP_V6F) },
};

/* The pin name of the map the kernel calls kname. */
static const char *pin_name(const char *kname)
{
	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++)
		if (!strcmp(kname, globals[i].kname))
			return globals[i].pin;
	return kname;
}

int pins_map_shared(const struct bpf_map *m)
{
	const char *name = bpf_map__name(m);

	return !bpf_map__is_internal(m) || pin_name(name) != name;
}

int pins_map_name_is(const char *kname, const char *pin)
{
	return !strcmp(pin_name(kname), pin);
}

int pins_map_path_v(char *buf, size_t len, const char *pin_dir, int layout,
		    const char *name)
{
	int n = snprintf(buf, len, "%s/maps-v%d/%s", pin_dir, layout,
			 pin_name(name));

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pins_map_path(char *buf, size_t len, const char *pin_dir,
		  const char *name)
{
	return pins_map_path_v(buf, len, pin_dir, XDPFW_LAYOUT_VERSION, name);
}

int pins_link_path(char *buf, size_t len, const char *pin_dir,
		   const char *ifname)
{
	int n = snprintf(buf, len, "%s/link-%s", pin_dir, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pins_prog_path(char *buf, size_t len, const char *pin_dir)
{
	return pins_join(buf, len, pin_dir, "prog");
}

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

	if (pins_join(path, sizeof(path), dir, name))
		return 0;
	if (in_maps) {
		if (strncmp(name, "xdpfw_", 6))
			return 0;
		inspect(path, &p);
		return p.kind == PINNED_MAP && pins_map_name_is(p.name, name);
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

/* What walk() does: count (and log) the entries xdpfw did not create,
 * and, with remove, remove those it did. */
struct walk {
	int remove;
	int foreign;
	int err; /* the first removal error */
};

static void walk_failed(struct walk *w, const char *what, int err)
{
	log_error("cannot remove %s: %s", what, strerror(-err));
	if (!w->err)
		w->err = err;
}

/* Every entry of dir (in_maps: a maps-v<N> directory) but . and .. and
 * the kernel's own, recursing into the maps-v<N> directories xdpfw
 * created; with w->remove, each of xdpfw's entries is removed (link pins
 * only unlinked: detaching is the loader's job), and a maps-v<N>
 * directory too once emptied. */
static void walk(const char *dir, int in_maps, struct walk *w)
{
	char path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		if (w->remove && errno != ENOENT)
			walk_failed(w, dir, -errno);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (!in_maps && is_kernel_entry(de->d_name)))
			continue;
		if (!pins_is_ours(dir, de->d_name, in_maps)) {
			if (w->remove)
				log_warn("left %s/%s: xdpfw did not create it", dir,
					 de->d_name);
			else
				log_error("%s/%s was not created by xdpfw (another "
					  "program's pin?)", dir, de->d_name);
			w->foreign++;
			continue;
		}
		if (pins_join(path, sizeof(path), dir, de->d_name)) {
			if (w->remove)
				walk_failed(w, de->d_name, -ENAMETOOLONG);
		} else if (!in_maps && is_maps_dir_name(de->d_name)) {
			walk(path, 1, w);
		} else if (w->remove && unlink(path) && errno != ENOENT) {
			walk_failed(w, path, -errno);
		}
	}
	closedir(d);
	if (w->remove && in_maps && rmdir(dir) && errno != ENOENT &&
	    errno != ENOTEMPTY)
		walk_failed(w, dir, -errno);
}

int pins_check_foreign(const char *pin_dir)
{
	struct walk w = { 0 };

	walk(pin_dir, 0, &w);
	if (!w.foreign)
		return 0;
	log_error("pin_dir %s holds %d entr%s that xdpfw did not create; xdpfw "
		  "neither uses nor removes them: give xdpfw a pin_dir of its own "
		  "([agent] pin_dir), or remove them if they are not needed",
		  pin_dir, w.foreign, w.foreign == 1 ? "y" : "ies");
	return -EEXIST;
}

/* Remove every entry of dir that xdpfw created.  0 or the first -errno. */
static int sweep(const char *dir, int in_maps)
{
	struct walk w = { .remove = 1 };

	walk(dir, in_maps, &w);
	return w.err;
}

int pins_old_layout(const char *pin_dir, int min)
{
	char dir[4096];
	struct stat st;

	for (int v = XDPFW_LAYOUT_VERSION - 1; v >= min && v > 0; v--)
		if (!pins_maps_dir_v(dir, sizeof(dir), pin_dir, v) &&
		    !lstat(dir, &st) && S_ISDIR(st.st_mode))
			return v;
	return 0;
}

int pins_remove_old_layouts(const char *pin_dir, int carried)
{
	char cur[32], old[32], dir[4096];
	struct dirent *de;
	int removed = 0;
	DIR *d;

	snprintf(cur, sizeof(cur), "maps-v%d", XDPFW_LAYOUT_VERSION);
	snprintf(old, sizeof(old), "maps-v%d", carried);
	d = opendir(pin_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!is_maps_dir_name(de->d_name) || !strcmp(de->d_name, cur) ||
		    pins_join(dir, sizeof(dir), pin_dir, de->d_name) ||
		    !pins_is_ours(pin_dir, de->d_name, 0))
			continue;
		sweep(dir, 1);
		if (access(dir, F_OK)) {
			log_info("removed the maps of an older layout (%s); their "
				 "counters %s", dir, strcmp(de->d_name, old) ?
				 "are gone" : "were carried over");
			removed++;
		}
	}
	closedir(d);
	return removed;
}

int pins_remove_all(const char *pin_dir)
{
	int err = sweep(pin_dir, 0);

	if (!rmdir(pin_dir) || errno == ENOENT)
		return err;
	if (errno == ENOTEMPTY)
		log_warn("left %s: it holds entries xdpfw did not create", pin_dir);
	else
		log_warn("cannot remove %s: %s", pin_dir, strerror(errno));
	return err;
}

int pins_dir_empty(const char *pin_dir)
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

int pins_have_maps(const char *pin_dir)
{
	char path[4096];

	if (pins_map_path(path, sizeof(path), pin_dir,
			  XDPFW_STR(XDPFW_MAP_RSTATS)))
		return 0;
	return access(path, F_OK) == 0;
}
