// SPDX-License-Identifier: GPL-2.0-only
/*
 * The open addressing tables of the exact IPv4 keys (xdpfw_v4_oa,
 * xdpfw_v4p_oa) under BPF_PROG_TEST_RUN, through the daemon's pipeline:
 * keys chosen to share one home entry fill its probe window and overflow
 * into the hash; a key deleted in the middle of the chain leaves a
 * tombstone that the keys after it probe past; the overflow mark goes once
 * the hash is empty; a new key reuses the tombstone; deleting the end of a
 * chain gives its entries back as empty; a key lost behind the daemon's
 * back is found and put back by a full re-sync.  Every frame is checked
 * against the oracle (verdict and the one counter that moved).
 *
 * The harness loads the program with MAX_RULES (64) slots: 128 entries per
 * table, so colliding keys are found in a few thousand tries.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmaps.h"
#include "xdprun.h"

#define CHAIN (XDPFW_OA_PROBES + 2)

static char addr[CHAIN][INET_ADDRSTRLEN];
static char rule[CHAIN][64];
static uint32_t home;

static uint32_t home_of(uint64_t key)
{
	return xdpfw_oa_hash(key) & km.oa_mask;
}

/* CHAIN addresses of 10.77.0.0/16 (with port :port/udp when port) whose
 * keys share one home entry. */
static void find_chain(uint16_t port)
{
	int n = 0;

	for (uint32_t i = 1; i < 65536 && n < CHAIN; i++) {
		uint32_t a = htonl(0x0a4d0000u | i);
		uint64_t key = port ? xdpfw_oa_key4p(htons(port), IPPROTO_UDP, a) :
				      xdpfw_oa_key4(a);

		if (n == 0)
			home = home_of(key);
		else if (home_of(key) != home)
			continue;
		inet_ntop(AF_INET, &a, addr[n], sizeof(addr[n]));
		if (port)
			snprintf(rule[n], sizeof(rule[n]), "%s:%u/udp", addr[n],
				 port);
		else
			snprintf(rule[n], sizeof(rule[n]), "%s", addr[n]);
		n++;
	}
	if (n < CHAIN) {
		fail("no %d keys with one home entry", CHAIN);
		exit(xr_finish());
	}
}

static struct kkey key_of(int i, uint16_t port)
{
	struct xdpfw_rule r;
	struct kkey k[2];

	if (parse_rule(rule[i], &r) || rule_kkeys(&r, k) < 1) {
		fail("cannot compile %s", rule[i]);
		exit(xr_finish());
	}
	(void)port;
	return k[0];
}

/* The rules text of chain members with bit i set in mask. */
static const char *rules_of(unsigned mask)
{
	static char text[CHAIN * 64];
	size_t off = 0;

	text[0] = 0;
	for (int i = 0; i < CHAIN; i++)
		if (mask & (1u << i))
			off += (size_t)snprintf(text + off, sizeof(text) - off,
						"%s\n", rule[i]);
	return text;
}

static enum oa table_of(uint16_t port)
{
	return port ? OA_V4P : OA_V4;
}

static uint32_t state_at(uint16_t port, uint32_t i)
{
	return km.oa[table_of(port)][(home + i) & km.oa_mask].state;
}

/* Every member of the chain: in mask, dropped and counted under its own
 * rule; not, passed. */
static void run_chain(const char *what, unsigned mask, uint16_t port)
{
	char desc[DESC_MAX];

	for (int i = 0; i < CHAIN; i++) {
		struct pkt_spec s = spec(4, addr[i], IPPROTO_UDP, port ? port : 999);

		describe(desc, sizeof(desc), &s, what);
		run_spec(desc, &s, (mask & (1u << i)) ? rule[i] : NULL, 0);
		if (!port)
			continue;
		/* the same endpoint over TCP: no rule */
		s = spec(4, addr[i], IPPROTO_TCP, port);
		describe(desc, sizeof(desc), &s, what);
		run_spec(desc, &s, NULL, 0);
	}
}

/* Where each member sits: index in the window (0..7), -1 not in the
 * table; *in_hash: the members in the overflow hash. */
static void locate(uint16_t port, int where[CHAIN], unsigned *in_hash)
{
	*in_hash = 0;
	for (int i = 0; i < CHAIN; i++) {
		struct kkey k = key_of(i, port);
		long at = xr_oa_index(&k);
		uint32_t slot;

		where[i] = at < 0 ? -1 : (int)((at - home) & km.oa_mask);
		if (!bpf_map_lookup_elem(km.fd[k.map], k.b, &slot))
			*in_hash |= 1u << i;
	}
}

static void check(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *what, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	xr_checks++;
	if (ok)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail("%s: %s", what, msg);
}

/* The keys a full dump returns for the chain's map, against mask. */
static void check_dump(const char *what, unsigned mask, uint16_t port)
{
	struct kop *ops;
	size_t n;
	unsigned seen = 0;

	if (kmaps_dump_keys(&km, &ops, &n)) {
		check(0, what, "kmaps_dump_keys failed");
		return;
	}
	for (int i = 0; i < CHAIN; i++) {
		struct kkey k = key_of(i, port);

		for (size_t j = 0; j < n; j++)
			if (ops[j].key.map == k.map &&
			    !memcmp(ops[j].key.b, k.b, sizeof(k.b)) &&
			    (int)ops[j].slot == slot_of_text(rule[i]))
				seen |= 1u << i;
	}
	free(ops);
	check(seen == mask, what, "the dump holds members 0x%x, expected 0x%x",
	      seen, mask);
}

static void test_chain(uint16_t port)
{
	const char *kind = port ? "endpoints" : "hosts";
	unsigned full = (1u << (CHAIN - 1)) - 1; /* 9 members, the 10th not */
	unsigned in_hash, mask;
	int where[CHAIN], mid = -1, ovf = -1, last = -1, prev = -1;
	char what[128];

	find_chain(port);
	apply_or_die("empty", "", 0, NULL);

	/* 1. Nine keys of one home: eight fill the window, one overflows. */
	snprintf(what, sizeof(what), "%s: 9 keys of one home", kind);
	apply_or_die(what, rules_of(full), 0, NULL);
	locate(port, where, &in_hash);
	for (int i = 0; i < CHAIN - 1; i++) {
		if (where[i] == 3)
			mid = i;
		if (where[i] == 7)
			last = i;
		if (where[i] == 6)
			prev = i;
		if (where[i] < 0)
			ovf = i;
	}
	check(ovf >= 0 && in_hash == (1u << ovf) && mid >= 0 && last >= 0 &&
		      prev >= 0,
	      what, "window %d %d %d %d %d %d %d %d %d, hash 0x%x", where[0],
	      where[1], where[2], where[3], where[4], where[5], where[6],
	      where[7], where[8], in_hash);
	if (ovf < 0 || mid < 0 || last < 0 || prev < 0)
		return;
	check(state_at(port, 0) & XDPFW_OA_OVF, what,
	      "the home entry has no overflow mark");
	run_chain(what, full, port);
	check_dump(what, full, port);

	/* 2. The middle of the chain and the overflowed key go: a tombstone
	 * the later keys probe past, and no overflow mark once the hash is
	 * empty. */
	snprintf(what, sizeof(what), "%s: middle and overflow deleted", kind);
	mask = full & ~(1u << mid) & ~(1u << ovf);
	apply_or_die(what, rules_of(mask), 0, NULL);
	check(XDPFW_OA_STATE(state_at(port, 3)) == XDPFW_OA_TOMB, what,
	      "entry 3 is 0x%x, not a tombstone", state_at(port, 3));
	check(!(state_at(port, 0) & XDPFW_OA_OVF), what,
	      "the overflow mark stayed with an empty hash");
	run_chain(what, mask, port);
	check_dump(what, mask, port);

	/* 3. A new key of the same home takes the tombstone. */
	snprintf(what, sizeof(what), "%s: tombstone reused", kind);
	mask |= 1u << (CHAIN - 1);
	apply_or_die(what, rules_of(mask), 0, NULL);
	locate(port, where, &in_hash);
	check(where[CHAIN - 1] == 3 && !in_hash, what,
	      "the new key sits at %d (hash 0x%x), expected 3", where[CHAIN - 1],
	      in_hash);
	run_chain(what, mask, port);

	/* 4. A key lost behind the daemon's back (the entry made a
	 * tombstone): a full re-sync puts it back. */
	snprintf(what, sizeof(what), "%s: key lost, full re-sync", kind);
	{
		struct kkey k = key_of(CHAIN - 1, port);

		check(!xr_drop_key(&k), what, "cannot drop the key");
		off_model = 1;
		run_chain(what, mask & ~(1u << (CHAIN - 1)), port);
		off_model = 0;
		apply_or_die(what, rules_of(mask), 1, NULL);
		run_chain(what, mask, port);
	}

	/* 5. The end of the chain goes: its entries are empty again, and a
	 * miss stops there. */
	snprintf(what, sizeof(what), "%s: end of the chain deleted", kind);
	mask &= ~(1u << last) & ~(1u << prev);
	apply_or_die(what, rules_of(mask), 0, NULL);
	check(!XDPFW_OA_STATE(state_at(port, 6)) &&
		      !XDPFW_OA_STATE(state_at(port, 7)),
	      what, "entries 6 and 7 are 0x%x 0x%x, not empty",
	      state_at(port, 6), state_at(port, 7));
	run_chain(what, mask, port);
	check_dump(what, mask, port);
	apply_or_die("empty", "", 0, NULL);
}

int main(int argc, char **argv)
{
	int rc = xr_setup("test-oa", argc, argv);

	if (rc >= 0)
		return rc;
	test_chain(0);
	test_chain(53);
	return xr_finish();
}
