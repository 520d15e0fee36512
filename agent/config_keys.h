/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The table of config keys, shared by the key parsers (config_keys.c) and
 * the file reader (config.c).  Not for other modules: they see config.h.
 */
#ifndef XDPFW_CONFIG_KEYS_H
#define XDPFW_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum section {
	SEC_NONE,    /* before any section header */
	SEC_AGENT,
	SEC_STATS,
	SEC_IGNORED, /* unknown or malformed header: already reported */
};

extern const char *const config_section_names[]; /* [SEC_AGENT..SEC_STATS] */

struct key_desc;

/*
 * A value parser.  Returns 0, -ENOMEM, or -EINVAL; on -EINVAL it may write
 * the reason into why (otherwise the message is "expected <expect>").
 */
typedef int (*key_parse_fn)(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen);

struct key_desc {
	enum section section;
	const char *name;
	key_parse_fn parse;
	size_t offset;      /* of the field written by generic parsers */
	uint32_t min, max;  /* for integers */
	const char *expect; /* for "expected ..." */
};

/* Every key, once (at most CONFIG_N_KEYS_MAX of them). */
#define CONFIG_N_KEYS_MAX 32
extern const struct key_desc config_keys[];
extern const size_t config_n_keys;

/* Replace a string field (value NULL: unset).  0 or -ENOMEM. */
int config_set_str(char **field, const char *value);

#endif
