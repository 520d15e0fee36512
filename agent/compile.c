// SPDX-License-Identifier: GPL-2.0-only
#include "compile.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

const uint8_t kmap_key_size[KMAP_N] = {
	[KMAP_V4] = sizeof(struct xdpfw_v4_key),
	[KMAP_V6] = sizeof(struct xdpfw_v6_key),
	[KMAP_V4_LPM] = sizeof(struct xdpfw_v4_lpm_key),
	[KMAP_V6_LPM] = sizeof(struct xdpfw_v6_lpm_key),
	[KMAP_V4_PORT] = sizeof(struct xdpfw_v4_port_key),
	[KMAP_V6_PORT] = sizeof(struct xdpfw_v6_port_key),
	[KMAP_V4_PLPM] = sizeof(struct xdpfw_v4_plpm_key),
	[KMAP_V6_PLPM] = sizeof(struct xdpfw_v6_plpm_key),
	[KMAP_V4_XCPT] = sizeof(struct xdpfw_v4_plpm_key),
	[KMAP_V6_XCPT] = sizeof(struct xdpfw_v6_plpm_key),
};

static int is_host(const struct xdpfw_rule *r)
{
	return r->prefixlen == (r->family == XDPFW_FAMILY_V4 ? 32 : 128);
}

/* Without a port: the exact key for a host (its open addressing table, or
 * the overflow trie), the prefix trie for a prefix. */
static void build_addr_key(const struct xdpfw_rule *r, struct kkey *k)
{
	int v4 = r->family == XDPFW_FAMILY_V4;

	if (is_host(r) && v4) {
		k->map = KMAP_V4;
		k->v4.prefixlen = XDPFW_V4_KEY_PLEN;
		memcpy(&k->v4.addr, r->addr, sizeof(k->v4.addr));
	} else if (is_host(r)) {
		k->map = KMAP_V6;
		k->v6.prefixlen = XDPFW_V6_KEY_PLEN;
		memcpy(k->v6.addr, r->addr, sizeof(k->v6.addr));
	} else if (v4) {
		k->map = KMAP_V4_LPM;
		k->v4_lpm.prefixlen = r->prefixlen;
		memcpy(&k->v4_lpm.addr, r->addr, sizeof(k->v4_lpm.addr));
	} else {
		k->map = KMAP_V6_LPM;
		k->v6_lpm.prefixlen = r->prefixlen;
		memcpy(k->v6_lpm.addr, r->addr, sizeof(k->v6_lpm.addr));
	}
}

/* With a port: the endpoint key for a host, the port + prefix trie for a
 * prefix (its prefixlen counts the port, proto and pad bits too). */
static void build_port_key(const struct xdpfw_rule *r, uint8_t proto,
			   struct kkey *k)
{
	int v4 = r->family == XDPFW_FAMILY_V4;
	__be16 port = htons(r->port);
	__u32 plen = XDPFW_PLPM_FIXED_BITS + r->prefixlen;

	if (is_host(r) && v4) {
		k->map = KMAP_V4_PORT;
		k->v4_port.prefixlen = XDPFW_V4P_KEY_PLEN;
		k->v4_port.port = port;
		k->v4_port.proto = proto;
		memcpy(&k->v4_port.addr, r->addr, sizeof(k->v4_port.addr));
	} else if (is_host(r)) {
		k->map = KMAP_V6_PORT;
		k->v6_port.prefixlen = XDPFW_V6P_KEY_PLEN;
		k->v6_port.port = port;
		k->v6_port.proto = proto;
		memcpy(k->v6_port.addr, r->addr, sizeof(k->v6_port.addr));
	} else if (v4) {
		k->map = KMAP_V4_PLPM;
		k->v4_plpm.prefixlen = plen;
		k->v4_plpm.port = port;
		k->v4_plpm.proto = proto;
		memcpy(&k->v4_plpm.addr, r->addr, sizeof(k->v4_plpm.addr));
	} else {
		k->map = KMAP_V6_PLPM;
		k->v6_plpm.prefixlen = plen;
		k->v6_plpm.port = port;
		k->v6_plpm.proto = proto;
		memcpy(k->v6_plpm.addr, r->addr, sizeof(k->v6_plpm.addr));
	}
}

/* An exception: the port + prefix key in the exception trie, with port
 * and proto 0 when it has no port. */
static void build_except_key(const struct xdpfw_rule *r, uint8_t proto,
			     struct kkey *k)
{
	__be16 port = htons(r->port);
	__u32 plen = XDPFW_PLPM_FIXED_BITS + r->prefixlen;

	if (r->family == XDPFW_FAMILY_V4) {
		k->map = KMAP_V4_XCPT;
		k->v4_plpm.prefixlen = plen;
		k->v4_plpm.port = port;
		k->v4_plpm.proto = proto;
		memcpy(&k->v4_plpm.addr, r->addr, sizeof(k->v4_plpm.addr));
	} else {
		k->map = KMAP_V6_XCPT;
		k->v6_plpm.prefixlen = plen;
		k->v6_plpm.port = port;
		k->v6_plpm.proto = proto;
		memcpy(k->v6_plpm.addr, r->addr, sizeof(k->v6_plpm.addr));
	}
}

static void build_key(const struct xdpfw_rule *r, uint8_t proto,
		      struct kkey *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	if (r->flags & XDPFW_RULE_EXCEPT)
		build_except_key(r, proto, k);
	else if (r->port)
		build_port_key(r, proto, k);
	else
		build_addr_key(r, k);
}

void kkey_from_bytes(struct kkey *k, enum kmap m, const void *bytes)
{
	memset(k, 0, sizeof(*k));
	k->map = (uint8_t)m;
	memcpy(k->b, bytes, kmap_key_size[m]);
	switch (m) {
	case KMAP_V4_PORT:
		k->proto = k->v4_port.proto;
		break;
	case KMAP_V6_PORT:
		k->proto = k->v6_port.proto;
		break;
	case KMAP_V4_PLPM:
	case KMAP_V4_XCPT:
		k->proto = k->v4_plpm.proto;
		break;
	case KMAP_V6_PLPM:
	case KMAP_V6_XCPT:
		k->proto = k->v6_plpm.proto;
		break;
	default:
		break;
	}
}

int rule_kkeys(const struct xdpfw_rule *r, struct kkey out[2])
{
	if (!r->port) {
		build_key(r, 0, &out[0]);
		return 1;
	}
	if (r->proto != XDPFW_PROTO_ANY) {
		build_key(r, r->proto, &out[0]);
		return 1;
	}
	build_key(r, IPPROTO_TCP, &out[0]);
	build_key(r, IPPROTO_UDP, &out[1]);
	return 2;
}

uint32_t kkey_owner(slot_lookup_fn lookup, const void *set,
		    const struct xdpfw_rule *r, const struct kkey *k)
{
	struct xdpfw_rule v = *r;
	uint32_t s;

	if (!r->port)
		return lookup(set, r);
	/* The protocol-specific entry owns its key; else the any-protocol one. */
	v.proto = k->proto;
	s = lookup(set, &v);
	if (s != RULEIDX_NONE)
		return s;
	v.proto = XDPFW_PROTO_ANY;
	return lookup(set, &v);
}

const uint32_t fmap_words[FMAP_N] = {
	[FMAP_PORTS] = XDPFW_PORTS_WORDS,
	[FMAP_PP] = XDPFW_BITMAP_WORDS(XDPFW_PP_BITMAP_LOG),
	[FMAP_X] = XDPFW_BITMAP_WORDS(XDPFW_X_BITMAP_LOG),
	[FMAP_V6F] = XDPFW_V6F_WORDS,
};

uint64_t *filters_words(struct filters *f, enum fmap m)
{
	return f->w[m];
}

size_t filters_words_total(void)
{
	size_t total = 0;

	for (int m = 0; m < FMAP_N; m++)
		total += fmap_words[m];
	return total;
}

void filters_use(struct filters *f, uint64_t *block)
{
	size_t at = 0;

	memset(f, 0, sizeof(*f));
	memset(block, 0, filters_words_total() * sizeof(*block));
	for (int m = 0; m < FMAP_N; m++) {
		f->w[m] = block + at;
		at += fmap_words[m];
	}
}

int filters_alloc(struct filters *f)
{
	uint64_t *block = malloc(filters_words_total() * sizeof(*block));

	if (!block)
		return -ENOMEM;
	filters_use(f, block);
	f->own = block;
	return 0;
}

void filters_in_place(struct filters *f, uint64_t *const words[FMAP_N])
{
	memset(f, 0, sizeof(*f));
	for (int m = 0; m < FMAP_N; m++)
		f->w[m] = words[m];
	f->in_place = 1;
}

void filters_free(struct filters *f)
{
	free(f->own);
	memset(f, 0, sizeof(*f));
}

static void mark_port(struct filters *f, uint16_t port, uint32_t kind)
{
	f->w[FMAP_PORTS][port >> 4] |=
		(uint64_t)kind << ((port & 15) * XDPFW_PORT_BITS);
}

static void mark_hash(uint64_t *bits, uint32_t h, unsigned log)
{
	uint32_t idx = h >> (32 - log);

	bits[idx >> 6] |= 1ULL << (idx & 63);
}

/* Any blocking IPv6 entry: its flag (xdpfw_v6f_flag) in the byte of its
 * /48, or of its /32 when shorter (shorter than /32: v6_sum_flags). */
static void mark_v6_flag(struct filters *f, const struct xdpfw_rule *r,
			 const uint32_t *a)
{
	uint32_t flag = xdpfw_v6f_flag(r->prefixlen, r->port != 0, r->proto);
	uint32_t idx;

	if (!flag)
		return;
	idx = xdpfw_v6s_hash(a, r->prefixlen >= 48 ? 48 : 32) >>
	      (32 - XDPFW_V6F_LOG);
	if (r->prefixlen < 48)
		flag >>= 8; /* the /32 byte's flags */
	f->w[FMAP_V6F][idx >> 3] |= (uint64_t)flag << ((idx & 7) * 8);
}

/* An exception (port or not): its address at the longest class of
 * xdpfw_x_bmap at or below its length; shorter ones are wild (rule_flags). */
static void mark_except(struct filters *f, const struct xdpfw_rule *r,
			const uint32_t *a)
{
	uint32_t cls, h;

	if (r->family == XDPFW_FAMILY_V4) {
		if (r->prefixlen < 16)
			return;
		cls = r->prefixlen >= 24 ? 24 : 16;
		h = xdpfw_x4_hash(a[0], cls);
	} else {
		if (r->prefixlen < 32)
			return;
		cls = r->prefixlen >= 64 ? 64 : r->prefixlen >= 48 ? 48 : 32;
		h = xdpfw_v6_hash(a, cls);
	}
	mark_hash(f->w[FMAP_X], h, XDPFW_X_BITMAP_LOG);
}

/* One port key (proto is TCP or UDP) of a port entry. */
static void mark_port_key(struct filters *f, const struct xdpfw_rule *r,
			  const uint32_t *a, uint8_t proto)
{
	int v4 = r->family == XDPFW_FAMILY_V4;
	uint32_t pw = xdpfw_port_word(r->port, proto, r->family);

	/* IPv4 endpoints and prefix:port of /16 or longer: flags of the /24
	 * table (v4tbl.h), not bits here. */
	if (v4 && r->prefixlen >= 16)
		return;
	/* IPv6 endpoints: the EP flag of xdpfw_v6_flags alone. */
	if (is_host(r))
		return;
	if (!v4 && r->prefixlen >= 32) {
		mark_hash(f->w[FMAP_PP], xdpfw_pp_hash6(pw, a[0]),
			  XDPFW_PP_BITMAP_LOG);
	} else {
		mark_port(f, r->port,
			  proto == IPPROTO_TCP ?
				  (v4 ? XDPFW_PORT_V4_TCP : XDPFW_PORT_V6_TCP) :
				  (v4 ? XDPFW_PORT_V4_UDP : XDPFW_PORT_V6_UDP));
	}
}

/* The kind of a blocking entry (not an exception). */
static uint32_t kind_flags(const struct xdpfw_rule *r, int v4)
{
	if (!r->port) {
		if (is_host(r))
			return v4 ? XDPFW_F_V4_EXACT : XDPFW_F_V6_EXACT;
		if (!v4 && r->prefixlen < 32)
			return XDPFW_F_V6_PREFIX | XDPFW_F_V6_PREFIX_WILD;
		if (!v4 && !xdpfw_v6_is_class(r->prefixlen))
			return XDPFW_F_V6_PREFIX | XDPFW_F_V6_ODD;
		return v4 ? XDPFW_F_V4_PREFIX : XDPFW_F_V6_PREFIX;
	}
	if (is_host(r))
		return v4 ? XDPFW_F_V4_PORT_EXACT : XDPFW_F_V6_PORT_EXACT;
	if (v4 && r->prefixlen < 16)
		return XDPFW_F_V4_PORT_PREFIX | XDPFW_F_V4_PORT_SHORT;
	return v4 ? XDPFW_F_V4_PORT_PREFIX : XDPFW_F_V6_PORT_PREFIX;
}

/* How a blocking IPv6 entry sits in xdpfw_v6_flags (mark_v6_flag); one
 * shorter than /32 is wild (an address prefix, kind_flags) or in
 * xdpfw_ports (a prefix:port entry). */
static uint32_t v6_sum_flags(const struct xdpfw_rule *r)
{
	if (r->prefixlen >= 48)
		return 0;
	if (r->prefixlen >= 32)
		return XDPFW_F_V6_SUM32;
	return r->port ? XDPFW_F_V6_PORT_SHORT : 0;
}

uint32_t rule_flags(const struct xdpfw_rule *r)
{
	int v4 = r->family == XDPFW_FAMILY_V4;

	if (r->flags & XDPFW_RULE_EXCEPT) {
		uint32_t f;

		if (v4)
			f = r->port ? XDPFW_F_V4_XCPT_PORT : XDPFW_F_V4_XCPT_ADDR;
		else
			f = r->port ? XDPFW_F_V6_XCPT_PORT : XDPFW_F_V6_XCPT_ADDR;
		if (r->prefixlen < (v4 ? 16 : 32))
			f |= v4 ? XDPFW_F_V4_XCPT_WILD : XDPFW_F_V6_XCPT_WILD;
		return f;
	}
	return kind_flags(r, v4) | (v4 ? 0 : v6_sum_flags(r));
}

void filters_add(struct filters *f, const struct xdpfw_rule *r)
{
	int v4 = r->family == XDPFW_FAMILY_V4;
	uint32_t a[4];

	f->flags |= rule_flags(r);
	memcpy(a, r->addr, sizeof(a));
	if (r->flags & XDPFW_RULE_EXCEPT) {
		mark_except(f, r, a);
		return;
	}
	if (!v4)
		mark_v6_flag(f, r, a);
	/* Address entries: IPv4's in the /24 table (v4tbl.h), built apart;
	 * IPv6's in xdpfw_v6_flags alone. */
	if (!r->port)
		return;
	if (r->proto != IPPROTO_UDP)
		mark_port_key(f, r, a, IPPROTO_TCP);
	if (r->proto != IPPROTO_TCP)
		mark_port_key(f, r, a, IPPROTO_UDP);
}

void filters_from_table(struct filters *f, const struct xdpfw_rule *table,
			uint32_t n)
{
	f->flags = 0;
	for (int m = 0; m < FMAP_N; m++)
		memset(f->w[m], 0, fmap_words[m] * sizeof(uint64_t));
	for (uint32_t i = 0; i < n; i++)
		if (table[i].family)
			filters_add(f, &table[i]);
}

int kkey_cmp(const struct kkey *a, const struct kkey *b)
{
	if (a->map != b->map)
		return a->map < b->map ? -1 : 1;
	return memcmp(a->b, b->b, kmap_key_size[a->map]);
}

/* The rule a key of map k->map stands for (its protocol as the key has
 * it), read through the key structs of shared/xdpfw_shared.h. */
void kkey_rule(const struct kkey *k, struct xdpfw_rule *r)
{
	memset(r, 0, sizeof(*r));
	switch (k->map) {
	case KMAP_V4: /* the key's length: another process's may be shorter */
		r->family = XDPFW_FAMILY_V4;
		r->prefixlen = (uint8_t)k->v4.prefixlen;
		memcpy(r->addr, &k->v4.addr, 4);
		break;
	case KMAP_V6:
		r->family = XDPFW_FAMILY_V6;
		r->prefixlen = (uint8_t)k->v6.prefixlen;
		memcpy(r->addr, k->v6.addr, 16);
		break;
	case KMAP_V4_LPM:
		r->family = XDPFW_FAMILY_V4;
		r->prefixlen = (uint8_t)k->v4_lpm.prefixlen;
		memcpy(r->addr, &k->v4_lpm.addr, 4);
		break;
	case KMAP_V6_LPM:
		r->family = XDPFW_FAMILY_V6;
		r->prefixlen = (uint8_t)k->v6_lpm.prefixlen;
		memcpy(r->addr, k->v6_lpm.addr, 16);
		break;
	case KMAP_V4_PORT:
		r->family = XDPFW_FAMILY_V4;
		r->prefixlen =
			(uint8_t)(k->v4_port.prefixlen - XDPFW_PLPM_FIXED_BITS);
		r->port = ntohs(k->v4_port.port);
		r->proto = k->v4_port.proto;
		memcpy(r->addr, &k->v4_port.addr, 4);
		break;
	case KMAP_V6_PORT:
		r->family = XDPFW_FAMILY_V6;
		r->prefixlen =
			(uint8_t)(k->v6_port.prefixlen - XDPFW_PLPM_FIXED_BITS);
		r->port = ntohs(k->v6_port.port);
		r->proto = k->v6_port.proto;
		memcpy(r->addr, k->v6_port.addr, 16);
		break;
	case KMAP_V4_PLPM:
	case KMAP_V4_XCPT:
		r->family = XDPFW_FAMILY_V4;
		r->prefixlen = (uint8_t)(k->v4_plpm.prefixlen - XDPFW_PLPM_FIXED_BITS);
		r->port = ntohs(k->v4_plpm.port);
		r->proto = k->v4_plpm.proto;
		memcpy(r->addr, &k->v4_plpm.addr, 4);
		break;
	default: /* KMAP_V6_PLPM, KMAP_V6_XCPT */
		r->family = XDPFW_FAMILY_V6;
		r->prefixlen = (uint8_t)(k->v6_plpm.prefixlen - XDPFW_PLPM_FIXED_BITS);
		r->port = ntohs(k->v6_plpm.port);
		r->proto = k->v6_plpm.proto;
		memcpy(r->addr, k->v6_plpm.addr, 16);
		break;
	}
	if (k->map == KMAP_V4_XCPT || k->map == KMAP_V6_XCPT)
		r->flags = XDPFW_RULE_EXCEPT;
}
