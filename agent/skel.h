/* SPDX-License-Identifier: GPL-2.0-only */
/* The generated skeleton: xdpfw.skel.h, or the test variant's when the
 * build says so (ebpf/meson.build, agent/meson.build). */
#ifndef XDPFW_SKEL_WRAPPER_H
#define XDPFW_SKEL_WRAPPER_H
#ifdef XDPFW_VARIANT_SKEL
#include "xdpfw_variant.skel.h"
#else
#include "xdpfw.skel.h"
#endif
#endif
