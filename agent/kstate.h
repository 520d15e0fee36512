/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding xdpfw's kernel state for the commands that read it (list, stats,
 * verify): the pinned maps, or, when their pins are gone, the maps of the
 * program itself, found by id through its pin or through the program
 * attached on a configured interface (bpf_prog_get_info_by_fd map_ids).
 */
#ifndef XDPFW_KSTATE_H
#define XDPFW_KSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kmaps.h"

/* how receives where the maps came from ("pins", "program pin",
 * "program attached on eth0").  -ENOENT when nothing was found. */
int kstate_open(struct kmaps *km, const struct xdpfw_config *cfg,
		char *how, size_t len);

/* The id of xdpfw's program: from its pin, else from a link pin.  0 when
 * neither is there. */
uint32_t kstate_prog_id(const struct xdpfw_config *cfg);

#endif
