/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The attachment watch: the daemon holds an fd on the XDP link of every
 * interface (so removing its pin detaches nothing), and checks that each
 * configured interface runs xdpfw's program through that link and that
 * every pin is in place, restoring what it finds wrong.
 */
#ifndef XDPFW_ATTACHWATCH_H
#define XDPFW_ATTACHWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kmaps.h"

struct xdpfw_bpf;

struct attachwatch {
	int link_fd[CONFIG_MAX_INTERFACES];  /* -1: none held */
	uint32_t link_id[CONFIG_MAX_INTERFACES];
	uint32_t prog_id;                    /* of xdpfw's program */
};

/* What a check found and did on one interface. */
enum aw_event {
	AW_OK,
	AW_DETACHED,  /* no program: the link was detached; attached again */
	AW_FOREIGN,   /* another program (foreign id) replaced ours; taken back */
	AW_UPDATED,   /* our link ran another program; switched back */
};

void attachwatch_init(struct attachwatch *aw);
void attachwatch_close(struct attachwatch *aw);

/* Forget interface i (it went away). */
void attachwatch_drop(struct attachwatch *aw, size_t i);

/* Check interface i (configured as cfg->interfaces[i] and attached by the
 * daemon) and restore it.  *foreign: the foreign program id (AW_FOREIGN,
 * AW_UPDATED).  Returns the event (>= 0) or -errno when restoring failed. */
int attachwatch_check(struct attachwatch *aw, const struct xdpfw_config *cfg,
		      struct xdpfw_bpf *skel, size_t i, uint32_t *foreign);

/* Check that every pin exists (maps, program, links held); pin again the
 * missing ones.  Names of what was restored go to what (comma separated).
 * Returns how many were restored, or -errno. */
int attachwatch_pins(struct attachwatch *aw, const struct xdpfw_config *cfg,
		     struct xdpfw_bpf *skel, const struct kmaps *km, char *what,
		     size_t len);

#endif
