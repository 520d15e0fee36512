// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A foreign XDP program for tamper.sh: `ip link set dev X xdp obj` puts it
 * where xdpfw's was, and the daemon must take the interface back. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int foreign_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
