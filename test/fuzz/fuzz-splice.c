// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target, differential: parsing only the changed lines
 * (filediff.h's windows, rules_parse_window and _more, ruleset_splice) against
 * parsing the whole new text.  The input is two texts, the old and the
 * new version of a rules file, split at the first 0xff byte; a second
 * file follows (its entries may be duplicates of either).  Whenever the
 * splice is made (not refused with -EAGAIN), the set must be the full
 * parse's, field by field: entries, lines, files, expiry, the index,
 * diagnostics with their duplicate references, expired entries, counts
 * and the per-file marks.  Any difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filediff.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1800000000 /* 2027-01-15: some expires= have passed */

static const char second[] = "10.0.0.1\n198.51.100.0/24\n!10.0.0.2\n"
			     "2001:db8::/32 expires=2030-01-01T00:00:00Z\n";

static void die(const char *what, size_t i)
{
	fprintf(stderr, "fuzz-splice: %s (%zu)\n", what, i);
	abort();
}

static void parse(struct ruleset *rs, const char *text, size_t len)
{
	ruleset_init(rs);
	rs->now = NOW;
	if (rules_parse_buffer(rs, "f.txt", text, len) ||
	    rules_parse_buffer(rs, "g.txt", second, sizeof(second) - 1))
		die("out of memory", 0);
}

static void same_marks(const struct ruleset_mark *a,
		       const struct ruleset_mark *b, size_t i)
{
	if (a->n != b->n || a->n_diags != b->n_diags ||
	    a->n_errors != b->n_errors || a->n_warnings != b->n_warnings ||
	    a->n_lines != b->n_lines || a->n_expired != b->n_expired ||
	    a->next_expiry != b->next_expiry)
		die("marks differ", i);
}

static void same_set(const struct ruleset *a, const struct ruleset_mark *aend,
		     const struct ruleset *b)
{
	struct ruleset_mark bend;

	ruleset_mark_now(b, &bend);
	same_marks(aend, &bend, 99);
	if (a->n != b->n || a->n_diags != b->n_diags ||
	    a->n_expired != b->n_expired || a->next_expiry != b->next_expiry ||
	    a->n_lines != b->n_lines || a->ix.n != b->ix.n)
		die("counts differ", 0);
	for (size_t i = 0; i < a->n_files; i++)
		same_marks(&a->marks[i], &b->marks[i], i);
	for (size_t i = 0; i < a->n; i++) {
		if (memcmp(&a->rules[i], &b->rules[i], sizeof(a->rules[i])) ||
		    a->lines[i] != b->lines[i] || a->file_of[i] != b->file_of[i] ||
		    (a->expires ? a->expires[i] : 0) !=
			    (b->expires ? b->expires[i] : 0))
			die("entry differs", i);
		if (ruleidx_find(&a->ix, a->rules, &a->rules[i]) != i)
			die("index lost an entry", i);
	}
	for (size_t i = 0; i < a->n_diags; i++) {
		const struct rules_diag *x = &a->diags[i], *y = &b->diags[i];

		if (x->file != y->file || x->line != y->line || x->col != y->col ||
		    x->severity != y->severity || strcmp(x->msg, y->msg) ||
		    x->dup_file != y->dup_file || x->dup_line != y->dup_line)
			die("diagnostic differs", i);
	}
	for (size_t i = 0; i < a->n_expired; i++)
		if (a->expired_at[i].file != b->expired_at[i].file ||
		    a->expired_at[i].line != b->expired_at[i].line)
			die("expired entry differs", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *old = (const char *)data, *sep = memchr(data, 0xff, size);
	const char *now;
	size_t lo, ln;
	struct filediff_sum so, sn;
	struct filediff d;
	struct splice_win sw[64];
	struct ruleset rs, w, fresh;
	struct ruleset_mark end;
	struct ruleset_splice sp = { .k = 0, .end = &end };

	if (!sep)
		return 0;
	lo = (size_t)(sep - old);
	now = sep + 1;
	ln = size - lo - 1;
	parse(&rs, old, lo);
	ruleset_mark_now(&rs, &end);
	if (filediff_sum_of(&so, old, lo) || filediff_sum_of(&sn, now, ln))
		die("out of memory", 0);
	ruleset_init(&w);
	w.now = NOW;
	if (!filediff_windows(&so, rs.marks[1].n_lines, &sn, now, &d) &&
	    !d.same && d.n <= 64) {
		int err = 0;

		for (size_t t = 0; !err && t < d.n; t++) {
			const struct filediff_win *x = &d.win[t];

			sw[t] = (struct splice_win){ x->old_first, x->old_lines,
						     x->new_lines };
			err = t ? rules_parse_more(&w, now + x->begin,
						   x->end - x->begin, x->first_line) :
				  rules_parse_window(&w, "f.txt", now + x->begin,
						     x->end - x->begin, x->first_line);
		}
		sp.win = sw;
		sp.n_win = d.n;
		if (!err && !ruleset_splice(&rs, &w, &sp)) {
			parse(&fresh, now, ln);
			same_set(&rs, &end, &fresh);
			ruleset_free(&fresh);
		}
		free(sp.removed);
		free(sp.segs);
	}
	filediff_free(&d);
	ruleset_free(&w);
	ruleset_free(&rs);
	filediff_sum_free(&so);
	filediff_sum_free(&sn);
	return 0;
}
