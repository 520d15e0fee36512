/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How far the lookup maps are from the slot table, key by key (for
 * `xdpfw verify` and `xdpfw list`): the same comparison a full sync makes
 * (plan_full_keys), without writing anything.
 */
#ifndef XDPFW_DRIFT_H
#define XDPFW_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "kmaps.h"
#include "kchange.h"

struct drift {
	struct xdpfw_rule *rules; /* the slot table's rules, in slot order */
	uint32_t *slots;          /* the slot of each */
	size_t n;
	/* Keys of rules missing from their map or leading elsewhere (with
	 * the slot they should lead to), and keys no rule produces. */
	struct kop_list missing, foreign;
	struct kop *actual;       /* what the maps hold */
	size_t n_actual;
	uint8_t *broken;          /* per slot of the table: some key is wrong */
};

int drift_compute(struct drift *dr, struct kmaps *km);
void drift_free(struct drift *dr); /* NULL-safe */

/* The slot a key of a lookup map leads to now, or UINT32_MAX. */
uint32_t drift_actual_slot(const struct drift *dr, const struct kkey *k);

/* A key as an entry of the rules-file syntax ("203.0.113.7",
 * "198.51.100.0/24:443/tcp"). */
int kkey_format(const struct kkey *k, char *buf, size_t len);

#endif
