// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The floor of the datapath benchmark: an XDP program that does nothing. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xb_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
