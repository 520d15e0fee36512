/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the rules parser tests (test-rules-*.c) share: short names, the
 * case counter, the expected struct built without the parser, and the
 * format -> parse -> format round trip.
 */
#ifndef XDPFW_TEST_RULES_H
#define XDPFW_TEST_RULES_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define V4 XDPFW_FAMILY_V4
#define V6 XDPFW_FAMILY_V6
#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

/* Cases run, for the closing line. */
static int n_cases;

/* The expected struct, built independently of the parser (inet_pton). */
static inline void make_rule(struct xdpfw_rule *r, int family, int plen,
		      const char *addr, int port, int proto)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->prefixlen = (uint8_t)plen;
	r->port = (uint16_t)port;
	r->proto = (uint8_t)proto;
	if (inet_pton(family == V4 ? AF_INET : AF_INET6, addr, r->addr) != 1) {
		fprintf(stderr, "bad test address %s\n", addr);
		abort();
	}
}

static inline void format_str(const struct xdpfw_rule *r, char *buf)
{
	rule_format(r, buf, RULE_FMT_MAX);
}

/* format -> parse -> the identical struct, and format is a fixed point. */
static inline int round_trip(const struct xdpfw_rule *r)
{
	char text[RULE_FMT_MAX], text2[RULE_FMT_MAX], err[320];
	struct xdpfw_rule back;
	uint32_t col;
	int len = rule_format(r, text, sizeof(text));

	if (len <= 0 || len >= RULE_FMT_MAX) {
		fprintf(stderr, "round trip: length %d\n", len);
		return 0;
	}
	if (rule_parse(text, (size_t)len, &back, err, sizeof(err), &col)) {
		fprintf(stderr, "round trip: \"%s\" does not parse: %u: %s\n",
			text, col, err);
		return 0;
	}
	if (memcmp(&back, r, sizeof(back)) != 0) {
		fprintf(stderr, "round trip: \"%s\" parses to another rule\n",
			text);
		return 0;
	}
	format_str(&back, text2);
	if (strcmp(text, text2) != 0) {
		fprintf(stderr, "round trip: \"%s\" formats as \"%s\"\n", text,
			text2);
		return 0;
	}
	return 1;
}

#endif
