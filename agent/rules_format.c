// SPDX-License-Identifier: GPL-2.0-only
/*
 * The canonical rules-file form of an entry (what `list` and `stats`
 * print, and what parses back to the same rule), and of a diagnostic.
 */
#include "rules.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- formatting --------------------------------------------------------- */

static char *put_dec(char *p, unsigned v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_hex16(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	bool started = false;

	for (int shift = 12; shift > 0; shift -= 4) {
		unsigned d = (v >> shift) & 15;

		if (d || started) {
			*p++ = hex[d];
			started = true;
		}
	}
	*p++ = hex[v & 15];
	return p;
}

/* RFC 5952: lowercase, no leading zeros, the longest run of two or more
 * zero groups (the leftmost of equal runs) as "::", never a dotted quad. */
static char *put_v6(char *p, const uint8_t a[16])
{
	int best = -1, best_len = 1, cur = -1;
	unsigned g[8];

	for (int i = 0; i < 8; i++) {
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (g[i]) {
			cur = -1;
			continue;
		}
		if (cur < 0)
			cur = i;
		if (i - cur + 1 > best_len) {
			best = cur;
			best_len = i - cur + 1;
		}
	}
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		p = put_hex16(p, g[i]);
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

int rule_format(const struct xdpfw_rule *r, char *buf, size_t len)
{
	char tmp[RULE_FMT_MAX + 16];
	char *p = tmp;
	size_t n;

	if (r->flags & XDPFW_RULE_EXCEPT)
		*p++ = '!';
	switch (r->family) {
	case XDPFW_FAMILY_V4:
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_dec(p, r->addr[i]);
		}
		if (r->prefixlen != 32) {
			*p++ = '/';
			p = put_dec(p, r->prefixlen);
		}
		break;
	case XDPFW_FAMILY_V6:
		if (r->port)
			*p++ = '[';
		p = put_v6(p, r->addr);
		if (r->prefixlen != 128) {
			*p++ = '/';
			p = put_dec(p, r->prefixlen);
		}
		if (r->port)
			*p++ = ']';
		break;
	default:
		p = put_str(p, "invalid-family-");
		p = put_dec(p, r->family);
		break;
	}
	if (r->port) {
		*p++ = ':';
		p = put_dec(p, r->port);
		if (r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP) {
			*p++ = '/';
			p = put_str(p, r->proto == IPPROTO_TCP ? "tcp" : "udp");
		} else if (r->proto) {
			p = put_str(p, "/proto-");
			p = put_dec(p, r->proto);
		}
	}
	*p = '\0';
	n = (size_t)(p - tmp);
	if (len) {
		size_t c = n < len - 1 ? n : len - 1;

		memcpy(buf, tmp, c);
		buf[c] = '\0';
	}
	return (int)n;
}

int rules_diag_format(const struct ruleset *rs, const struct rules_diag *d,
		      char *buf, size_t len)
{
	const char *file = d->file < rs->n_files ? rs->files[d->file] : "-";

	if (!d->line)
		return snprintf(buf, len, "%s: %s%s", file,
				d->severity == RULES_WARNING ? "warning: " : "",
				d->msg ? d->msg : "");
	return snprintf(buf, len, "%s:%u:%u: %s%s", file, d->line, d->col,
			d->severity == RULES_WARNING ? "warning: " : "",
			d->msg ? d->msg : "");
}


int rules_parse_time(const char *s, size_t n, int64_t *out)
{
	char buf[RULES_TIME_LEN + 1], back[RULES_TIME_LEN + 1];
	struct tm tm = { 0 };
	const char *end;

	if (n != RULES_TIME_LEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	end = strptime(buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -EINVAL;
	*out = (int64_t)timegm(&tm);
	/* strptime takes 2026-02-31: the canonical form must come back. */
	rules_format_time(*out, back);
	return strcmp(buf, back) || *out <= 0 ? -EINVAL : 0;
}

void rules_format_time(int64_t t, char buf[RULES_TIME_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(buf, RULES_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, RULES_TIME_LEN + 1, "?");
}
