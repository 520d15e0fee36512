// SPDX-License-Identifier: GPL-2.0-only
/*
 * The overflow tries of the exact keys (xdpfw_v4 and its kin, layout 10)
 * under BPF_PROG_TEST_RUN, through the daemon's pipeline: keys another
 * process puts there (a host no rule names, a copy of a rule's key, a
 * shorter prefix) are inert behind a home without the overflow mark,
 * listed by the dump with their own length, purged with the rule whose
 * key they copy, left alone by other purges, and deleted by a full
 * re-sync; and the tries' kernel memory does not grow with max_rules.
 * test-oa.c fills probe windows so that the daemon's own keys overflow.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdinfo.h"
#include "kmaps.h"
#include "log.h"
#include "skel.h"
#include "testlib.h"
#include "xdprun.h"

/* A host key another process put in xdpfw_v4 (the overflow trie), its
 * home without the overflow mark: the program never reads it, and a full
 * re-sync deletes it (the dump lists it as foreign).  A copy of a rule's
 * key put there goes when the rule goes. */
static void test_foreign_in_ovf(void)
{
	struct xdpfw_v4_key b = { .prefixlen = XDPFW_V4_KEY_PLEN };
	struct kkey k;
	uint32_t slot = 0, v;

	apply_or_die("one host", "10.78.0.1\n", 0, NULL);
	inet_pton(AF_INET, "10.78.0.2", &b.addr);
	kkey_from_bytes(&k, KMAP_V4, &b);
	xr_checks++;
	if (bpf_map_update_elem(km.fd[KMAP_V4], k.b, &slot, BPF_ANY))
		fail("cannot plant a foreign key: %s", strerror(errno));
	apply_or_die("one host, full", "10.78.0.1\n", 1, NULL);
	xr_checks++;
	if (!bpf_map_lookup_elem(km.fd[KMAP_V4], k.b, &v))
		fail("a full re-sync left the foreign key 10.78.0.2 in xdpfw_v4");
	/* A copy of the rule's own key in the hash, with a wrong slot: gone
	 * with the rule. */
	inet_pton(AF_INET, "10.78.0.1", &b.addr);
	kkey_from_bytes(&k, KMAP_V4, &b);
	slot = 7;
	xr_checks++;
	if (bpf_map_update_elem(km.fd[KMAP_V4], k.b, &slot, BPF_ANY))
		fail("cannot plant a copy of a key: %s", strerror(errno));
	/* Not in force, so a full re-sync leaves the rule alone: the dump
	 * lists the key once, with the rule's slot, and it still drops. */
	apply_or_die("one host, full, copy", "10.78.0.1\n", 1, NULL);
	{
		struct kop *ops;
		size_t nops, seen = 0;
		struct pkt_spec ps = spec(4, "10.78.0.1", IPPROTO_UDP, 999);

		xr_checks++;
		if (kmaps_dump_keys(&km, &ops, &nops))
			fail("kmaps_dump_keys failed");
		for (size_t j = 0; j < nops; j++)
			if (ops[j].key.map == KMAP_V4 &&
			    !memcmp(ops[j].key.b, k.b, sizeof(b)))
				seen += (int)ops[j].slot == slot_of_text("10.78.0.1") ?
						1 : 100;
		free(ops);
		xr_checks++;
		if (seen != 1)
			fail("the dump lists 10.78.0.1 %zu times (100 per wrong slot)",
			     seen);
		run_spec("10.78.0.1 with a copy in the hash", &ps, "10.78.0.1", 0);
	}
	apply_or_die("empty", "", 0, NULL);
	xr_checks++;
	if (!bpf_map_lookup_elem(km.fd[KMAP_V4], k.b, &v))
		fail("the copy of 10.78.0.1 in xdpfw_v4 outlived its rule");
}

static void plant_v4(const char *host, uint32_t slot)
{
	struct xdpfw_v4_key b = { .prefixlen = XDPFW_V4_KEY_PLEN };
	struct kkey k;

	inet_pton(AF_INET, host, &b.addr);
	kkey_from_bytes(&k, KMAP_V4, &b);
	xr_checks++;
	if (bpf_map_update_elem(km.fd[KMAP_V4], k.b, &slot, BPF_ANY))
		fail("cannot plant %s in xdpfw_v4: %s", host, strerror(errno));
}

static void unplant_v4(const char *host)
{
	struct xdpfw_v4_key b = { .prefixlen = XDPFW_V4_KEY_PLEN };
	struct kkey k;

	inet_pton(AF_INET, host, &b.addr);
	kkey_from_bytes(&k, KMAP_V4, &b);
	xr_checks++;
	if (bpf_map_delete_elem(km.fd[KMAP_V4], k.b))
		fail("cannot take %s out of xdpfw_v4: %s", host, strerror(errno));
}

static int in_ovf_v4(const char *host)
{
	struct xdpfw_v4_key b = { .prefixlen = XDPFW_V4_KEY_PLEN };
	struct kkey k;
	uint32_t v;

	inet_pton(AF_INET, host, &b.addr);
	kkey_from_bytes(&k, KMAP_V4, &b);
	return !bpf_map_lookup_elem(km.fd[KMAP_V4], k.b, &v);
}

/* The overflow trie seen empty, then a copy of a rule's key planted: the
 * rule's delete still finds the copy and deletes it.  With more keys in
 * the trie than deletes, the deletes go to the trie one by one. */
static void test_purge_after_empty(void)
{
	apply_or_die("three hosts", "10.78.1.1\n10.78.1.2\n10.78.1.3\n", 0, NULL);
	apply_or_die("a host deleted, the hash empty", "10.78.1.1\n10.78.1.3\n",
		     0, NULL);
	plant_v4("10.78.1.1", 9);
	apply_or_die("the host with a copy deleted", "10.78.1.3\n", 0, NULL);
	xr_checks++;
	if (in_ovf_v4("10.78.1.1"))
		fail("the copy of 10.78.1.1 outlived its rule (hash seen empty)");
	plant_v4("10.78.1.3", 9);
	plant_v4("10.78.1.8", 1);
	plant_v4("10.78.1.9", 1);
	apply_or_die("a host deleted, three keys in the hash", "", 0, NULL);
	xr_checks++;
	if (in_ovf_v4("10.78.1.3") || !in_ovf_v4("10.78.1.8"))
		fail("10.78.1.3's copy not purged, or a foreign key deleted");
	apply_or_die("empty, full", "", 1, NULL);
	xr_checks++;
	if (in_ovf_v4("10.78.1.8") || in_ovf_v4("10.78.1.9"))
		fail("a full re-sync left foreign keys in xdpfw_v4");
}

/* An overflow trie holding a key the daemon did not put there: purges of
 * other keys leave it; a copy of a rule's key planted beside it is still
 * found and deleted with its rule. */
static void test_purge_beside_foreign(void)
{
	apply_or_die("four hosts", "10.78.2.1\n10.78.2.2\n10.78.2.3\n10.78.2.4\n",
		     0, NULL);
	plant_v4("10.78.2.8", 1);
	apply_or_die("a host deleted, a foreign key in the trie",
		     "10.78.2.2\n10.78.2.3\n10.78.2.4\n", 0, NULL);
	apply_or_die("another host deleted", "10.78.2.3\n10.78.2.4\n", 0, NULL);
	xr_checks++;
	if (!in_ovf_v4("10.78.2.8"))
		fail("a purge deleted the foreign key 10.78.2.8");
	plant_v4("10.78.2.3", 9);
	apply_or_die("a host with a copy beside the foreign key deleted",
		     "10.78.2.4\n", 0, NULL);
	xr_checks++;
	if (in_ovf_v4("10.78.2.3") || !in_ovf_v4("10.78.2.8"))
		fail("10.78.2.3's copy not purged, or the foreign key deleted");
	unplant_v4("10.78.2.8");
	apply_or_die("empty", "", 0, NULL);
}

/* A key of a shorter length another process put in xdpfw_v4: the dump
 * names it with its own length (not as a host), and a full re-sync
 * deletes it. */
static void test_foreign_prefix_in_ovf(void)
{
	struct xdpfw_v4_key b = { .prefixlen = 24 };
	struct xdpfw_rule r;
	struct kop *ops;
	size_t nops, seen = 0;
	uint32_t slot = 0, v;

	apply_or_die("one host", "10.78.5.1\n", 0, NULL);
	inet_pton(AF_INET, "10.78.5.0", &b.addr);
	xr_checks++;
	if (bpf_map_update_elem(km.fd[KMAP_V4], &b, &slot, BPF_ANY))
		fail("cannot plant 10.78.5.0/24 in xdpfw_v4: %s", strerror(errno));
	xr_checks++;
	if (kmaps_dump_keys(&km, &ops, &nops)) {
		fail("kmaps_dump_keys failed");
		return;
	}
	for (size_t j = 0; j < nops; j++) {
		kkey_rule(&ops[j].key, &r);
		if (ops[j].key.map == KMAP_V4 && !memcmp(r.addr, &b.addr, 4))
			seen += r.prefixlen == 24 ? 1 : 100;
	}
	free(ops);
	if (seen != 1)
		fail("the dump shows the foreign /24 %zu times (100 per wrong "
		     "length)", seen);
	apply_or_die("one host, full", "10.78.5.1\n", 1, NULL);
	xr_checks++;
	if (!bpf_map_lookup_elem(km.fd[KMAP_V4], &b, &v))
		fail("a full re-sync left the foreign 10.78.5.0/24 in xdpfw_v4");
	apply_or_die("empty", "", 0, NULL);
}

/* The overflow maps of a second instance (max_rules maxr, empty) are
 * tries, whose kernel
 * memory follows the keys they hold: where fdinfo's memlock says what a
 * map uses (Linux 6.4+: an empty trie of a million entries shows next to
 * nothing), each shows under 64 KiB.  (Layout 9's hashes had a bucket
 * array for 1 or 2 x max_rules keys: 4-8 MiB each here.) */
static void test_memory(void)
{
	enum { MAXR = 262144 };
	struct xdpfw_bpf *skel2 = NULL;
	struct kmaps k2, *k = &k2;
	uint32_t maxr = MAXR;
	static const enum kmap ovf[] = { KMAP_V4, KMAP_V6, KMAP_V4_PORT,
					 KMAP_V6_PORT };
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct fdinfo_bpf fi;
	int probe = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "xdpfw_probe", 8, 4,
				   1u << 20, &opts);
	int usage = probe >= 0 && !fdinfo_bpf_read(0, probe, &fi) &&
		    fi.memlock < 65536;

	if (probe >= 0)
		close(probe);
	if (tl_bpf_load("test-ovf", LOG_LVL_WARNING, MAXR, &skel2, &k2)) {
		fail("cannot load a second instance");
		return;
	}
	if (!usage)
		printf("test-ovf: this kernel's memlock is not what a map uses: "
		       "the overflow maps' types checked only\n");
	for (size_t i = 0; i < sizeof(ovf) / sizeof(ovf[0]); i++) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		xr_checks++;
		if (bpf_obj_get_info_by_fd(k->fd[ovf[i]], &info, &len) ||
		    info.type != BPF_MAP_TYPE_LPM_TRIE ||
		    info.max_entries < maxr) {
			fail("%s is not a trie of max_rules keys or more",
			     xmap_name[ovf[i]]);
			continue;
		}
		xr_checks++;
		if (usage && (fdinfo_bpf_read(0, k->fd[ovf[i]], &fi) ||
			      fi.memlock >= 65536))
			fail("%s, empty, takes %llu bytes of kernel memory at "
			     "max_rules %u", xmap_name[ovf[i]],
			     (unsigned long long)fi.memlock, maxr);
	}
	kmaps_close(&k2);
	xdpfw_bpf__destroy(skel2);
}

int main(int argc, char **argv)
{
	int rc = xr_setup("test-ovf", argc, argv);

	if (rc >= 0)
		return rc;
	test_foreign_in_ovf();
	test_purge_after_empty();
	test_purge_beside_foreign();
	test_foreign_prefix_in_ovf();
	test_memory();
	return xr_finish();
}
