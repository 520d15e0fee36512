/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xdpfw add` and `xdpfw del` on the text of a rules file (pure, no I/O):
 * every line is kept as it is (comments, blank lines, other entries,
 * invalid lines) except
 *   - a line whose entry is added again: rewritten with the new expiry
 *     (its comment kept);
 *   - a line whose entry is deleted: removed;
 *   - with prune_before: a line whose expiry is at or before it (add
 *     prunes what has expired from the file it manages);
 * and the added entries that no line holds are appended, one per line.
 */
#ifndef XDPFW_RULEEDIT_H
#define XDPFW_RULEEDIT_H

#include <stddef.h>
#include <stdint.h>

#include "xdpfw_shared.h"

struct ruleedit_op {
	struct xdpfw_rule rule;
	int del;          /* 0: add (or update), 1: delete */
	int64_t expires;  /* for add: 0 none, else Unix seconds */
};

/* The new text into *out (NUL-terminated, free() it).  0 or -ENOMEM. */
int ruleedit_apply(const char *in, size_t len, const struct ruleedit_op *ops,
		   size_t n_ops, int64_t prune_before, char **out,
		   size_t *outlen);

#endif
