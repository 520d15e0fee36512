/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generated skeleton of the XDP program (ebpf/meson.build), and the one
 * place that opens it: with the built-in ELF object, or with the upgrade
 * tests' variant of the program, swapped in by variant_object.c.
 */
#ifndef XDPFW_SKEL_WRAPPER_H
#define XDPFW_SKEL_WRAPPER_H

#include <stddef.h>

#include "xdpfw.skel.h"

/* Open (not load) the program's skeleton.  NULL with errno set. */
struct xdpfw_bpf *skel_open(void);

/* Open another ELF object under the same skeleton (same maps and
 * programs) from now on. */
void skel_use_object(const void *(*elf_bytes)(size_t *sz));

#endif
