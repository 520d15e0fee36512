/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the open addressing tables' code: kmaps_oa.c (the tables, their
 * windows, one key's upsert or delete) for kmaps_oa_pass.c (a write's
 * pass).
 */
#ifndef XDPFW_KMAPS_OA_INT_H
#define XDPFW_KMAPS_OA_INT_H

#include "kmaps.h"

#define OA_KEY_MAX 20

/* A key as table t holds it (kmaps_oa_klen bytes); its home's hash. */
struct oa_packed {
	uint8_t b[OA_KEY_MAX];
	uint32_t hash;
};

/* Does table t take key k at all? */
int kmaps_oa_takes(int t, const struct kkey *k);
void kmaps_oa_pack(int t, const struct kkey *k, struct oa_packed *p);
size_t kmaps_oa_klen(int t);
/* Table t's bytes, whole pages. */
size_t kmaps_oa_table_len(const struct kmaps *km, int t);
/* Keys of a write past which it maps bulk windows. */
size_t kmaps_oa_bulk_min(const struct kmaps *km, int t);
void kmaps_oa_unmap_window(struct kmaps *km, int t);
/* One key made through the windows: 1 done in the table, 0 the overflow
 * trie must take it; a window that cannot be mapped sets km->oa_err. */
int kmaps_oa_upsert(struct kmaps *km, int t, const struct kop *op);
int kmaps_oa_delete(struct kmaps *km, int t, const struct kop *op);

#endif
