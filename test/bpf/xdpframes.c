// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frames for the harness (see xdprun.h): specs and their descriptions,
 * targets run over matrices of VLAN tags, IPv4 options and fragments, IPv6
 * extension headers, and truncation sweeps whose expectations follow the
 * reasons documented in enum xdpfw_total.
 */
#include "xdprun.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "oracle.h"

static void spec_src(const struct pkt_spec *s, uint8_t *a)
{
	memset(a, 0, 16);
	inet_pton(s->family == 4 ? AF_INET : AF_INET6, s->src, a);
}

/* ---- frame specs ---- */

struct pkt_spec spec(int family, const char *src, uint8_t proto,
		     uint16_t sport)
{
	return pkt_spec_of(family, src, proto, sport);
}

const char *proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	case IPPROTO_NONE:
		return "no-next-header";
	default:
		return "proto?";
	}
}

static const char *ext_name(uint8_t h)
{
	switch (h) {
	case IPPROTO_HOPOPTS:
		return "hbh";
	case IPPROTO_ROUTING:
		return "rt";
	case IPPROTO_DSTOPTS:
		return "dst";
	case IPPROTO_FRAGMENT:
		return "frag";
	case IPPROTO_AH:
		return "ah";
	default:
		return "?";
	}
}

static const char *const frag_name[] = { "none", "first", "nonfirst" };

void describe(char *buf, size_t len, const struct pkt_spec *s,
	      const char *extra)
{
	size_t o = 0;

#define ADD(...)                                                              \
	do {                                                                  \
		if (o < len)                                                  \
			o += (size_t)snprintf(buf + o, len - o, __VA_ARGS__); \
	} while (0)
	if (s->family == 0) {
		ADD("arp");
	} else {
		ADD("v%d %s %s:%u", s->family, proto_name(s->l4proto),
		    s->src ? s->src : "-", s->sport);
	}
	if (s->n_vlan) {
		ADD(" vlan=");
		for (int i = 0; i < s->n_vlan; i++)
			ADD("%s%04x", i ? "," : "",
			    s->vlan_tpid[i] ? s->vlan_tpid[i] : 0x8100);
	}
	if (s->ip4_opt_len)
		ADD(" opts=%d", s->ip4_opt_len);
	if (s->n_ip6_ext) {
		ADD(" ext=");
		for (int i = 0; i < s->n_ip6_ext; i++)
			ADD("%s%s", i ? "," : "", ext_name(s->ip6_ext[i]));
	}
	if (s->frag)
		ADD(" frag=%s", frag_name[s->frag]);
	if (extra && *extra)
		ADD(" %s", extra);
#undef ADD
}

void check_targets_against_oracle(const struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t src[16] = { 0 };
		const char *want[3] = { t[i].r_tcp, t[i].r_udp, t[i].r_addr };
		const struct xdpfw_rule *got[3];
		struct xdpfw_rule w;

		inet_pton(t[i].family == 4 ? AF_INET : AF_INET6, t[i].src, src);
		got[0] = oracle(t[i].family, src, 1, IPPROTO_TCP, t[i].sport);
		got[1] = oracle(t[i].family, src, 1, IPPROTO_UDP, t[i].sport);
		got[2] = oracle(t[i].family, src, 0, 0, 0);
		for (int k = 0; k < 3; k++) {
			xr_checks++;
			if (!want[k] && !got[k])
				continue;
			if (want[k] && !parse_rule(want[k], &w) && got[k] &&
			    rule_equal(&w, got[k]))
				continue;
			{
				static const char *const kind[3] = {
					"tcp", "udp", "no L4 header" };
				char g[RULE_FMT_MAX] = "none";

				if (got[k])
					rule_format(got[k], g, sizeof(g));
				fail("test bug: target %s:%u %s: the table says %s, "
				     "the oracle %s",
				     t[i].src, t[i].sport, kind[k],
				     want[k] ? want[k] : "none", g);
			}
		}
	}
}

struct vlan_variant {
	int n;
	uint16_t tpid[PKT_MAX_VLAN];
};

static const struct vlan_variant vlans[] = {
	{ 0, { 0 } },
	{ 1, { 0x8100 } },
	{ 1, { 0x88a8 } },
	{ 2, { 0x88a8, 0x8100 } },
	{ 2, { 0x8100, 0x8100 } },
};
#define N_VLANS (sizeof(vlans) / sizeof(vlans[0]))

struct ip6_variant {
	int n;
	uint8_t ext[PKT_MAX_IP6_EXT];
	enum pkt_frag frag;
	int too_deep; /* more than XDPFW_IP6_EXT_MAX headers */
};

static const struct ip6_variant ip6v[] = {
	{ 0, { 0 }, PKT_FRAG_NONE, 0 },
	{ 1, { IPPROTO_HOPOPTS }, PKT_FRAG_NONE, 0 },
	{ 2, { IPPROTO_ROUTING, IPPROTO_DSTOPTS }, PKT_FRAG_NONE, 0 },
	{ 1, { IPPROTO_AH }, PKT_FRAG_NONE, 0 },
	{ 2, { IPPROTO_HOPOPTS, IPPROTO_AH }, PKT_FRAG_NONE, 0 },
	/* atomic fragment (offset 0, M 0): carries its L4 header */
	{ 1, { IPPROTO_FRAGMENT }, PKT_FRAG_NONE, 0 },
	{ 1, { IPPROTO_FRAGMENT }, PKT_FRAG_FIRST, 0 },
	{ 1, { IPPROTO_FRAGMENT }, PKT_FRAG_NONFIRST, 0 },
	{ 3, { IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, IPPROTO_DSTOPTS },
	  PKT_FRAG_FIRST, 0 },
	{ 3, { IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, IPPROTO_DSTOPTS },
	  PKT_FRAG_NONFIRST, 0 },
	/* the most the program walks */
	{ 6, { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
	       IPPROTO_FRAGMENT, IPPROTO_DSTOPTS },
	  PKT_FRAG_FIRST, 0 },
	{ 6, { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
	       IPPROTO_AH, IPPROTO_DSTOPTS },
	  PKT_FRAG_NONE, 0 },
	/* one more: the source is known, the L4 header is not looked for */
	{ 7, { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
	       IPPROTO_DSTOPTS, IPPROTO_AH, IPPROTO_DSTOPTS },
	  PKT_FRAG_NONE, 1 },
	{ 8, { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_AH,
	       IPPROTO_DSTOPTS, IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT },
	  PKT_FRAG_FIRST, 1 },
};
#define N_IP6V (sizeof(ip6v) / sizeof(ip6v[0]))

static const int ip4_opts[] = { 0, 4, 40 };
static const enum pkt_frag ip4_frags[] = { PKT_FRAG_NONE, PKT_FRAG_FIRST,
					   PKT_FRAG_NONFIRST };

static void run_target(const struct target *t, uint8_t proto,
		       const struct pkt_spec *s0, int has_l4, int too_deep)
{
	char desc[DESC_MAX];
	const char *want;
	int reason = 0;

	if (proto == IPPROTO_TCP && has_l4)
		want = t->r_tcp;
	else if (proto == IPPROTO_UDP && has_l4)
		want = t->r_udp;
	else
		want = t->r_addr;
	if (too_deep)
		reason = XDPFW_T_IP6_EXT_DEPTH;
	describe(desc, sizeof(desc), s0, NULL);
	run_spec(desc, s0, want, reason);
}

void test_matrix(const struct target *tg, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &tg[i];
		uint8_t protos[3] = { IPPROTO_TCP, IPPROTO_UDP,
				      t->family == 4 ? IPPROTO_ICMP :
						       IPPROTO_ICMPV6 };

		for (int p = 0; p < 3; p++) {
			for (size_t v = 0; v < N_VLANS; v++) {
				struct pkt_spec s = spec(t->family, t->src,
							 protos[p], t->sport);

				s.n_vlan = vlans[v].n;
				memcpy(s.vlan_tpid, vlans[v].tpid,
				       sizeof(s.vlan_tpid));
				if (t->family == 4) {
					for (size_t o = 0; o < 3; o++) {
						for (size_t f = 0; f < 3; f++) {
							s.ip4_opt_len = ip4_opts[o];
							s.frag = ip4_frags[f];
							run_target(t, protos[p], &s,
								   s.frag != PKT_FRAG_NONFIRST,
								   0);
						}
					}
					continue;
				}
				for (size_t e = 0; e < N_IP6V; e++) {
					s.n_ip6_ext = ip6v[e].n;
					memcpy(s.ip6_ext, ip6v[e].ext,
					       sizeof(s.ip6_ext));
					s.frag = ip6v[e].frag;
					run_target(t, protos[p], &s,
						   s.frag != PKT_FRAG_NONFIRST &&
							   !ip6v[e].too_deep,
						   ip6v[e].too_deep);
				}
			}
			/* Three tags: not parsed, passed whatever the rules. */
			{
				struct pkt_spec s = spec(t->family, t->src,
							 protos[p], t->sport);
				char desc[DESC_MAX];

				s.n_vlan = 3;
				s.vlan_tpid[0] = 0x88a8;
				s.vlan_tpid[1] = 0x8100;
				s.vlan_tpid[2] = 0x8100;
				describe(desc, sizeof(desc), &s, NULL);
				run_spec(desc, &s, NULL, XDPFW_T_VLAN_DEPTH);
			}
		}
	}
}

/* ---- truncation: every length of a frame ---- */

struct layout {
	size_t l3;          /* start of the IP header */
	size_t src_end;     /* end of the fixed IP header (source known) */
	size_t hdr_end[12]; /* ends of IPv4 options / each extension header */
	int n_hdr;
	int too_deep;       /* more extension headers than the program walks */
	int nonfirst;       /* no L4 header in the frame */
	size_t l4_end;      /* end of the TCP/UDP header, 0: not TCP/UDP */
};

static void layout_of(const struct pkt_spec *s, struct layout *L)
{
	size_t pos;

	memset(L, 0, sizeof(*L));
	L->l3 = 14 + 4 * (size_t)s->n_vlan;
	L->nonfirst = s->frag == PKT_FRAG_NONFIRST;
	if (s->family == 4) {
		L->src_end = L->l3 + 20;
		pos = L->src_end + (size_t)s->ip4_opt_len;
		L->hdr_end[L->n_hdr++] = pos; /* options: part of the header */
	} else {
		int has_frag = 0, n = s->n_ip6_ext;
		uint8_t chain[PKT_MAX_IP6_EXT + 1];

		memcpy(chain, s->ip6_ext, (size_t)n);
		for (int i = 0; i < n; i++)
			has_frag |= chain[i] == IPPROTO_FRAGMENT;
		if (s->frag != PKT_FRAG_NONE && !has_frag)
			chain[n++] = IPPROTO_FRAGMENT;
		L->src_end = L->l3 + 40;
		pos = L->src_end;
		for (int i = 0; i < n; i++) {
			if (i == XDPFW_IP6_EXT_MAX) {
				L->too_deep = 1;
				break;
			}
			pos += chain[i] == IPPROTO_AH ? 24 : 8;
			L->hdr_end[L->n_hdr++] = pos;
			if (chain[i] == IPPROTO_FRAGMENT && L->nonfirst)
				break;
		}
	}
	if (s->l4proto == IPPROTO_TCP)
		L->l4_end = pos + 20;
	else if (s->l4proto == IPPROTO_UDP)
		L->l4_end = pos + 8;
}

/*
 * Expected outcome of s truncated to n bytes (the header documentation of
 * enum xdpfw_total): the reason is that of the first incomplete header; the
 * source address is known once the fixed IP header is complete, and from
 * then on address entries apply; port entries need the whole TCP/UDP header.
 */
static const struct xdpfw_rule *expect_trunc(const struct pkt_spec *s,
					     const struct layout *L, size_t n,
					     int *reason)
{
	uint8_t src[16];
	int has_l4 = 0;

	*reason = 0;
	if (n < 14) {
		*reason = XDPFW_T_BAD_ETH;
		return NULL;
	}
	for (int i = 0; i < s->n_vlan && i < 2; i++) {
		if (n < 14 + 4 * (size_t)(i + 1)) {
			*reason = XDPFW_T_BAD_VLAN;
			return NULL;
		}
	}
	if (s->n_vlan > 2) {
		*reason = XDPFW_T_VLAN_DEPTH;
		return NULL;
	}
	if (n < L->src_end) {
		*reason = s->family == 4 ? XDPFW_T_BAD_IP4 : XDPFW_T_BAD_IP6;
		return NULL;
	}
	spec_src(s, src);
	for (int i = 0; i < L->n_hdr; i++) {
		if (n < L->hdr_end[i]) {
			*reason = s->family == 4 ? XDPFW_T_BAD_IP4 :
						   XDPFW_T_BAD_IP6_EXT;
			goto addr_only;
		}
	}
	if (L->too_deep) {
		*reason = XDPFW_T_IP6_EXT_DEPTH;
		goto addr_only;
	}
	if (L->nonfirst || !L->l4_end)
		goto addr_only;
	if (n < L->l4_end) {
		*reason = XDPFW_T_BAD_L4;
		goto addr_only;
	}
	has_l4 = 1;
addr_only:
	return oracle(s->family, src, has_l4, s->l4proto, s->sport);
}

void sweep(const struct pkt_spec *s)
{
	uint8_t frame[FRAME_MAX];
	char desc[DESC_MAX], extra[64];
	struct layout L;
	int full = pkt_build(s, frame, sizeof(frame));

	if (full < 0) {
		xr_checks++;
		fail("test bug: sweep: pkt_build: %s", strerror(-full));
		return;
	}
	layout_of(s, &L);
	xr_checks++;
	if ((L.l4_end && !L.nonfirst && !L.too_deep &&
	     L.l4_end + s->payload_len != (size_t)full))
		fail("test bug: layout of a %d-byte frame ends its L4 header at %zu",
		     full, L.l4_end);
	for (size_t n = 0; n <= (size_t)full; n++) {
		const struct xdpfw_rule *want;
		int reason;

		want = expect_trunc(s, &L, n, &reason);
		snprintf(extra, sizeof(extra), "truncated to %zu of %d", n, full);
		describe(desc, sizeof(desc), s, extra);
		run_frame(desc, frame, n, want, reason);
	}
}


void test_targets_light(const struct target *tg, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &tg[i];
		uint8_t protos[3] = { IPPROTO_TCP, IPPROTO_UDP,
				      t->family == 4 ? IPPROTO_ICMP :
						       IPPROTO_ICMPV6 };

		for (int p = 0; p < 3; p++) {
			for (int v = 0; v < 2; v++) {
				struct pkt_spec s = spec(t->family, t->src,
							 protos[p], t->sport);

				s.n_vlan = v;
				run_target(t, protos[p], &s, 1, 0);
				/* non-first fragment: address entries only */
				s.frag = PKT_FRAG_NONFIRST;
				run_target(t, protos[p], &s, 0, 0);
			}
		}
	}
}

