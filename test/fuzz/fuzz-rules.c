// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the rules parser (rules_parse_buffer) on arbitrary
 * bytes, with the canonical formatter as its oracle.
 *
 * For every input: no crash, leak or undefined behaviour (ASan, UBSan);
 * every accepted rule is well-formed (family, prefix length, zero host bits,
 * zero padding, a protocol only with a port); formatted canonically it
 * parses again to the identical rule, and formatting that is idempotent; all
 * accepted rules, formatted one per line, parse again as a file to the same
 * rules in the same order without an error; every diagnostic names a line
 * of the input and formats; the parse on two threads (rules_split.c) gives
 * the same set and diagnostics as the one on one.  Any mismatch aborts, which libFuzzer reports
 * as a crash with the input saved.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const struct xdpfw_rule *r, const char *text)
{
	fprintf(stderr, "fuzz-rules: %s", what);
	if (r)
		fprintf(stderr,
			" (family %u prefixlen %u proto %u port %u flags %u pad %u)",
			r->family, r->prefixlen, r->proto, r->port, r->flags,
			r->pad1);
	if (text)
		fprintf(stderr, ": \"%s\"", text);
	fputc('\n', stderr);
	abort();
}

/* The fields that make a rule what it is. */
static int same_rule(const struct xdpfw_rule *a, const struct xdpfw_rule *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       a->proto == b->proto && a->port == b->port &&
	       a->flags == b->flags &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* The README's "The rules file" for one accepted entry. */
static void check_well_formed(const struct xdpfw_rule *r)
{
	unsigned max, bits;

	if (r->family != XDPFW_FAMILY_V4 && r->family != XDPFW_FAMILY_V6)
		die("accepted rule of no family", r, NULL);
	max = r->family == XDPFW_FAMILY_V4 ? 32 : 128;
	if (r->prefixlen > max)
		die("prefix length beyond the address", r, NULL);
	for (unsigned i = 0; i < 16; i++) {
		bits = i * 8;
		if (bits >= r->prefixlen ? r->addr[i] != 0 :
		    bits + 8 > r->prefixlen &&
			    (r->addr[i] & (0xffu >> (r->prefixlen - bits))))
			die("host bits set below the prefix", r, NULL);
	}
	if ((r->flags & ~XDPFW_RULE_EXCEPT) || r->pad1)
		die("flags other than an exception's, or padding not zero", r,
		    NULL);
	if (r->proto != XDPFW_PROTO_ANY && r->proto != IPPROTO_TCP &&
	    r->proto != IPPROTO_UDP)
		die("protocol other than tcp/udp", r, NULL);
	if (r->proto && !r->port)
		die("protocol without a port", r, NULL);
}

/* format -> parse is the identity; format is idempotent. */
static void check_round_trip(const struct xdpfw_rule *r)
{
	char text[RULE_FMT_MAX], again[RULE_FMT_MAX], err[256];
	struct xdpfw_rule back;
	uint32_t col = 0;
	int n;

	n = rule_format(r, text, sizeof(text));
	if (n <= 0 || (size_t)n >= sizeof(text) || strlen(text) != (size_t)n)
		die("rule_format length", r, NULL);
	memset(&back, 0xa5, sizeof(back));
	if (rule_parse(text, (size_t)n, &back, err, sizeof(err), &col)) {
		fprintf(stderr, "fuzz-rules: col %u: %s\n", col, err);
		die("canonical form does not parse", r, text);
	}
	if (!same_rule(r, &back) || back.pad1)
		die("canonical form parses to another rule", r, text);
	if (rule_format(&back, again, sizeof(again)) != n || strcmp(text, again))
		die("formatting is not idempotent", r, again);
}

static void check_diags(const struct ruleset *rs)
{
	size_t errors = 0, warnings = 0;
	char line[1024];

	if (rs->n_diags > RULES_MAX_DIAGS || rs->n_diags > rs->cap_diags)
		die("diagnostics array overflow", NULL, NULL);
	for (size_t i = 0; i < rs->n_diags; i++) {
		const struct rules_diag *d = &rs->diags[i];

		if (!d->msg || !d->line || d->line > rs->n_lines || !d->col)
			die("diagnostic without a message or a line", NULL,
			    d->msg);
		if (d->severity == RULES_ERROR)
			errors++;
		else
			warnings++;
		if (rules_diag_format(rs, d, line, sizeof(line)) <= 0)
			die("rules_diag_format", NULL, d->msg);
	}
	if (errors > rs->n_errors || warnings > rs->n_warnings ||
	    rs->n_errors + rs->n_warnings < rs->n_diags)
		die("diagnostic counts disagree with the list", NULL, NULL);
}

/* All the accepted rules as a canonical file parse back unchanged. */
static void check_file_round_trip(const struct ruleset *rs)
{
	size_t cap = rs->n * (RULE_FMT_MAX + 1) + 1, o = 0;
	struct ruleset again;
	char *buf = malloc(cap);

	if (!buf)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		o += (size_t)rule_format(&rs->rules[i], buf + o, cap - o);
		buf[o++] = '\n';
	}
	ruleset_init(&again);
	if (rules_parse_buffer(&again, "canonical", buf, o) == 0) {
		if (again.n_errors)
			die("the canonical file has errors", NULL,
			    again.n_diags ? again.diags[0].msg : NULL);
		if (again.n != rs->n)
			die("the canonical file has another number of rules",
			    NULL, NULL);
		for (size_t i = 0; i < rs->n; i++)
			if (!same_rule(&rs->rules[i], &again.rules[i]))
				die("the canonical file parses to other rules",
				    &rs->rules[i], NULL);
	}
	ruleset_free(&again);
	free(buf);
}

/* The same text parsed on two threads (rules_split.c: cut at two fifths
 * of it) gives the same set, diagnostics and all. */
static void check_split(const struct ruleset *one, const uint8_t *data,
			size_t size)
{
	size_t keep = rules_parse_thread_min;
	struct ruleset two;
	int err;

	ruleset_init(&two);
	two.now = one->now;
	rules_parse_thread_min = 1;
	err = rules_parse_buffer(&two, "fuzz", (const char *)data, size);
	rules_parse_thread_min = keep;
	if (err == -ENOMEM)
		goto out;
	if (err || two.n != one->n || two.n_lines != one->n_lines ||
	    two.n_errors != one->n_errors || two.n_warnings != one->n_warnings ||
	    two.n_diags != one->n_diags || two.n_expired != one->n_expired ||
	    two.next_expiry != one->next_expiry)
		die("two threads: other counts than one", NULL, NULL);
	if (one->n &&
	    (memcmp(two.rules, one->rules, one->n * sizeof(*one->rules)) ||
	     memcmp(two.lines, one->lines, one->n * sizeof(*one->lines))))
		die("two threads: other entries than one", NULL, NULL);
	for (size_t i = 0; i < one->n_diags; i++) {
		const struct rules_diag *a = &one->diags[i], *b = &two.diags[i];

		if (a->line != b->line || a->col != b->col ||
		    a->severity != b->severity || a->dup_line != b->dup_line ||
		    strcmp(a->msg, b->msg))
			die("two threads: another diagnostic than one", NULL,
			    b->msg);
	}
	for (size_t i = 0; i < one->n_expired; i++)
		if (one->expired_at[i].line != two.expired_at[i].line)
			die("two threads: other expired entries", NULL, NULL);
out:
	ruleset_free(&two);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset rs;
	int err;

	ruleset_init(&rs);
	/* Entries "expires=" before 2023-11-14 are left out. */
	rs.now = 1700000000;
	err = rules_parse_buffer(&rs, "fuzz", (const char *)data, size);
	if (err && err != -ENOMEM)
		die("rules_parse_buffer returned neither 0 nor -ENOMEM", NULL,
		    strerror(-err));
	if (!err) {
		check_diags(&rs);
		for (size_t i = 0; i < rs.n; i++) {
			if (!rs.lines[i] || rs.lines[i] > rs.n_lines)
				die("rule without a line", &rs.rules[i], NULL);
			check_well_formed(&rs.rules[i]);
			check_round_trip(&rs.rules[i]);
		}
		check_file_round_trip(&rs);
		check_split(&rs, data, size);
	}
	ruleset_free(&rs);
	return 0;
}
