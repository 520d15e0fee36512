/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where each rule in force comes from, for `stats` and `list`: the file and
 * line that hold it now and its expiry (read from the rules files as they
 * are now, since the kernel keeps neither), or the `protect` keyword that
 * put a protected address there (kept in the rule's flags).
 */
#ifndef XDPFW_RULENOTES_H
#define XDPFW_RULENOTES_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "rules.h"

struct rule_notes {
	struct ruleset rs;
	int loaded; /* the files were read */
};

/* Read cfg's rules files.  An unreadable file is not an error here: the
 * notes then say nothing about its rules. */
void rule_notes_load(struct rule_notes *rn, const struct xdpfw_config *cfg);
void rule_notes_free(struct rule_notes *rn); /* NULL-safe */

/* "PATH:LINE" or "protect:KEYWORD" into src ("" when unknown), and the
 * expiry (Unix s, 0: none).  Returns 1 when something is known. */
int rule_notes_get(const struct rule_notes *rn, const struct xdpfw_rule *r,
		   char *src, size_t srclen, int64_t *expires);

/* A JSON string (quotes included) of s. */
void json_put_string(FILE *f, const char *s);

/* `, "source": "...", "expires": "..."` for r's JSON object (nothing
 * that is unknown). */
void rule_notes_json(FILE *f, const struct rule_notes *rn,
		     const struct xdpfw_rule *r);

#endif
