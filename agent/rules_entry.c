// SPDX-License-Identifier: GPL-2.0-only
/*
 * One entry of the rules file (README.md, "The rules file"): rule_parse().
 *
 * A hand-written scanner over a (pointer, length) slice: no copies of the
 * text, no allocation, no sscanf.  IPv6 addresses of hex groups are read
 * here (rule_v6_hex(), held to inet_pton() by test-rules-short); only the
 * others go through inet_pton(), after their character set has been
 * checked here.  An entry
 * is first parsed for syntax, left to right; only a well-formed entry is
 * then checked for meaning (IPv4-mapped, dotted quad inside IPv6, host
 * bits below the prefix), so that every message can show the entry in
 * canonical form.  Columns are 1-based byte offsets into the entry.
 */
#include "rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define FOUND_MAX 40         /* bytes of offending text quoted in a message */
#define QUOTE_MAX (FOUND_MAX * 4 + 8)
#define V6_TEXT_MAX 45       /* INET6_ADDRSTRLEN - 1 */

/* ---- error reporting -------------------------------------------------- */

struct perr {
	char *buf;
	size_t len;
	uint32_t *col;
};

static int __attribute__((format(printf, 3, 4)))
fail(struct perr *pe, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (pe->col)
		*pe->col = (uint32_t)at + 1;
	if (pe->buf && pe->len) {
		va_start(ap, fmt);
		vsnprintf(pe->buf, pe->len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The offending text for a message: "..." with control and non-ASCII bytes
 * escaped and long text cut, or the word nothing. */
static const char *quote(char *dst, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t lim = n > FOUND_MAX ? FOUND_MAX : n;
	char *p = dst;

	if (!n)
		return "nothing";
	*p++ = '"';
	for (size_t i = 0; i < lim; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			*p++ = '\\';
			*p++ = (char)ch;
		} else if (ch == '\t') {
			*p++ = '\\';
			*p++ = 't';
		} else if (ch == '\r') {
			*p++ = '\\';
			*p++ = 'r';
		} else if (ch < 0x20 || ch >= 0x7f) {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		} else {
			*p++ = (char)ch;
		}
	}
	if (lim < n) {
		memcpy(p, "...", 3);
		p += 3;
	}
	*p++ = '"';
	*p = '\0';
	return dst;
}

/* ---- lexical helpers -------------------------------------------------- */

static inline bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static inline bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static inline int hex_val(char ch)
{
	if (is_digit(ch))
		return ch - '0';
	ch = (char)(ch | 0x20);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

enum {
	STOP_SLASH = 1u << 0,
	STOP_COLON = 1u << 1,
	STOP_RBRACKET = 1u << 2,
};

/* End of the token that starts at pos: the first blank or stop byte. */
static size_t tok_end(const char *s, size_t len, size_t pos, unsigned stops)
{
	for (; pos < len; pos++) {
		char ch = s[pos];

		if (is_blank(ch) || (ch == '/' && (stops & STOP_SLASH)) ||
		    (ch == ':' && (stops & STOP_COLON)) ||
		    (ch == ']' && (stops & STOP_RBRACKET)))
			break;
	}
	return pos;
}

enum { DEC_OK, DEC_BAD, DEC_LEADING_ZERO };

/* Strict decimal: digits only, no sign, no leading zero except "0".  The
 * value saturates at 1000000 (beyond every range checked here). */
static int parse_dec(const char *s, size_t n, uint32_t *val)
{
	uint32_t v = 0;

	if (!n)
		return DEC_BAD;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return DEC_BAD;
		v = v < 1000000 ? v * 10 + (uint32_t)(s[i] - '0') : 1000000;
	}
	if (n > 1 && s[0] == '0')
		return DEC_LEADING_ZERO;
	*val = v;
	return DEC_OK;
}

/* IPPROTO_TCP, IPPROTO_UDP (any case), or 0. */
static uint8_t match_proto(const char *s, size_t n)
{
	if (n != 3)
		return 0;
	if ((s[0] | 0x20) == 't' && (s[1] | 0x20) == 'c' && (s[2] | 0x20) == 'p')
		return IPPROTO_TCP;
	if ((s[0] | 0x20) == 'u' && (s[1] | 0x20) == 'd' && (s[2] | 0x20) == 'p')
		return IPPROTO_UDP;
	return 0;
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

/* ---- addresses -------------------------------------------------------- */

enum { V4_OK, V4_BAD, V4_LEADING_ZERO, V4_RANGE };

/* Exactly four dotted decimal octets 0..255, no leading zeros. */
static int parse_v4(const char *s, size_t n, uint8_t out[4])
{
	bool lz = false, range = false;
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		size_t start;
		uint32_t v = 0;

		if (k) {
			if (i >= n || s[i] != '.')
				return V4_BAD;
			i++;
		}
		start = i;
		while (i < n && is_digit(s[i])) {
			v = v < 1000 ? v * 10 + (uint32_t)(s[i] - '0') : 1000;
			i++;
		}
		if (i == start)
			return V4_BAD;
		if (i - start > 1 && s[start] == '0')
			lz = true;
		if (v > 255)
			range = true;
		out[k] = (uint8_t)v;
	}
	if (i != n)
		return V4_BAD;
	if (lz)
		return V4_LEADING_ZERO;
	return range ? V4_RANGE : V4_OK;
}

enum { V6_OK, V6_BAD, V6_ZONE };

/* inet_pton(AF_INET6)'s grammar without the dotted quad: 1..4 hex digits
 * a group, 8 groups, or fewer and one "::" standing for at least one. */
bool rule_v6_hex(const char *s, size_t n, uint8_t out[16])
{
	uint16_t g[8];
	int ng = 0, gap = -1;
	size_t i = 0;

	if (n < 2 || n > 39)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		gap = 0;
		i = 2;
	}
	while (i < n) {
		size_t start = i;
		uint32_t v = 0;
		int d;

		for (; i < n && (d = hex_val(s[i])) >= 0; i++)
			v = v << 4 | (uint32_t)d;
		if (i == start || i - start > 4 || ng == 8)
			return false;
		g[ng++] = (uint16_t)v;
		if (i == n)
			break;
		if (s[i++] != ':' || i == n)
			return false;
		if (s[i] == ':') {
			if (gap >= 0)
				return false;
			gap = ng;
			i++;
		}
	}
	if (gap < 0 ? ng != 8 : ng > 7)
		return false;
	memset(out, 0, 16);
	for (int k = 0; k < ng; k++) {
		int at = gap < 0 || k < gap ? k : 8 - ng + k;

		out[2 * at] = (uint8_t)(g[k] >> 8);
		out[2 * at + 1] = (uint8_t)g[k];
	}
	return true;
}

/* An IPv6 address: [0-9a-fA-F:.] only, then inet_pton().  *dotted tells
 * whether the text holds an embedded dotted quad. */
static int parse_v6(const char *s, size_t n, uint8_t out[16], bool *dotted)
{
	char buf[V6_TEXT_MAX + 1];
	const char *pct;
	bool dot = false;

	*dotted = false;
	if (rule_v6_hex(s, n, out))
		return V6_OK;
	pct = memchr(s, '%', n);
	if (pct) {
		bool d;

		return parse_v6(s, (size_t)(pct - s), out, &d) == V6_OK ?
			       V6_ZONE : V6_BAD;
	}
	if (!n || n > V6_TEXT_MAX)
		return V6_BAD;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			dot = true;
		else if (s[i] != ':' && hex_val(s[i]) < 0)
			return V6_BAD;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, out) != 1)
		return V6_BAD;
	*dotted = dot;
	return V6_OK;
}

/* ---- the parts of an entry -------------------------------------------- */

static int parse_prefix(const char *s, size_t b, size_t e, unsigned max,
			struct xdpfw_rule *r, struct perr *pe)
{
	char q[QUOTE_MAX];
	uint32_t v = 0;

	switch (parse_dec(s + b, e - b, &v)) {
	case DEC_BAD:
		return fail(pe, b,
			    "expected a prefix length (0..%u) after \"/\", found %s",
			    max, quote(q, s + b, e - b));
	case DEC_LEADING_ZERO:
		return fail(pe, b,
			    "leading zero in prefix length is ambiguous, found %s",
			    quote(q, s + b, e - b));
	}
	if (v > max)
		return fail(pe, b, "prefix length must be 0..%u for IPv%c, found %s",
			    max, max == 32 ? '4' : '6', quote(q, s + b, e - b));
	r->prefixlen = (uint8_t)v;
	return 0;
}

/* ":PORT[/PROTO]" at *pos (which holds the ':'). */
static int parse_port_proto(const char *s, size_t len, size_t *pos,
			    struct xdpfw_rule *r, struct perr *pe)
{
	size_t b = *pos + 1, e = tok_end(s, len, b, STOP_SLASH | STOP_COLON);
	char q[QUOTE_MAX];
	uint32_t v = 0;

	switch (parse_dec(s + b, e - b, &v)) {
	case DEC_BAD:
		return fail(pe, b,
			    "expected a port number (1..65535) after \":\", found %s",
			    quote(q, s + b, e - b));
	case DEC_LEADING_ZERO:
		return fail(pe, b, "leading zero in port is ambiguous, found %s",
			    quote(q, s + b, e - b));
	}
	if (v < 1 || v > 65535)
		return fail(pe, b, "port must be 1..65535, found %s",
			    quote(q, s + b, e - b));
	r->port = (uint16_t)v;
	if (e < len && s[e] == '/') {
		b = e + 1;
		e = tok_end(s, len, b, 0);
		r->proto = match_proto(s + b, e - b);
		if (!r->proto)
			return fail(pe, b,
				    "expected \"tcp\" or \"udp\" after \"/\", found %s",
				    quote(q, s + b, e - b));
	}
	*pos = e;
	return 0;
}

/* Canonical ":PORT[/proto]" of the text at pos, when it is exactly that up
 * to the end of the entry; for hints. */
static bool port_suffix(const char *s, size_t len, size_t pos, char *out,
			size_t outlen)
{
	struct xdpfw_rule r = { 0 };
	struct perr quiet = { 0 };

	if (pos >= len || s[pos] != ':' ||
	    parse_port_proto(s, len, &pos, &r, &quiet) || pos != len)
		return false;
	snprintf(out, outlen, ":%u%s%s", r.port, r.proto ? "/" : "",
		 r.proto ? proto_name(r.proto) : "");
	return true;
}

static int proto_needs_port(struct perr *pe, size_t at, uint8_t proto,
			    bool v6)
{
	return fail(pe, at, "protocol needs a port: write %s:PORT/%s",
		    v6 ? "[ADDRESS]" : "ADDRESS", proto_name(proto));
}

/* Nothing but blanks may follow an entry. */
static int finish(const char *s, size_t len, size_t pos, struct perr *pe)
{
	char q[QUOTE_MAX];

	while (pos < len && is_blank(s[pos]))
		pos++;
	if (pos < len)
		return fail(pe, pos, "unexpected text after entry: %s",
			    quote(q, s + pos, len - pos));
	return 0;
}

/* After "ADDRESS/PREFIX": a "/tcp" means a forgotten port. */
static int after_prefix_slash(const char *s, size_t len, size_t pos,
			      bool v6, struct perr *pe)
{
	size_t e = tok_end(s, len, pos + 1, 0);
	uint8_t proto = match_proto(s + pos + 1, e - pos - 1);

	if (proto)
		return proto_needs_port(pe, pos + 1, proto, v6);
	return finish(s, len, pos, pe);
}

/* ---- meaning checks, once an entry is well-formed ----------------------- */

static bool is_v4_mapped(const struct xdpfw_rule *r)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return r->family == XDPFW_FAMILY_V6 && r->prefixlen >= 96 &&
	       memcmp(r->addr, pfx, sizeof(pfx)) == 0;
}

/* Copy of r with the bits below the prefix cleared; true if that changed
 * anything. */
static bool mask_host_bits(const struct xdpfw_rule *r, struct xdpfw_rule *m)
{
	unsigned nbytes = r->family == XDPFW_FAMILY_V4 ? 4 : 16;
	unsigned plen = r->prefixlen;

	*m = *r;
	for (unsigned i = 0; i < nbytes; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		m->addr[i] &= (uint8_t)(0xff00u >> plen);
		plen = 0;
	}
	return memcmp(m->addr, r->addr, nbytes) != 0;
}

static int check_meaning(const struct xdpfw_rule *r, bool dotted, size_t at,
			 struct perr *pe)
{
	char a[RULE_FMT_MAX], b[RULE_FMT_MAX];
	struct xdpfw_rule m;

	if (is_v4_mapped(r)) {
		memset(&m, 0, sizeof(m));
		m.family = XDPFW_FAMILY_V4;
		m.prefixlen = (uint8_t)(r->prefixlen - 96);
		m.proto = r->proto;
		m.port = r->port;
		memcpy(m.addr, r->addr + 12, 4);
		rule_format(&m, a, sizeof(a));
		return fail(pe, at,
			    "IPv4-mapped IPv6 address: write the plain IPv4 address instead: %s",
			    a);
	}
	if (dotted) {
		rule_format(r, a, sizeof(a));
		return fail(pe, at,
			    "embedded IPv4 dotted quad in an IPv6 address: write it in hex as %s",
			    a);
	}
	if (mask_host_bits(r, &m)) {
		rule_format(r, a, sizeof(a));
		rule_format(&m, b, sizeof(b));
		return fail(pe, at, "host bits set below /%u: %s (did you mean %s?)",
			    r->prefixlen, a, b);
	}
	return 0;
}

/* ---- the three forms of an entry ---------------------------------------- */

/* ADDRESS [/PREFIX] [:PORT[/PROTO]]; the address is s[0, ae). */
static int parse_entry_v4(const char *s, size_t len, size_t ae,
			  struct xdpfw_rule *r, struct perr *pe)
{
	char q[QUOTE_MAX];
	size_t pos = ae;
	int err;

	switch (parse_v4(s, ae, r->addr)) {
	case V4_OK:
		break;
	case V4_LEADING_ZERO:
		return fail(pe, 0,
			    "leading zero in IPv4 address is ambiguous (octal or decimal?), found %s",
			    quote(q, s, ae));
	default:
		if (!ae)
			ae = tok_end(s, len, 0, 0);
		return fail(pe, 0, "expected an IPv4 or IPv6 address, found %s",
			    quote(q, s, ae));
	}
	r->family = XDPFW_FAMILY_V4;
	r->prefixlen = 32;

	if (pos < len && s[pos] == '/') {
		size_t b = pos + 1;
		size_t e = tok_end(s, len, b, STOP_SLASH | STOP_COLON);
		uint8_t proto = match_proto(s + b, e - b);

		if (proto)
			return proto_needs_port(pe, b, proto, false);
		err = parse_prefix(s, b, e, 32, r, pe);
		if (err)
			return err;
		pos = e;
		if (pos < len && s[pos] == '/')
			return after_prefix_slash(s, len, pos, false, pe);
	}
	if (pos < len && s[pos] == ':') {
		err = parse_port_proto(s, len, &pos, r, pe);
		if (err)
			return err;
	}
	err = finish(s, len, pos, pe);
	if (err)
		return err;
	return check_meaning(r, false, 0, pe);
}

/* "2001:db8::1:53" followed by nothing or "/udp": was it meant as
 * [2001:db8::1]:53/udp?  Writes that suggestion. */
static bool v6_port_hint(const char *s, size_t n, uint8_t proto, char *out,
			 size_t outlen)
{
	const char *c = memrchr(s, ':', n);
	uint8_t a[16];
	uint32_t port = 0;
	bool dotted;

	/* "2001:db8:::1" is a typo, not [2001:db8::]:1 */
	if (!c || c == s || c[-1] == ':' ||
	    parse_dec(c + 1, n - (size_t)(c - s) - 1, &port) != DEC_OK ||
	    port < 1 || port > 65535)
		return false;
	if (parse_v6(s, (size_t)(c - s), a, &dotted) != V6_OK)
		return false;
	snprintf(out, outlen, "[%.*s]:%u%s%s", (int)(c - s), s, port,
		 proto ? "/" : "", proto ? proto_name(proto) : "");
	return true;
}

static int v6_needs_brackets(struct perr *pe, const char *hint)
{
	return fail(pe, 0,
		    "IPv6 address with a port must be in brackets: %s", hint);
}

/* ADDRESS [/PREFIX] with an IPv6 address s[0, ae). */
static int parse_entry_v6_bare(const char *s, size_t len, size_t ae,
			       struct xdpfw_rule *r, struct perr *pe)
{
	char q[QUOTE_MAX], hint[2 * RULE_FMT_MAX];
	bool dotted = false;
	size_t pos = ae;
	int err;

	switch (parse_v6(s, ae, r->addr, &dotted)) {
	case V6_OK:
		break;
	case V6_ZONE:
		return fail(pe, 0,
			    "expected an IPv6 address without a zone id, found %s",
			    quote(q, s, ae));
	default: {
		size_t b = ae + 1, e = tok_end(s, len, b, 0);
		uint8_t proto = ae < len && s[ae] == '/' ?
					match_proto(s + b, e - b) : 0;
		bool tail_ok = ae == len || proto;

		if (tail_ok && (proto ? e : ae) == len &&
		    v6_port_hint(s, ae, proto, hint, sizeof(hint)))
			return v6_needs_brackets(pe, hint);
		return fail(pe, 0, "expected an IPv4 or IPv6 address, found %s",
			    quote(q, s, ae));
	}
	}
	r->family = XDPFW_FAMILY_V6;
	r->prefixlen = 128;

	if (pos < len && s[pos] == '/') {
		size_t b = pos + 1;
		size_t e = tok_end(s, len, b, STOP_SLASH | STOP_COLON);
		uint8_t proto = match_proto(s + b, e - b);

		if (proto) {
			if (e == len &&
			    v6_port_hint(s, ae, proto, hint, sizeof(hint)))
				return v6_needs_brackets(pe, hint);
			return proto_needs_port(pe, b, proto, true);
		}
		err = parse_prefix(s, b, e, 128, r, pe);
		if (err)
			return err;
		pos = e;
		if (pos < len && s[pos] == ':') {
			char sfx[32];

			if (!port_suffix(s, len, pos, sfx, sizeof(sfx)))
				strcpy(sfx, ":PORT");
			snprintf(hint, sizeof(hint), "[%.*s/%u]%s", (int)ae, s,
				 r->prefixlen, sfx);
			return v6_needs_brackets(pe, hint);
		}
		if (pos < len && s[pos] == '/')
			return after_prefix_slash(s, len, pos, true, pe);
	}
	err = finish(s, len, pos, pe);
	if (err)
		return err;
	return check_meaning(r, dotted, 0, pe);
}

/* What follows "]" of "[ADDRESS[/PREFIX]]" (s[1, ae) the address): nothing,
 * or ":PORT[/PROTO]"; a "/N" there is a prefix in the wrong place. */
static int parse_after_bracket(const char *s, size_t len, size_t pos,
			       size_t ae, bool has_prefix, struct xdpfw_rule *r,
			       struct perr *pe)
{
	char q[QUOTE_MAX], hint[2 * RULE_FMT_MAX];
	int err;

	if (pos < len && s[pos] == ':') {
		err = parse_port_proto(s, len, &pos, r, pe);
		if (err)
			return err;
	} else if (pos < len && s[pos] == '/') {
		size_t pb = pos + 1;
		size_t e = tok_end(s, len, pb, STOP_SLASH | STOP_COLON);
		uint8_t proto = match_proto(s + pb, e - pb);
		uint32_t v;

		if (proto)
			return proto_needs_port(pe, pb, proto, true);
		if (!has_prefix && parse_dec(s + pb, e - pb, &v) == DEC_OK) {
			char sfx[32] = "";

			if (e < len && s[e] == ':' &&
			    !port_suffix(s, len, e, sfx, sizeof(sfx)))
				strcpy(sfx, ":PORT");
			snprintf(hint, sizeof(hint), "[%.*s/%.*s]%s",
				 (int)(ae - 1), s + 1, (int)(e - pb), s + pb, sfx);
			return fail(pe, pos,
				    "the prefix length goes inside the brackets: %s",
				    hint);
		}
		return finish(s, len, pos, pe);
	} else if (pos < len && !is_blank(s[pos])) {
		return fail(pe, pos,
			    "expected \":\" and a port after \"]\", found %s",
			    quote(q, s + pos, tok_end(s, len, pos, 0) - pos));
	}
	return finish(s, len, pos, pe);
}

/* "[" ADDRESS [/PREFIX] "]" [:PORT[/PROTO]] */
static int parse_entry_v6_bracket(const char *s, size_t len,
				  struct xdpfw_rule *r, struct perr *pe)
{
	size_t b = 1, ae = tok_end(s, len, b, STOP_SLASH | STOP_RBRACKET);
	char q[QUOTE_MAX];
	bool dotted = false, has_prefix = false;
	uint8_t v4[4];
	size_t pos;
	int err;

	if (ae == b)
		return fail(pe, b, "expected an IPv6 address after \"[\", found %s",
			    quote(q, s + b, tok_end(s, len, b, 0) - b));
	if (parse_v4(s + b, ae - b, v4) != V4_BAD)
		return fail(pe, b,
			    "expected an IPv6 address inside brackets, found IPv4 %s (write IPv4 entries without brackets)",
			    quote(q, s + b, ae - b));
	switch (parse_v6(s + b, ae - b, r->addr, &dotted)) {
	case V6_OK:
		break;
	case V6_ZONE:
		return fail(pe, b,
			    "expected an IPv6 address without a zone id, found %s",
			    quote(q, s + b, ae - b));
	default:
		return fail(pe, b, "expected an IPv6 address after \"[\", found %s",
			    quote(q, s + b, ae - b));
	}
	r->family = XDPFW_FAMILY_V6;
	r->prefixlen = 128;
	pos = ae;

	if (pos < len && s[pos] == '/') {
		size_t pb = pos + 1;
		size_t e = tok_end(s, len, pb,
				   STOP_SLASH | STOP_COLON | STOP_RBRACKET);
		uint8_t proto = match_proto(s + pb, e - pb);

		if (proto)
			return proto_needs_port(pe, pb, proto, true);
		err = parse_prefix(s, pb, e, 128, r, pe);
		if (err)
			return err;
		has_prefix = true;
		pos = e;
	}
	if (pos >= len || s[pos] != ']')
		return fail(pe, pos,
			    "expected \"]\" after IPv6 address, found %s",
			    quote(q, s + pos, len - pos));
	err = parse_after_bracket(s, len, pos + 1, ae, has_prefix, r, pe);
	if (err)
		return err;
	return check_meaning(r, dotted, b, pe);
}

int rule_parse(const char *text, size_t len, struct xdpfw_rule *out,
	       char *err, size_t errlen, uint32_t *err_col)
{
	struct perr pe = { .buf = err, .len = errlen, .col = err_col };
	bool colon = false, dot = false;
	size_t i, first_colon = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (err_col)
		*err_col = 0;
	if (len && text[0] == '!') {
		/* "!ENTRY": an exception; the same grammar after the '!'. */
		if (len > 1 && text[1] == '!')
			return fail(&pe, 1, "expected an entry after \"!\", found "
				    "another \"!\"");
		if (len > 1 && is_blank(text[1]))
			return fail(&pe, 1, "expected an entry right after "
				    "\"!\", found a blank (write \"!ENTRY\")");
		ret = rule_parse(text + 1, len - 1, out, err, errlen, err_col);
		if (ret) {
			if (err_col && *err_col)
				(*err_col)++;
			return ret;
		}
		out->flags |= XDPFW_RULE_EXCEPT;
		return 0;
	}
	if (!len)
		return fail(&pe, 0, "expected an IPv4 or IPv6 address, found nothing");

	if (text[0] == '[') {
		ret = parse_entry_v6_bracket(text, len, out, &pe);
	} else {
		/* The address runs to the first '/' or blank.  It is IPv4
		 * (maybe followed by ":PORT") when it has no ':' or a '.'
		 * before the first ':' -- which no IPv6 address has. */
		for (i = 0; i < len; i++) {
			char ch = text[i];

			if (ch == '/' || is_blank(ch))
				break;
			if (ch == ':' && !colon) {
				colon = true;
				first_colon = i;
			} else if (ch == '.' && !colon) {
				dot = true;
			}
		}
		if (!colon || dot)
			ret = parse_entry_v4(text, len, colon ? first_colon : i,
					     out, &pe);
		else
			ret = parse_entry_v6_bare(text, len, i, out, &pe);
	}
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}


int rule_warning(const char *text, size_t len, const struct xdpfw_rule *r,
		 char *msg, size_t msglen)
{
	char hint[2 * RULE_FMT_MAX];

	if (r->flags & XDPFW_RULE_EXCEPT)
		return 0;
	if (!r->prefixlen && !r->port) {
		snprintf(msg, msglen,
			 "%s without a port matches every %s packet: it cuts this "
			 "host off (only protected addresses still pass); give it "
			 "a port, or remove it",
			 r->family == XDPFW_FAMILY_V4 ? "0.0.0.0/0" : "::/0",
			 r->family == XDPFW_FAMILY_V4 ? "IPv4" : "IPv6");
		return 1;
	}
	/* "2001:db8::1:53": valid, but often meant as [2001:db8::1]:53. */
	if (r->family == XDPFW_FAMILY_V6 && !r->port && text[0] != '[' &&
	    !memchr(text, '/', len) && memmem(text, len, "::", 2) &&
	    v6_port_hint(text, len, 0, hint, sizeof(hint))) {
		snprintf(msg, msglen,
			 "%.*s is read as one IPv6 address; if the last group is a "
			 "port, write %s (write [%.*s] to keep the address and "
			 "silence this)",
			 (int)len, text, hint, (int)len, text);
		return 1;
	}
	return 0;
}
