// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench-counters: the per-rule counter layouts of TABLES.md ("Kernel
 * memory"), each counting one drop the way xdpfw's count_rule() does:
 *   xc_none     no counter: the floor of the others;
 *   xc_percpu   today's: one counter per (CPU, slot), index cpu *
 *               xc_slots + slot (16 B x slots x CPUs);
 *   xc_shared   one counter per slot for all CPUs, atomic adds (16 B x
 *               slots);
 *   xc_hot      the proposal: a slot's entry in a 4 B index says which of
 *               xc_hot_n per-CPU counters it has; 0 (never hit, or not
 *               yet moved) falls back to the shared counter.
 * The slot counted is xc_slot, or with xc_spread a different one each
 * run (a per-CPU sequence times a large odd number: rules all over the
 * tables, as a flood from many sources hits them).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct xc_counter {
	__u64 packets;
	__u64 bytes;
};

const volatile __u32 xc_slots = 1;      /* power of two */
const volatile __u32 xc_hot_n = 1;      /* per-CPU hot counters */
const volatile __u32 xc_ncpus = 1;
const volatile __u32 xc_spread = 0;
__u32 xc_slot = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* sized by bench-counters */
	__type(key, __u32);
	__type(value, struct xc_counter);
} xc_pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xc_counter);
} xc_shared_c SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xc_hot_idx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xc_counter);
} xc_hot_c SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xc_seq SEC(".maps");

static __always_inline __u32 slot_of(void)
{
	__u32 zero = 0, *seq;

	if (!xc_spread)
		return xc_slot;
	seq = bpf_map_lookup_elem(&xc_seq, &zero);
	if (!seq)
		return 0;
	*seq += 1;
	return (*seq * 2654435761u) & (xc_slots - 1);
}

static __always_inline void add(struct xc_counter *c, __u64 bytes)
{
	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void add_shared(__u32 slot, __u64 bytes)
{
	struct xc_counter *c = bpf_map_lookup_elem(&xc_shared_c, &slot);

	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, bytes);
	}
}

SEC("xdp")
int xc_none(struct xdp_md *ctx)
{
	return slot_of() == 0xffffffff ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xc_percpu(struct xdp_md *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id(), slot = slot_of(), i;

	if (cpu < xc_ncpus && slot < xc_slots) {
		i = cpu * xc_slots + slot;
		add(bpf_map_lookup_elem(&xc_pcpu, &i),
		    ctx->data_end - ctx->data);
	}
	return XDP_DROP;
}

SEC("xdp")
int xc_shared(struct xdp_md *ctx)
{
	add_shared(slot_of(), ctx->data_end - ctx->data);
	return XDP_DROP;
}

SEC("xdp")
int xc_hot(struct xdp_md *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id(), slot = slot_of(), i;
	__u64 bytes = ctx->data_end - ctx->data;
	__u32 *h = bpf_map_lookup_elem(&xc_hot_idx, &slot);

	if (h && *h && *h < xc_hot_n && cpu < xc_ncpus) {
		i = cpu * xc_hot_n + *h;
		add(bpf_map_lookup_elem(&xc_hot_c, &i), bytes);
	} else {
		add_shared(slot, bytes);
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
