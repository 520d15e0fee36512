// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp-filter (xdp-tools) beside xdpfw in bench-datapath: its program and
 * maps found where xdp-filter loaded them, filled with the closest
 * equivalent of a rules file (every entry its address).
 */
#include "bench-xf.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchlib.h"
#include "rules.h"

/* xdp-filter's map layout (xdp-tools, xdp-filter/common_kern_user.h). */
#define XF_MAP_FLAG_SRC 1

static int xf_find_prog(struct xfinst *x)
{
	char dir[700], path[1200];
	struct dirent *de;
	DIR *d;
	int fd = -1;

	snprintf(dir, sizeof(dir), "%s/xdp-filter/programs", x->root);
	d = opendir(dir);
	if (!d)
		xb_die("xdp-filter@%s: %s: %s (is xdp-filter loaded with that "
		    "bpffs at /sys/fs/bpf?)", x->label, dir, strerror(errno));
	while ((de = readdir(d)) && fd < 0) {
		DIR *d2;
		struct dirent *de2;
		char sub[1000];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(sub))
			continue;
		d2 = opendir(sub);
		if (!d2)
			continue;
		while ((de2 = readdir(d2))) {
			if (strncmp(de2->d_name, "xdpfilt_", 8))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", sub,
				     de2->d_name) >= (int)sizeof(path))
				continue;
			fd = bpf_obj_get(path);
			if (fd >= 0) {
				x->deny = strstr(de2->d_name, "_dny_") != NULL;
				xb_info("xdp-filter@%s: program %s\n", x->label, path);
			}
			break;
		}
		closedir(d2);
	}
	closedir(d);
	if (fd < 0)
		xb_die("xdp-filter@%s: no pinned program under %s", x->label, dir);
	return fd;
}

static int xf_map(struct xfinst *x, const char *name)
{
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/xdp-filter/%s", x->root, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		xb_die("xdp-filter@%s: %s: %s", x->label, path, strerror(errno));
	return fd;
}

static void xf_clear(int fd, size_t ks)
{
	uint8_t key[16], next[16];

	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, ks);
		if (bpf_map_delete_elem(fd, key))
			xb_die("xdp-filter: cannot delete: %s", strerror(errno));
	}
}

/* What `xdp-filter ip ADDR --mode src` writes: MAP_FLAG_SRC on every CPU. */
static int xf_add(struct xfinst *x, int family, const uint8_t *addr)
{
	static uint64_t *val;
	static int ncpus;
	int fd = family == 6 ? x->v6_fd : x->v4_fd;

	if (!val) {
		ncpus = libbpf_num_possible_cpus();
		val = calloc((size_t)ncpus, sizeof(*val));
		for (int i = 0; i < ncpus; i++)
			val[i] = XF_MAP_FLAG_SRC;
	}
	if ((family == 6 ? x->n_v6 : x->n_v4) >= 10000)
		return -ENOSPC; /* xdp-filter's maps hold 10000 per family */
	if (bpf_map_update_elem(fd, addr, val, BPF_NOEXIST)) {
		if (errno == EEXIST)
			return 0;
		return -errno;
	}
	if (family == 6)
		x->n_v6++;
	else
		x->n_v4++;
	return 0;
}

static void xf_add_text(struct xfinst *x, const char *text)
{
	uint8_t a[16];
	int fam = strchr(text, ':') ? 6 : 4;

	if (inet_pton(fam == 6 ? AF_INET6 : AF_INET, text, a) != 1)
		xb_die("bad address %s", text);
	if (xf_add(x, fam, a))
		xb_die("xdp-filter@%s: cannot add %s", x->label, text);
}

void xf_set_single(struct xfinst *x, const char *text)
{
	xf_clear(x->v4_fd, 4);
	xf_clear(x->v6_fd, 16);
	x->n_v4 = x->n_v6 = 0;
	xf_add_text(x, text);
}

void xf_load(struct xfinst *x, const char *const *hits, size_t n_hits)
{
	x->prog_fd = xf_find_prog(x);
	x->v4_fd = xf_map(x, "filter_ipv4");
	x->v6_fd = xf_map(x, "filter_ipv6");
	xf_clear(x->v4_fd, 4);
	xf_clear(x->v6_fd, 16);
	x->n_v4 = x->n_v6 = 0;
	if (x->file) {
		struct ruleset rs;
		size_t skipped = 0;
		int err;

		/* The hit addresses of the cases first, so they always fit. */
		for (size_t c = 0; c < n_hits; c++)
			xf_add_text(x, hits[c]);
		ruleset_init(&rs);
		err = rules_parse_file(&rs, x->file, NULL);
		if (err || rs.n_errors)
			xb_die("%s: cannot parse", x->file);
		/* Closest equivalent: every entry becomes its address (an
		 * ip:port its host, a prefix its first address). */
		for (size_t i = 0; i < rs.n; i++)
			if (xf_add(x, rs.rules[i].family, rs.rules[i].addr))
				skipped++;
		xb_info("xdp-filter@%s: %zu IPv4 + %zu IPv6 addresses from %s "
		     "(%zu entries did not fit its 10000-per-family maps)\n",
		     x->label, x->n_v4, x->n_v6, x->file, skipped);
		ruleset_free(&rs);
	}
}
