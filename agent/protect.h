/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lock-out guard (config key `protect`): which addresses are never
 * dropped, resolved at every reload in the caller's network namespace.
 * They join the rule set as exceptions whose flags say which keyword put
 * them there (XDPFW_RULE_PROTECT_*), so `stats` and `list` can name it.
 */
#ifndef XDPFW_PROTECT_H
#define XDPFW_PROTECT_H

#include <stddef.h>
#include <stdint.h>

#include "xdpfw_shared.h"

#define PROTECT_BIT(kind) (1u << (kind))
/* Protected addresses one reload takes; beyond, the rest are ignored. */
#define PROTECT_MAX 4096

/* The config value: keywords and literal addresses/prefixes. */
struct protect_conf {
	uint32_t kinds;           /* PROTECT_BIT(XDPFW_PROTECT_*) */
	struct xdpfw_rule *addrs; /* literals, address-only */
	size_t n_addrs;
};

/* Resolved: address-only exceptions, flags = EXCEPT | kind, each address
 * once (under the first keyword that names it). */
struct protect_set {
	struct xdpfw_rule *v;
	size_t n, cap;
};

void protect_conf_default(struct protect_conf *pc); /* ssh-peers resolvers gateways */
void protect_conf_free(struct protect_conf *pc);

/* "ssh-peers resolvers gateways 192.0.2.0/24, 2001:db8::1" or "none".
 * 0 (pc replaced), -EINVAL with why, -ENOMEM. */
int protect_parse(const char *value, struct protect_conf *pc, char *why,
		  size_t whylen);

/* Read the sources under root ("" or NULL: the real /proc and /etc; a
 * directory in tests).  0 or -ENOMEM; an unreadable source adds nothing. */
int protect_resolve(const struct protect_conf *pc, const char *root,
		    struct protect_set *out);
void protect_set_free(struct protect_set *ps);

/* XDPFW_PROTECT_* of a rule (0: from a file), and its keyword. */
unsigned protect_kind_of(const struct xdpfw_rule *r);
const char *protect_kind_name(unsigned kind);

/* Does entry r's address/prefix cover all of p's? */
int protect_covers(const struct xdpfw_rule *r, const struct xdpfw_rule *p);

#endif
