/* SPDX-License-Identifier: GPL-2.0-only */
/* A set of xdpfw's in bench-datapath, and the variants run over its maps
 * (bench-variant.c). */
#ifndef XB_BENCH_VARIANT_H
#define XB_BENCH_VARIANT_H

#include <stddef.h>

#include "kmaps.h"

#define MAX_VARIANTS 4

struct bpf_object;
struct xdpfw_bpf;

struct xset {
	char label[32];
	const char *file; /* NULL: the per-case single entry */
	struct xdpfw_bpf *skel;
	struct kmaps km;
	struct bpf_object *var_obj[MAX_VARIANTS];
	int var_fd[MAX_VARIANTS];
	int var_cfg_fd[MAX_VARIANTS]; /* its .data.cfg global, or -1 */
	size_t n_rules;
	double parse_ms, apply_ms;
	size_t key_writes;
};

/* Variant v (the object at path) loaded over s's maps: every map of the
 * same name shared, the others created empty.  Dies on error. */
void variant_load(struct xset *s, int v, const char *path);

/* s's xdpfw_cfg copied into each variant's cfg global (after a change of
 * the set). */
void var_cfg_sync(struct xset *s);

#endif
