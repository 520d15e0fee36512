// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hashes of shared/xdpfw_shared.h against the key sets that break weak
 * ones: linear probing (XDPFW_OA_PROBES) of half a table's worth of keys
 * that are random, sequential, /64-, /48- or /32-strided (IPv6), or
 * sequential addresses and ports (IPv4), must leave under 1 % of the keys
 * without a free entry (they would go to the overflow hash: slower, never
 * wrong).  A hash without a final mix (products XOR-ed, no xorshift) puts
 * 3 % of /64-strided keys out; the former chain of 32-bit steps, 0.4 %.
 * And the filter hashes spread those sets over a bitmap: no more than 1.5
 * times the random collisions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>

#include "testlib.h"
#include "xdpfw_shared.h"

#define LOG 20
#define N_KEYS (1u << (LOG - 1))

enum pattern { P_RANDOM, P_SEQ, P_STRIDE64, P_STRIDE48, P_STRIDE32, P_N };
static const char *const pattern_name[P_N] = { "random", "sequential",
					       "/64 stride", "/48 stride",
					       "/32 stride" };

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rand32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Key i of pattern p: an IPv6 address as 4 words loaded from its bytes,
 * i big-endian in the 4 bytes that end at bit 128 (sequential), 64, 48
 * or 32 (the strides) of 2001:db8::. */
static void key6(enum pattern p, uint32_t i, uint32_t a[4])
{
	static const int at[P_N] = { [P_SEQ] = 12, [P_STRIDE64] = 4,
				     [P_STRIDE48] = 2, [P_STRIDE32] = 0 };
	uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	if (p == P_RANDOM) {
		for (int w = 0; w < 4; w++)
			a[w] = rand32();
		return;
	}
	b[at[p]] = (uint8_t)(i >> 24);
	b[at[p] + 1] = (uint8_t)(i >> 16);
	b[at[p] + 2] = (uint8_t)(i >> 8);
	b[at[p] + 3] = (uint8_t)i;
	memcpy(a, b, 16);
}

/* Keys that found no free entry in their probe window. */
static uint32_t probe_out(uint32_t (*home)(enum pattern, uint32_t),
			  enum pattern p, uint8_t *used)
{
	uint32_t mask = (1u << LOG) - 1, out = 0;

	memset(used, 0, 1u << LOG);
	for (uint32_t i = 0; i < N_KEYS; i++) {
		uint32_t h = home(p, i), k;

		for (k = 0; k < XDPFW_OA_PROBES; k++)
			if (!used[(h + k) & mask]) {
				used[(h + k) & mask] = 1;
				break;
			}
		out += k == XDPFW_OA_PROBES;
	}
	return out;
}

static uint32_t home6(enum pattern p, uint32_t i)
{
	uint32_t a[4];

	key6(p, i, a);
	return xdpfw_oa6_hash(a, xdpfw_oa6_tail(0, 0));
}

static uint32_t home4(enum pattern p, uint32_t i)
{
	uint32_t addr = p == P_RANDOM ? rand32() : htobe32(0x0a000000u + i);

	if (p == P_STRIDE64) /* endpoints: ports 1000.. of few addresses */
		return xdpfw_oa_hash(xdpfw_oa_key4p(
			htobe16((uint16_t)(1000 + i % 60000)), 6,
			htobe32(0x0a000000u + i / 60000)));
	return xdpfw_oa_hash(xdpfw_oa_key4(addr));
}

/* Set bits when the key set is hashed into a bitmap of 2^LOG bits. */
static uint32_t bits_set(uint32_t (*bit)(enum pattern, uint32_t),
			 enum pattern p, uint8_t *used)
{
	uint32_t n = 0;

	memset(used, 0, 1u << LOG);
	for (uint32_t i = 0; i < N_KEYS / 4; i++) {
		uint32_t idx = bit(p, i) >> (32 - LOG);

		n += !used[idx];
		used[idx] = 1;
	}
	return n;
}

/* xdpfw_x_bmap's hash of an IPv6 exception at /64: keys of one /64 share
 * it by design, so the sequential pattern (one /64) does not count. */
static uint32_t bit_x6(enum pattern p, uint32_t i)
{
	uint32_t a[4];

	key6(p, i, a);
	return xdpfw_v6_hash(a, 64);
}

/* xdpfw_v6_flags' hash at /48: keys of one /48 share it by design, so
 * only the patterns whose keys are distinct /48s count. */
static uint32_t bit_v6f(enum pattern p, uint32_t i)
{
	uint32_t a[4];

	key6(p, i, a);
	return xdpfw_v6s_hash(a, 48);
}

int main(void)
{
	uint8_t *used = malloc(1u << LOG);

	if (!used)
		return 1;
	for (int p = 0; p < P_N; p++) {
		uint32_t out6 = probe_out(home6, (enum pattern)p, used);
		uint32_t out4 = p <= P_STRIDE64 ?
					probe_out(home4, (enum pattern)p, used) : 0;
		/* random: 1 - e^-(n/m) of n = m/8 keys, ~11.75 % of m */
		uint32_t set_v6 = p != P_SEQ ?
					  bits_set(bit_x6, (enum pattern)p, used) :
					  N_KEYS / 4;
		int distinct48 = p == P_RANDOM || p == P_STRIDE48 ||
				 p == P_STRIDE32;
		uint32_t set_f = distinct48 ?
					 bits_set(bit_v6f, (enum pattern)p, used) :
					 N_KEYS / 4;
		uint32_t lost_floor = N_KEYS / 4 - 123500;

		printf("%-11s IPv6 table: %u of %u keys out; IPv4: %u; "
		       "bitmap collisions v6 /64 %u v6 flags /48 %u\n",
		       pattern_name[p], out6, N_KEYS, out4,
		       N_KEYS / 4 - set_v6, N_KEYS / 4 - set_f);
		CHECK_MSG(out6 < N_KEYS / 100, "%s: %u IPv6 keys out",
			  pattern_name[p], out6);
		CHECK_MSG(out4 < N_KEYS / 100, "%s: %u IPv4 keys out",
			  pattern_name[p], out4);
		CHECK_MSG(N_KEYS / 4 - set_v6 < lost_floor * 3 / 2,
			  "%s: %u collisions in the /64 exception hash", pattern_name[p],
			  N_KEYS / 4 - set_v6);
		CHECK_MSG(N_KEYS / 4 - set_f < lost_floor * 3 / 2,
			  "%s: %u collisions in the v6 flags hash",
			  pattern_name[p], N_KEYS / 4 - set_f);
	}
	free(used);
	return tl_finish("test-hash");
}
