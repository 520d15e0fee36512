// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel keys of every kind of entry, byte for byte as the XDP program
 * reads them (shared/xdpfw_shared.h), and back: rule -> rule_kkeys() ->
 * the bytes the kernel holds -> kkey_from_bytes() -> the same key.  This is
 * where the seed study's padding bug would come back in user space.
 */
#include "compile.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "testlib.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the expected prefixlen bytes below are little-endian"
#endif

struct key_case {
	const char *entry;
	int n;                   /* keys */
	enum kmap map;
	uint8_t proto[2];        /* of each key */
	uint8_t bytes[2][KKEY_MAX];
};

static const struct key_case cases[] = {
	/* a host: the full length, then the address */
	{ "203.0.113.7", 1, KMAP_V4, { 0 }, { { 32, 0, 0, 0, 203, 0, 113, 7 } } },
	{ "2001:db8::1", 1, KMAP_V6, { 0 },
	  { { 128, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, [19] = 1 } } },
	{ "198.51.100.0/24", 1, KMAP_V4_LPM, { 0 },
	  { { 24, 0, 0, 0, 198, 51, 100, 0 } } },
	{ "2001:db8::/32", 1, KMAP_V6_LPM, { 0 },
	  { { 32, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8 } } },
	/* the full length 32 + 32; port 30000 = 0x7530, network order;
	 * proto, then a zero pad */
	{ "10.0.2.2:30000/udp", 1, KMAP_V4_PORT, { IPPROTO_UDP },
	  { { 64, 0, 0, 0, 0x75, 0x30, IPPROTO_UDP, 0, 10, 0, 2, 2 } } },
	{ "10.0.2.2:30000", 2, KMAP_V4_PORT, { IPPROTO_TCP, IPPROTO_UDP },
	  { { 64, 0, 0, 0, 0x75, 0x30, IPPROTO_TCP, 0, 10, 0, 2, 2 },
	    { 64, 0, 0, 0, 0x75, 0x30, IPPROTO_UDP, 0, 10, 0, 2, 2 } } },
	{ "[2001:db8::53]:53/udp", 1, KMAP_V6_PORT, { IPPROTO_UDP },
	  { { 160, 0, 0, 0, 0, 53, IPPROTO_UDP, 0, 0x20, 0x01, 0x0d, 0xb8,
	      [23] = 0x53 } } },
	/* prefixlen 32 (port, proto, pad) + 24 */
	{ "198.51.100.0/24:443/tcp", 1, KMAP_V4_PLPM, { IPPROTO_TCP },
	  { { 56, 0, 0, 0, 0x01, 0xbb, IPPROTO_TCP, 0, 198, 51, 100, 0 } } },
	{ "[2001:db8::/48]:443", 2, KMAP_V6_PLPM, { IPPROTO_TCP, IPPROTO_UDP },
	  { { 80, 0, 0, 0, 0x01, 0xbb, IPPROTO_TCP, 0, 0x20, 0x01, 0x0d, 0xb8 },
	    { 80, 0, 0, 0, 0x01, 0xbb, IPPROTO_UDP, 0, 0x20, 0x01, 0x0d,
	      0xb8 } } },
	{ "0.0.0.0/0:11211/udp", 1, KMAP_V4_PLPM, { IPPROTO_UDP },
	  { { 32, 0, 0, 0, 0x2b, 0xcb, IPPROTO_UDP, 0 } } },
};

static void test_case(const struct key_case *c)
{
	struct xdpfw_rule r;
	struct kkey k[2], back;
	char err[256];
	uint32_t col;
	int n;

	if (rule_parse(c->entry, strlen(c->entry), &r, err, sizeof(err), &col)) {
		CHECK_MSG(0, "%s: %s", c->entry, err);
		return;
	}
	n = rule_kkeys(&r, k);
	CHECK_MSG(n == c->n, "%s: %d keys, want %d", c->entry, n, c->n);
	for (int i = 0; i < n && i < c->n; i++) {
		size_t size = kmap_key_size[c->map];

		CHECK_MSG(k[i].map == c->map && k[i].proto == c->proto[i],
			  "%s key %d: map %u proto %u", c->entry, i, k[i].map,
			  k[i].proto);
		CHECK_MSG(!memcmp(k[i].b, c->bytes[i], KKEY_MAX),
			  "%s key %d: bytes differ from the kernel layout",
			  c->entry, i);
		/* The kernel hands back exactly kmap_key_size bytes. */
		kkey_from_bytes(&back, c->map, c->bytes[i]);
		CHECK_MSG(!memcmp(&back, &k[i], sizeof(back)) &&
				  !kkey_cmp(&back, &k[i]),
			  "%s key %d: the bytes read back are another key",
			  c->entry, i);
		CHECK(size <= KKEY_MAX);
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	return tl_finish("test-compile");
}
