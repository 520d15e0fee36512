// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linked only into xdpfw-variant, the agent the upgrade tests run with a
 * different program (ebpf/meson.build, -DXDPFW_TEST_VARIANT): everything
 * else is the same objects as xdpfw's, and this swaps in the variant's ELF
 * bytes before main runs.
 */
#include "xdpfw_variant.skel.h"

/* Both skeletons are generated with the name xdpfw_bpf and so share an
 * include guard: skel.h's own xdpfw.skel.h is skipped here, and
 * xdpfw_bpf__elf_bytes below is the variant's. */
#include "skel.h"

__attribute__((constructor)) static void use_variant_object(void)
{
	skel_use_object(xdpfw_bpf__elf_bytes);
}
