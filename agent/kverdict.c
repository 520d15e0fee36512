// SPDX-License-Identifier: GPL-2.0-only
#include "kverdict.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

/* 1 with *slot when the key is in map m, 0 when not, -errno. */
static int lookup(struct kmaps *km, enum kmap m, const void *key,
		  uint32_t *slot)
{
	struct kkey k;

	kkey_from_bytes(&k, m, key);
	return kmaps_lookup_key(km, &k, slot);
}

static int bit(const uint64_t *words, uint32_t h, unsigned log)
{
	uint32_t idx = h >> (32 - log);

	return words && ((words[idx >> 6] >> (idx & 63)) & 1);
}

static int port_marked(struct kmaps *km, uint16_t port, uint32_t kind)
{
	const uint64_t *w = km->filter[FMAP_PORTS];

	return w && ((w[port >> 4] >> ((port & 15) * XDPFW_PORT_BITS)) & kind);
}

/* The IPv4 port entries: the /24 word t says which can match. */
static int match_v4_port(struct kmaps *km, uint32_t flags, uint32_t t,
			 const struct kv_pkt *p, uint32_t a, uint32_t *slot)
{
	int r;

	if ((t & XDPFW_V4T_EP) && (flags & XDPFW_F_V4_PORT_EXACT)) {
		struct xdpfw_v4_port_key k = { .prefixlen = XDPFW_V4P_KEY_PLEN,
					       .port = htons(p->sport),
					       .proto = p->proto,
					       .addr = a };

		r = lookup(km, KMAP_V4_PORT, &k, slot);
		if (r)
			return r;
	}
	if ((flags & XDPFW_F_V4_PORT_PREFIX) &&
	    ((t & XDPFW_V4T_PP) ||
	     ((flags & XDPFW_F_V4_PORT_SHORT) &&
	      port_marked(km, p->sport, p->proto == IPPROTO_TCP ?
						XDPFW_PORT_V4_TCP :
						XDPFW_PORT_V4_UDP)))) {
		struct xdpfw_v4_plpm_key k = {
			.prefixlen = XDPFW_V4P_KEY_PLEN,
			.port = htons(p->sport), .proto = p->proto, .addr = a };

		return lookup(km, KMAP_V4_PLPM, &k, slot);
	}
	return 0;
}

static int match_v4(struct kmaps *km, uint32_t flags, const struct kv_pkt *p,
		    uint32_t *slot)
{
	uint32_t a, t;
	int r;

	memcpy(&a, p->addr, 4);
	r = kmaps_v4tbl_word(km, ntohl(a) >> 8, &t);
	if (r)
		return r;
	if (p->has_l4 && (flags & XDPFW_F_V4_PORT)) {
		r = match_v4_port(km, flags, t, p, a, slot);
		if (r)
			return r;
	}
	if (t & XDPFW_V4T_HOSTS) {
		struct xdpfw_v4_key k = { .prefixlen = XDPFW_V4_KEY_PLEN,
					  .addr = a };

		r = lookup(km, KMAP_V4, &k, slot);
		if (r)
			return r;
	}
	if (t & XDPFW_V4T_TRIE) {
		struct xdpfw_v4_lpm_key k = { .prefixlen = XDPFW_V4_KEY_PLEN,
						 .addr = a };

		return lookup(km, KMAP_V4_LPM, &k, slot);
	}
	if (t & XDPFW_V4T_L2) {
		uint32_t e[256];

		if (!(t & (XDPFW_V4T_L2_LO << ((ntohl(a) >> 7) & 1))))
			return 0;
		r = kmaps_v4tbl_block(km, t & XDPFW_V4T_L2_BLK, e);
		if (r)
			return r;
		t = e[ntohl(a) & 255];
	}
	*slot = (t & XDPFW_V4T_SLOT) - 1;
	return !!(t & XDPFW_V4T_SLOT);
}

/* The prefix of length plen (a class) covering a in xdpfw_v6c_oa: 1 with
 * *slot, 0 when not there, -errno; *ovf |= its home's overflow mark. */
static int v6_class(struct kmaps *km, const uint32_t *a, uint8_t plen,
		    uint32_t *slot, int *ovf)
{
	struct xdpfw_v6_lpm_key lk = { .prefixlen = plen };
	uint32_t c[4];
	struct kkey k;
	int o = 0, r;

	xdpfw_v6_class_cut(a, plen, c);
	memcpy(lk.addr, c, 16);
	kkey_from_bytes(&k, KMAP_V6_LPM, &lk);
	r = kmaps_oa_probe(km, &k, slot, &o);
	*ovf |= o;
	return r;
}

/* The program's prefix_v6: the classes in xdpfw_v6c_oa longest first
 * (class flags of f), the trie when it may hold a longer match. */
static int prefix_v6(struct kmaps *km, uint32_t flags, uint32_t f,
		     const uint32_t *a, const uint8_t *addr, uint32_t *slot)
{
	static const uint8_t plens[4] = { 64, 56, 48, 32 };
	static const uint32_t cls[4] = { XDPFW_V6F_C64, XDPFW_V6F_C56,
					 XDPFW_V6F_C48, XDPFW_V6F_C32 };
	int ovf = 0, r = 0;
	struct xdpfw_v6_lpm_key k = { .prefixlen = XDPFW_V6_KEY_PLEN };
	uint32_t ts;

	for (int i = 0; i < 4 && !r; i++)
		if (f & cls[i])
			r = v6_class(km, a, plens[i], slot, &ovf);
	if (r < 0 || (!ovf && !(flags & XDPFW_F_V6_PREFIX_WILD) &&
		      !((flags & XDPFW_F_V6_ODD) && (f & XDPFW_V6F_ODD))))
		return r;
	memcpy(k.addr, addr, 16);
	if (bpf_map_lookup_elem(km->fd[KMAP_V6_LPM], &k, &ts))
		return errno == ENOENT ? r : -errno;
	if (!r || (ts < km->capacity && *slot < km->capacity &&
		   km->table[ts].prefixlen > km->table[*slot].prefixlen))
		*slot = ts;
	return 1;
}

/* The program's first IPv6 probe (xdpfw_v6_flags): the flags of the /48
 * byte, and of the /32 byte (bits 8-15) with XDPFW_F_V6_SUM32. */
static uint32_t v6_flags(struct kmaps *km, uint32_t flags, const uint32_t *a)
{
	const uint64_t *w = km->filter[FMAP_V6F];
	uint32_t f;

	if (!w)
		return 0;
	f = xdpfw_v6f_byte(w, xdpfw_v6s_hash(a, 48));
	if (flags & XDPFW_F_V6_SUM32)
		f |= xdpfw_v6f_byte(w, xdpfw_v6s_hash(a, 32)) << 8;
	return f;
}

/* The program's match_v6_port. */
static int match_v6_port(struct kmaps *km, uint32_t flags, uint32_t f,
			 int short_port, const struct kv_pkt *p,
			 const uint32_t *a, uint32_t *slot)
{
	uint32_t pw = xdpfw_port_word(p->sport, p->proto, XDPFW_FAMILY_V6);
	int r;

	if ((f & (p->proto == IPPROTO_TCP ? XDPFW_V6F_EP_TCP :
					    XDPFW_V6F_EP_UDP)) &&
	    (flags & XDPFW_F_V6_PORT_EXACT)) {
		struct xdpfw_v6_port_key k = { .prefixlen = XDPFW_V6P_KEY_PLEN,
					       .port = htons(p->sport),
					       .proto = p->proto };

		memcpy(k.addr, p->addr, 16);
		r = lookup(km, KMAP_V6_PORT, &k, slot);
		if (r)
			return r;
	}
	if ((flags & XDPFW_F_V6_PORT_PREFIX) &&
	    (short_port ||
	     ((f & XDPFW_V6F_PP) &&
	      bit(km->filter[FMAP_PP], xdpfw_pp_hash6(pw, a[0]),
		  XDPFW_PP_BITMAP_LOG)))) {
		struct xdpfw_v6_plpm_key k = {
			.prefixlen = XDPFW_V6P_KEY_PLEN,
			.port = htons(p->sport), .proto = p->proto };

		memcpy(k.addr, p->addr, 16);
		return lookup(km, KMAP_V6_PLPM, &k, slot);
	}
	return 0;
}

static int match_v6(struct kmaps *km, uint32_t flags, const struct kv_pkt *p,
		    uint32_t *slot)
{
	uint32_t a[4], f;
	int r, short_port;

	memcpy(a, p->addr, 16);
	f = v6_flags(km, flags, a);
	short_port = p->has_l4 && (flags & XDPFW_F_V6_PORT_SHORT) &&
		     port_marked(km, p->sport, p->proto == IPPROTO_TCP ?
						       XDPFW_PORT_V6_TCP :
						       XDPFW_PORT_V6_UDP);
	if (p->has_l4 && (flags & XDPFW_F_V6_PORT) &&
	    ((f & (XDPFW_V6F_EP | XDPFW_V6F_PP)) || short_port)) {
		r = match_v6_port(km, flags, f, short_port, p, a, slot);
		if (r)
			return r;
	}
	if ((f & XDPFW_V6F_EXACT) && (flags & XDPFW_F_V6_EXACT)) {
		struct xdpfw_v6_key k = { .prefixlen = XDPFW_V6_KEY_PLEN };

		memcpy(k.addr, p->addr, 16);
		r = lookup(km, KMAP_V6, &k, slot);
		if (r)
			return r;
	}
	if ((flags & XDPFW_F_V6_PREFIX) &&
	    ((f & XDPFW_V6F_PREFIX) || (flags & XDPFW_F_V6_PREFIX_WILD)))
		return prefix_v6(km, flags, f, a, p->addr, slot);
	return 0;
}

/* The exception trie: with the packet's port first, then without. */
static int saved_by(struct kmaps *km, uint32_t flags, const struct kv_pkt *p,
		    uint32_t *slot)
{
	int v4 = p->family == XDPFW_FAMILY_V4;
	uint32_t f_port = v4 ? XDPFW_F_V4_XCPT_PORT : XDPFW_F_V6_XCPT_PORT;
	uint32_t f_addr = v4 ? XDPFW_F_V4_XCPT_ADDR : XDPFW_F_V6_XCPT_ADDR;
	enum kmap m = v4 ? KMAP_V4_XCPT : KMAP_V6_XCPT;
	struct kkey k;
	int r;

	{
		const uint64_t *w = km->filter[FMAP_X];
		uint32_t a[4];

		memcpy(a, p->addr, 16);
		if (!(flags & (v4 ? XDPFW_F_V4_XCPT_WILD : XDPFW_F_V6_XCPT_WILD)) &&
		    !(v4 ? bit(w, xdpfw_x4_hash(a[0], 24), XDPFW_X_BITMAP_LOG) ||
				   bit(w, xdpfw_x4_hash(a[0], 16), XDPFW_X_BITMAP_LOG) :
			   bit(w, xdpfw_v6_hash(a, 64), XDPFW_X_BITMAP_LOG) ||
				   bit(w, xdpfw_v6_hash(a, 48), XDPFW_X_BITMAP_LOG) ||
				   bit(w, xdpfw_v6_hash(a, 32), XDPFW_X_BITMAP_LOG)))
			return 0;
	}
	memset(&k, 0, sizeof(k));
	if (v4) {
		k.v4_plpm.prefixlen = XDPFW_V4P_KEY_PLEN;
		memcpy(&k.v4_plpm.addr, p->addr, 4);
	} else {
		k.v6_plpm.prefixlen = XDPFW_V6P_KEY_PLEN;
		memcpy(k.v6_plpm.addr, p->addr, 16);
	}
	if (p->has_l4 && (flags & f_port)) {
		/* port and proto sit at the same offsets in both keys */
		k.v4_plpm.port = htons(p->sport);
		k.v4_plpm.proto = p->proto;
		r = lookup(km, m, k.b, slot);
		if (r)
			return r;
		k.v4_plpm.port = 0;
		k.v4_plpm.proto = 0;
	}
	if (flags & f_addr)
		return lookup(km, m, k.b, slot);
	return 0;
}

int kverdict(struct kmaps *km, const struct kv_pkt *p, struct kv_result *out)
{
	uint32_t flags;
	int r;

	memset(out, 0, sizeof(*out));
	r = kmaps_flags(km, &flags);
	if (r)
		return r;
	if (!flags)
		return 0;
	r = p->family == XDPFW_FAMILY_V4 ? match_v4(km, flags, p, &out->slot) :
					   match_v6(km, flags, p, &out->slot);
	if (r <= 0)
		return r;
	out->matched = 1;
	if (!(flags & (p->family == XDPFW_FAMILY_V4 ? XDPFW_F_V4_XCPT :
						       XDPFW_F_V6_XCPT)))
		return 0;
	r = saved_by(km, flags, p, &out->xslot);
	if (r < 0)
		return r;
	out->saved = r;
	return 0;
}
