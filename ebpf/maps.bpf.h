/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Map definitions the XDP program and the kernel writer (kwrite.bpf.c)
 * both declare: the writer's are the program's maps, their descriptors
 * reused when it loads.
 */
#ifndef XDPFW_MAPS_BPF_H
#define XDPFW_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Sizes are placeholders: the loader sets them from max_rules. */
#define XDPFW_BPF_DEFAULT_ENTRIES 1024

/* An mmapable array of n entries of value_t, one per u32 index. */
#define XDPFW_MMAP_ARRAY_N(name, value_t, n)             \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_ARRAY);        \
		__uint(map_flags, BPF_F_MMAPABLE);       \
		__uint(max_entries, n);                  \
		__type(key, __u32);                      \
		__type(value, value_t);                  \
	} name SEC(".maps")

/* One sized by the loader: the open addressing tables, the slot table,
 * the counters. */
#define XDPFW_MMAP_ARRAY(name, value_t) \
	XDPFW_MMAP_ARRAY_N(name, value_t, XDPFW_BPF_DEFAULT_ENTRIES)

/* The open addressing tables for exact keys (xdpfw_shared.h), in the
 * order of enum oa (agent/kmaps.h); the loader sizes each to a power of
 * two. */
#define XDPFW_OA_TABLES()                                         \
	XDPFW_MMAP_ARRAY(XDPFW_MAP_V4_OA, struct xdpfw_oa_ent);   \
	XDPFW_MMAP_ARRAY(XDPFW_MAP_V4P_OA, struct xdpfw_oa_ent);  \
	XDPFW_MMAP_ARRAY(XDPFW_MAP_V6_OA, struct xdpfw_oa6_ent);  \
	XDPFW_MMAP_ARRAY(XDPFW_MAP_V6P_OA, struct xdpfw_oa6_ent); \
	XDPFW_MMAP_ARRAY(XDPFW_MAP_V6C_OA, struct xdpfw_oa6_ent)

/* The /24 table (xdpfw_shared.h, "xdpfw_v4_tbl"): a fixed size. */
#define XDPFW_V4_TBL_MAP(name) \
	XDPFW_MMAP_ARRAY_N(name, struct xdpfw_v4t_pair, XDPFW_V4_TBL_PAIRS)

#endif
