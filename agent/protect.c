// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lock-out guard: the addresses `protect` names, resolved in the
 * network namespace of the caller (README "Protected addresses").
 *
 *   ssh-peers  remote ends of established TCP connections to local port 22
 *              (sock_diag; /proc/net/tcp, /proc/net/tcp6 under a test's
 *              root or where sock_diag is refused)
 *   resolvers  "nameserver" lines of /etc/resolv.conf
 *   gateways   next hops of the default routes (/proc/net/route,
 *              /proc/net/ipv6_route)
 *   literals   addresses and prefixes written in `protect`
 *
 * Only reads; a source that cannot be read adds nothing (and says so).
 */
#include "protect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grow.h"
#include "rules.h"

#define TCP_ESTABLISHED_ 1
#define SSH_PORT 22
#define RTF_GATEWAY_ 0x0002

static const char *const kind_name[] = {
	[XDPFW_PROTECT_NONE] = "none",
	[XDPFW_PROTECT_SSH_PEERS] = "ssh-peers",
	[XDPFW_PROTECT_RESOLVERS] = "resolvers",
	[XDPFW_PROTECT_GATEWAYS] = "gateways",
	[XDPFW_PROTECT_LITERAL] = "literal",
};

const char *protect_kind_name(unsigned kind)
{
	return kind < sizeof(kind_name) / sizeof(kind_name[0]) ?
		       kind_name[kind] : "?";
}

unsigned protect_kind_of(const struct xdpfw_rule *r)
{
	return (r->flags & XDPFW_RULE_PROTECT_MASK) >> XDPFW_RULE_PROTECT_SHIFT;
}

void protect_set_free(struct protect_set *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

/* Add a host (or a literal prefix) once: the first keyword that names an
 * address keeps it. */
static int push(struct protect_set *ps, const struct xdpfw_rule *addr,
		unsigned kind)
{
	struct xdpfw_rule r = *addr, *v;

	r.flags = (uint8_t)(XDPFW_RULE_EXCEPT |
			    kind << XDPFW_RULE_PROTECT_SHIFT);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].family == r.family &&
		    ps->v[i].prefixlen == r.prefixlen &&
		    !memcmp(ps->v[i].addr, r.addr, sizeof(r.addr)))
			return 0;
	if (ps->n == PROTECT_MAX)
		return 0;
	v = grow(ps->v, &ps->cap, ps->n + 1, sizeof(*v), 8);
	if (!v)
		return -ENOMEM;
	ps->v = v;
	ps->v[ps->n++] = r;
	return 0;
}

static void host(struct xdpfw_rule *r, int family, const void *addr)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->prefixlen = family == XDPFW_FAMILY_V4 ? 32 : 128;
	memcpy(r->addr, addr, family == XDPFW_FAMILY_V4 ? 4 : 16);
}

/* "0100007F" (the kernel prints each 32-bit word of the address as it lies
 * in memory) into network-order bytes. */
static int hex_words(const char *s, size_t words, uint8_t *out)
{
	for (size_t w = 0; w < words; w++) {
		char buf[9];
		char *end;
		uint32_t v;

		memcpy(buf, s + 8 * w, 8);
		buf[8] = '\0';
		v = (uint32_t)strtoul(buf, &end, 16);
		if (*end)
			return -EINVAL;
		memcpy(out + 4 * w, &v, 4);
	}
	return 0;
}

static FILE *open_at(const char *root, const char *path)
{
	char full[4096];

	if ((size_t)snprintf(full, sizeof(full), "%s%s", root, path) >=
	    sizeof(full))
		return NULL;
	return fopen(full, "re");
}

/* Established connections to local port 22: their remote addresses. */
static int ssh_peers(struct protect_set *ps, const char *root, int v6)
{
	size_t words = v6 ? 4 : 1, alen = 8 * words;
	FILE *f = open_at(root, v6 ? "/proc/net/tcp6" : "/proc/net/tcp");
	char line[512];
	int err = 0;

	if (!f)
		return 0;
	while (!err && fgets(line, sizeof(line), f)) {
		char local[33], remote[33];
		unsigned lport, rport, state;
		uint8_t a[16];
		struct xdpfw_rule r;

		if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %32[0-9A-Fa-f]:%x %x",
			   local, &lport, remote, &rport, &state) != 5 ||
		    strlen(remote) != alen || state != TCP_ESTABLISHED_ ||
		    lport != SSH_PORT || hex_words(remote, words, a))
			continue;
		host(&r, v6 ? XDPFW_FAMILY_V6 : XDPFW_FAMILY_V4, a);
		err = push(ps, &r, XDPFW_PROTECT_SSH_PEERS);
	}
	fclose(f);
	return err;
}

/* NLMSG_OK without comparing the header's u32 with an int (clang's
 * -Wsign-compare): len is checked positive first. */
static int msg_ok(const struct nlmsghdr *h, int len)
{
	return len >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
	       h->nlmsg_len <= (unsigned int)len;
}

/* The peers of the answer's messages in buf[0..n); 1 at its end (DONE),
 * 0 more to read, -errno. */
static int diag_msgs(struct protect_set *ps, int v6, const void *buf,
		     size_t n)
{
	const struct nlmsghdr *h = buf;
	int len = (int)n;

	for (; msg_ok(h, len); h = NLMSG_NEXT(h, len)) {
		const struct inet_diag_msg *m = NLMSG_DATA(h);
		struct xdpfw_rule r;
		int err;

		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR)
			return -EPROTO;
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
		    m->idiag_state != TCP_ESTABLISHED_ ||
		    ntohs(m->id.idiag_sport) != SSH_PORT)
			continue;
		host(&r, v6 ? XDPFW_FAMILY_V6 : XDPFW_FAMILY_V4, m->id.idiag_dst);
		err = push(ps, &r, XDPFW_PROTECT_SSH_PEERS);
		if (err)
			return err;
	}
	return 0;
}

/* The same, asked of sock_diag: reading /proc/net/tcp walks the whole
 * established hash on every read (~5 ms a reload on the bench VM, more
 * with 2 files); a dump of the established sockets walks it once.
 * -errno when sock_diag cannot answer (the caller reads /proc). */
static int ssh_peers_diag(struct protect_set *ps, int v6)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req),
			 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = v6 ? AF_INET6 : AF_INET,
		       .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = 1u << TCP_ESTABLISHED_ },
	};
	enum { BUF = 32768 }; /* a dump's messages come in up to 16 KiB */
	long *buf = malloc(BUF);
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int r = 0;

	if (fd < 0 || !buf) {
		r = fd < 0 ? -errno : -ENOMEM;
		if (fd >= 0)
			close(fd);
		free(buf);
		return r == -ENOMEM ? -EAGAIN : r;
	}
	if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		r = -errno;
	while (!r) {
		ssize_t n = recv(fd, buf, BUF, 0);

		if (n <= 0)
			r = n ? -errno : -EPROTO;
		else
			r = diag_msgs(ps, v6, buf, (size_t)n);
	}
	close(fd);
	free(buf);
	return r < 0 ? r : 0;
}

/* "nameserver ADDR" (an IPv6 zone id is dropped). */
static int resolvers(struct protect_set *ps, const char *root)
{
	FILE *f = open_at(root, "/etc/resolv.conf");
	char line[512];
	int err = 0;

	if (!f)
		return 0;
	while (!err && fgets(line, sizeof(line), f)) {
		char addr[INET6_ADDRSTRLEN + 32], *pct;
		uint8_t a[16];
		struct xdpfw_rule r;

		if (sscanf(line, " nameserver %69s", addr) != 1)
			continue;
		pct = strchr(addr, '%');
		if (pct)
			*pct = '\0';
		if (inet_pton(AF_INET, addr, a) == 1)
			host(&r, XDPFW_FAMILY_V4, a);
		else if (inet_pton(AF_INET6, addr, a) == 1)
			host(&r, XDPFW_FAMILY_V6, a);
		else
			continue;
		err = push(ps, &r, XDPFW_PROTECT_RESOLVERS);
	}
	fclose(f);
	return err;
}

static int gateways4(struct protect_set *ps, const char *root)
{
	FILE *f = open_at(root, "/proc/net/route");
	char line[512];
	int err = 0;

	if (!f)
		return 0;
	while (!err && fgets(line, sizeof(line), f)) {
		char dst[9], gw[9], mask[9];
		unsigned flags;
		uint8_t a[4];
		struct xdpfw_rule r;

		if (sscanf(line, "%*s %8[0-9A-Fa-f] %8[0-9A-Fa-f] %x %*d %*d %*d "
				 "%8[0-9A-Fa-f]", dst, gw, &flags, mask) != 4 ||
		    strcmp(dst, "00000000") || strcmp(mask, "00000000") ||
		    !(flags & RTF_GATEWAY_) || strlen(gw) != 8 ||
		    hex_words(gw, 1, a) || !memcmp(a, "\0\0\0\0", 4))
			continue;
		host(&r, XDPFW_FAMILY_V4, a);
		err = push(ps, &r, XDPFW_PROTECT_GATEWAYS);
	}
	fclose(f);
	return err;
}

/* /proc/net/ipv6_route: dst plen src plen nexthop ...; all in plain hex
 * bytes (not words). */
static int hex_bytes(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int gateways6(struct protect_set *ps, const char *root)
{
	static const uint8_t zero[16];
	FILE *f = open_at(root, "/proc/net/ipv6_route");
	char line[512];
	int err = 0;

	if (!f)
		return 0;
	while (!err && fgets(line, sizeof(line), f)) {
		char dst[33], nh[33];
		unsigned plen;
		uint8_t d[16], a[16];
		struct xdpfw_rule r;

		if (sscanf(line, "%32[0-9a-fA-F] %x %*32[0-9a-fA-F] %*x "
				 "%32[0-9a-fA-F]", dst, &plen, nh) != 3 ||
		    plen != 0 || strlen(dst) != 32 || strlen(nh) != 32 ||
		    hex_bytes(dst, d, 16) || hex_bytes(nh, a, 16) ||
		    memcmp(d, zero, 16) || !memcmp(a, zero, 16))
			continue;
		host(&r, XDPFW_FAMILY_V6, a);
		err = push(ps, &r, XDPFW_PROTECT_GATEWAYS);
	}
	fclose(f);
	return err;
}

/* Both families: from sock_diag on the live system, else (a test's root,
 * or sock_diag refused: no inet_diag, a filter) from /proc. */
static int ssh_peers_all(struct protect_set *ps, const char *root)
{
	size_t n0 = ps->n;
	int err;

	if (!*root) {
		err = ssh_peers_diag(ps, 0);
		if (!err)
			err = ssh_peers_diag(ps, 1);
		if (!err || err == -ENOMEM)
			return err;
		ps->n = n0; /* what sock_diag gave is read again */
	}
	err = ssh_peers(ps, root, 0);
	return err ? err : ssh_peers(ps, root, 1);
}

int protect_resolve(const struct protect_conf *pc, const char *root,
		    struct protect_set *out)
{
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!root)
		root = "";
	if (pc->kinds & PROTECT_BIT(XDPFW_PROTECT_SSH_PEERS))
		err = ssh_peers_all(out, root);
	if (!err && (pc->kinds & PROTECT_BIT(XDPFW_PROTECT_RESOLVERS)))
		err = resolvers(out, root);
	if (!err && (pc->kinds & PROTECT_BIT(XDPFW_PROTECT_GATEWAYS))) {
		err = gateways4(out, root);
		if (!err)
			err = gateways6(out, root);
	}
	for (size_t i = 0; !err && i < pc->n_addrs; i++)
		err = push(out, &pc->addrs[i], XDPFW_PROTECT_LITERAL);
	if (err)
		protect_set_free(out);
	return err;
}

static int add_keyword(struct protect_conf *pc, const char *w, size_t n)
{
	for (unsigned k = XDPFW_PROTECT_SSH_PEERS; k < XDPFW_PROTECT_LITERAL; k++)
		if (strlen(kind_name[k]) == n && !memcmp(w, kind_name[k], n)) {
			pc->kinds |= PROTECT_BIT(k);
			return 1;
		}
	return 0;
}

static int add_literal(struct protect_conf *pc, const char *w, size_t n,
		       char *why, size_t whylen)
{
	char err[256];
	struct xdpfw_rule r, *v;
	uint32_t col;

	if (rule_parse(w, n, &r, err, sizeof(err), &col)) {
		snprintf(why, whylen, "\"%.*s\" is neither ssh-peers, resolvers, "
			 "gateways, none nor an address or prefix (%s)",
			 (int)(n > 60 ? 60 : n), w, err);
		return -EINVAL;
	}
	if (r.port || r.flags) {
		snprintf(why, whylen, "\"%.*s\": protect takes addresses and "
			 "prefixes, without a port or \"!\"", (int)(n > 60 ? 60 : n),
			 w);
		return -EINVAL;
	}
	if (pc->n_addrs == PROTECT_MAX) {
		snprintf(why, whylen, "more than %d addresses", PROTECT_MAX);
		return -EINVAL;
	}
	v = realloc(pc->addrs, (pc->n_addrs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	pc->addrs = v;
	pc->addrs[pc->n_addrs++] = r;
	return 0;
}

int protect_parse(const char *value, struct protect_conf *pc, char *why,
		  size_t whylen)
{
	struct protect_conf next = { 0 };
	const char *p = value;
	int none = 0, words = 0, err = 0;

	while (!err && *p) {
		size_t n = strcspn(p, " \t,");

		if (!n) {
			p++;
			continue;
		}
		words++;
		if (n == 4 && !memcmp(p, "none", 4))
			none = 1;
		else if (!add_keyword(&next, p, n))
			err = add_literal(&next, p, n, why, whylen);
		p += n;
	}
	if (!err && none && words > 1) {
		snprintf(why, whylen, "none turns the guard off and cannot be "
			 "combined with other values");
		err = -EINVAL;
	}
	if (!err && !words) {
		snprintf(why, whylen, "expected keywords (ssh-peers resolvers "
			 "gateways), addresses, or none");
		err = -EINVAL;
	}
	if (err) {
		protect_conf_free(&next);
		return err;
	}
	protect_conf_free(pc);
	*pc = next;
	return 0;
}

void protect_conf_default(struct protect_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->kinds = PROTECT_BIT(XDPFW_PROTECT_SSH_PEERS) |
		    PROTECT_BIT(XDPFW_PROTECT_RESOLVERS) |
		    PROTECT_BIT(XDPFW_PROTECT_GATEWAYS);
}

void protect_conf_free(struct protect_conf *pc)
{
	free(pc->addrs);
	memset(pc, 0, sizeof(*pc));
}

int protect_covers(const struct xdpfw_rule *r, const struct xdpfw_rule *p)
{
	unsigned bits = r->prefixlen, i;

	if (r->family != p->family || r->prefixlen > p->prefixlen)
		return 0;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (r->addr[i] != p->addr[i])
			return 0;
	return !bits ||
	       !((r->addr[i] ^ p->addr[i]) & (uint8_t)(0xff << (8 - bits)));
}
