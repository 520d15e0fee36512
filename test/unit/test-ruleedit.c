// SPDX-License-Identifier: GPL-2.0-only
/* ruleedit_apply(): what `xdpfw add` and `del` make of a rules file. */
#include "ruleedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "testlib.h"

static struct ruleedit_op op(const char *entry, int del, int64_t expires)
{
	struct ruleedit_op o = { .del = del, .expires = expires };
	char msg[256];
	uint32_t col;

	CHECK_MSG(!rule_parse(entry, strlen(entry), &o.rule, msg, sizeof(msg),
			      &col), "%s: %s", entry, msg);
	return o;
}

static void expect(const char *in, const struct ruleedit_op *ops, size_t n,
		   int64_t prune, const char *want)
{
	char *out = NULL;
	size_t len = 0;

	CHECK_INT(ruleedit_apply(in, strlen(in), ops, n, prune, &out, &len), 0);
	if (out) {
		CHECK_STR(out, want);
		CHECK_INT(len, strlen(want));
	}
	free(out);
}

int main(void)
{
	/* 2026-12-01T00:00:00Z */
	const int64_t t = 1796083200;
	struct ruleedit_op ops[4];

	/* Into an empty file, canonical forms, an expiry. */
	ops[0] = op("203.0.113.7", 0, t);
	ops[1] = op("[2001:DB8::1]:53/UDP", 0, 0);
	expect("", ops, 2, 0,
	       "203.0.113.7 expires=2026-12-01T00:00:00Z\n[2001:db8::1]:53/udp\n");
	/* Everything else kept as it is; an entry there gets the new expiry
	 * (its comment kept, one line only); the same entry twice in the
	 * ops is written once. */
	ops[0] = op("10.0.0.0/8", 0, t);
	ops[1] = op("10.0.0.0/8", 0, t);
	expect("# header\r\n\n10.0.0.0/8 expires=2020-01-01T00:00:00Z ; old\n"
	       "bad line\n192.0.2.1\n10.0.0.0/8\n",
	       ops, 2, 0,
	       "# header\r\n\n10.0.0.0/8 expires=2026-12-01T00:00:00Z  ; old\n"
	       "bad line\n192.0.2.1\n");
	/* del: every line of the entry goes, an absent one is no error. */
	ops[0] = op("192.0.2.1", 1, 0);
	ops[1] = op("198.51.100.9", 1, 0);
	expect("192.0.2.1\n# c\n192.0.2.1/32 # same\n203.0.113.1", ops, 2, 0,
	       "# c\n203.0.113.1\n");
	/* add prunes what has expired, and only that. */
	ops[0] = op("203.0.113.2", 0, 0);
	expect("203.0.113.1 expires=2026-11-30T23:59:59Z\n"
	       "203.0.113.3 expires=2026-12-01T00:00:01Z\n", ops, 1, t,
	       "203.0.113.3 expires=2026-12-01T00:00:01Z\n203.0.113.2\n");
	return tl_finish("test-ruleedit");
}
