// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-datapath's variants: prototype BPF objects run over the maps of a
 * set of xdpfw's (the same names shared, xdpfw's filters in global data
 * included), with xdpfw's constants and, for a prototype that reads the
 * flags from a global, its copy of xdpfw_cfg.
 */
#include "bench-variant.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "benchlib.h"
#include "xdpfw.skel.h"
#include "xdpfw_shared.h"

/* The reference object's .rodata (the loader's sizes and masks: max_rules,
 * ncpus, the open addressing masks) into a variant's, when they have the
 * same layout: else the variant would probe its tables with the compiled-in
 * placeholders and miss every exact key. */
static void variant_rodata(struct xset *s, struct bpf_map *m, const char *path)
{
	struct bpf_map *ref;
	const char *dot = strrchr(bpf_map__name(m), '.');
	size_t vsz, rsz;

	if (!dot || strcmp(dot, ".rodata") || !bpf_map__initial_value(m, &vsz))
		return;
	bpf_object__for_each_map(ref, s->skel->obj) {
		const char *rdot = strrchr(bpf_map__name(ref), '.');
		const void *data;

		if (!rdot || strcmp(rdot, ".rodata"))
			continue;
		data = bpf_map__initial_value(ref, &rsz);
		if (data && rsz == vsz && !bpf_map__set_initial_value(m, data, rsz))
			return;
	}
	fprintf(stderr, "bench-datapath: %s: .rodata differs from xdpfw's, "
		"its constants stay compiled-in\n", path);
}

/* The name to find m by in xdpfw's object: an internal map's section (its
 * name past the object's prefix: "x.bss" -> ".bss"), else its own. */
static const char *variant_section(const struct bpf_map *m)
{
	const char *name = bpf_map__name(m), *dot = strchr(name, '.');

	return bpf_map__is_internal(m) && dot ? dot : name;
}

/* Is m one of xdpfw's filters in global data (shared like the maps)? */
static int variant_global(const struct bpf_map *m)
{
	const char *sec = variant_section(m);

	return !strcmp(sec, XDPFW_SEC_V6F) || !strcmp(sec, XDPFW_SEC_PORTS);
}

/* A prototype that reads the flags from a global (SEC(".data.cfg"), a
 * struct xdpfw_cfg) instead of the xdpfw_cfg map: its copy of the set's
 * xdpfw_cfg, at load and after each change of the set (var_cfg_sync). */
static int is_cfg_global(const struct bpf_map *m)
{
	const char *dot = strrchr(bpf_map__name(m), '.');

	return bpf_map__is_internal(m) && dot && !strcmp(dot, ".cfg") &&
	       bpf_map__value_size(m) == sizeof(struct xdpfw_cfg);
}

void var_cfg_sync(struct xset *s)
{
	struct xdpfw_cfg cfg;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(s->km.fd[XMAP_CFG], &zero, &cfg))
		xb_die("reading xdpfw_cfg: %s", strerror(errno));
	for (int v = 0; v < MAX_VARIANTS; v++)
		if (s->var_obj[v] && s->var_cfg_fd[v] >= 0 &&
		    bpf_map_update_elem(s->var_cfg_fd[v], &zero, &cfg, BPF_ANY))
			xb_die("writing a variant's cfg global: %s",
			    strerror(errno));
}

/* A prototype object run over the maps of set s: every map with the same
 * name is shared; the others are created empty. */
void variant_load(struct xset *s, int v, const char *path)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *m;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		xb_die("opening %s: %s", path, strerror(errno));
	bpf_object__for_each_map(m, obj) {
		struct bpf_map *ref;

		if (bpf_map__is_internal(m) && !variant_global(m)) {
			variant_rodata(s, m, path);
			continue;
		}
		ref = bpf_object__find_map_by_name(s->skel->obj,
						   variant_section(m));
		if (!ref)
			continue;
		err = bpf_map__reuse_fd(m, bpf_map__fd(ref));
		if (err)
			xb_die("%s: reusing map %s: %s", path,
			    bpf_map__name(m), strerror(-err));
	}
	err = bpf_object__load(obj);
	if (err)
		xb_die("loading %s: %s", path, strerror(-err));
	prog = bpf_object__next_program(obj, NULL);
	if (!prog)
		xb_die("%s has no program", path);
	s->var_obj[v] = obj;
	s->var_fd[v] = bpf_program__fd(prog);
	s->var_cfg_fd[v] = -1;
	bpf_object__for_each_map(m, obj)
		if (is_cfg_global(m))
			s->var_cfg_fd[v] = bpf_map__fd(m);
	var_cfg_sync(s);
}
