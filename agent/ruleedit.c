// SPDX-License-Identifier: GPL-2.0-only
#include "ruleedit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

struct out {
	char *buf;
	size_t len, cap;
};

static int put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *b;

		while (o->len + n + 1 > cap)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (!b)
			return -ENOMEM;
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
	return 0;
}

/* "ENTRY[ expires=TIME]" */
static int put_entry(struct out *o, const struct ruleedit_op *op)
{
	char line[RULE_FMT_MAX + RULES_TIME_LEN + 16];
	int n = rule_format(&op->rule, line, sizeof(line));

	if (op->expires) {
		char t[RULES_TIME_LEN + 1];

		rules_format_time(op->expires, t);
		n += snprintf(line + n, sizeof(line) - (size_t)n, " expires=%s", t);
	}
	return put(o, line, (size_t)n);
}

/* The op that names r, or NULL. */
static const struct ruleedit_op *op_for(const struct ruleedit_op *ops,
					size_t n, const struct xdpfw_rule *r)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(&ops[i].rule, r, sizeof(*r)))
			return &ops[i];
	return NULL;
}

/* One input line [l, l + n) (without '\n'); done[] marks ops applied. */
static int edit_line(struct out *o, const char *l, size_t n,
		     const struct ruleedit_op *ops, size_t n_ops, char *done,
		     int64_t prune_before)
{
	const struct ruleedit_op *op;
	struct xdpfw_rule r;
	int64_t expires;
	const char *c;
	int err;

	if (rules_line_entry(l, n, &r, &expires) != 1)
		return put(o, l, n); /* blank, comment, invalid: kept */
	op = op_for(ops, n_ops, &r);
	if (op && done[op - ops])
		return 1; /* a second line of the same entry: dropped */
	if (op)
		done[op - ops] = 1;
	if (op && op->del)
		return 1;
	if (!op) {
		if (prune_before && expires && expires <= prune_before)
			return 1;
		return put(o, l, n);
	}
	/* Its comment ("  # why") is kept. */
	err = put_entry(o, op);
	c = rules_comment(l, l + n);
	if (!err && c < l + n)
		err = put(o, "  ", 2) ?: put(o, c, (size_t)(l + n - c));
	return err;
}

int ruleedit_apply(const char *in, size_t len, const struct ruleedit_op *ops,
		   size_t n_ops, int64_t prune_before, char **out,
		   size_t *outlen)
{
	struct out o = { 0 };
	const char *p = in, *end = in + len;
	char *done = calloc(n_ops ? n_ops : 1, 1);
	int err = done ? put(&o, "", 0) : -ENOMEM;

	while (!err && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		int r = edit_line(&o, p, n, ops, n_ops, done, prune_before);

		if (r < 0)
			err = r;
		else if (!r)
			err = put(&o, "\n", 1);
		p = nl ? nl + 1 : end;
	}
	for (size_t i = 0; !err && i < n_ops; i++) {
		if (done[i] || ops[i].del || op_for(ops, i, &ops[i].rule))
			continue;
		err = put_entry(&o, &ops[i]);
		if (!err)
			err = put(&o, "\n", 1);
	}
	free(done);
	if (err) {
		free(o.buf);
		return err;
	}
	*out = o.buf;
	*outlen = o.len;
	return 0;
}
