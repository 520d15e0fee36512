// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Receivers of the drop-rate benchmark (bench-flood):
 *   xb_drop        drop every frame, counting it (packets and bytes, per
 *                  CPU) the way xdpfw counts its drops: the reference;
 *   xb_count_pass  count every frame and pass it to the stack: in front of
 *                  nftables, and the floor of the non-matching flood.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct xb_counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xb_counter);
} xb_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xb_counter);
} xb_passes SEC(".maps");

static __always_inline void count(void *map, struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct xb_counter *c = bpf_map_lookup_elem(map, &zero);

	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
}

SEC("xdp")
int xb_drop(struct xdp_md *ctx)
{
	count(&xb_drops, ctx);
	return XDP_DROP;
}

SEC("xdp")
int xb_count_pass(struct xdp_md *ctx)
{
	count(&xb_passes, ctx);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
