// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules file as a whole: lines, comments, the set of entries with
 * duplicate detection, diagnostics in line order, and reading the file
 * (safefile.c).  One entry's grammar is in rules_entry.c.
 *
 * Columns are 1-based byte offsets into the raw line.  A UTF-8 byte order
 * mark at the start of the file is not part of line 1.
 */
#include "rules.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "ruleidx.h"
#include "rules_int.h"
#include "safefile.h"

#define DIAG_MSG_MAX 320     /* longest message kept per diagnostic */

static inline bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* ---- the rule set ------------------------------------------------------- */

void ruleset_init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_diags; i++)
		free(rs->diags[i].msg);
	free(rs->diags);
	free(rs->rules);
	free(rs->lines);
	free(rs->file_of);
	free(rs->expires);
	free(rs->expired_at);
	for (size_t i = 0; i < rs->n_files; i++)
		free(rs->files[i]);
	free(rs->files);
	free(rs->marks);
	free(rs->path);
	ruleidx_free(&rs->ix);
	ruleset_init(rs);
}

int ruleset_reserve(struct ruleset *rs, size_t want)
{
	struct xdpfw_rule *rules;
	uint32_t *lines;
	uint16_t *file_of;
	size_t cap = grow_cap(rs->cap, want, 64, sizeof(*rules));

	if (want <= rs->cap)
		return 0;
	if (!cap)
		return -ENOMEM;
	rules = realloc(rs->rules, cap * sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	rs->rules = rules;
	lines = realloc(rs->lines, cap * sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	rs->lines = lines;
	file_of = realloc(rs->file_of, cap * sizeof(*file_of));
	if (!file_of)
		return -ENOMEM;
	rs->file_of = file_of;
	if (rs->expires) {
		int64_t *x = realloc(rs->expires, cap * sizeof(*x));

		if (!x)
			return -ENOMEM;
		rs->expires = x;
	}
	rs->cap = cap;
	return 0;
}

static int add_diag_in(struct ruleset *rs, size_t file, uint32_t line,
		       uint32_t col, enum rules_severity sev, const char *msg)
{
	struct rules_diag *d;

	if (sev == RULES_ERROR)
		rs->n_errors++;
	else
		rs->n_warnings++;
	if (rs->n_diags >= RULES_MAX_DIAGS)
		return 0;
	if (rs->n_diags == rs->cap_diags) {
		size_t cap = rs->cap_diags ? rs->cap_diags * 2 : 16;

		if (cap > RULES_MAX_DIAGS)
			cap = RULES_MAX_DIAGS;
		d = realloc(rs->diags, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		rs->diags = d;
		rs->cap_diags = cap;
	}
	d = &rs->diags[rs->n_diags];
	/* strdup and cut, not strndup: with a literal inlined here, gcc -O3
	 * takes strndup's bound for a read past the literal. */
	d->msg = strdup(msg);
	if (!d->msg)
		return -ENOMEM;
	if (strlen(d->msg) >= DIAG_MSG_MAX)
		d->msg[DIAG_MSG_MAX - 1] = '\0';
	d->file = (uint16_t)file;
	d->line = line;
	d->col = col;
	d->severity = sev;
	d->dup_file = 0;
	d->dup_line = 0;
	rs->n_diags++;
	return 0;
}

static int add_diag(struct ruleset *rs, uint32_t line, uint32_t col,
		    enum rules_severity sev, const char *msg)
{
	return add_diag_in(rs, rs->n_files - 1, line, col, sev, msg);
}

int ruleset_diag_entry(struct ruleset *rs, size_t i, enum rules_severity sev,
		       const char *msg)
{
	return add_diag_in(rs, rs->file_of[i], rs->lines[i], 1, sev, msg);
}

int ruleset_diag_set(struct ruleset *rs, enum rules_severity sev,
		     const char *msg)
{
	return add_diag_in(rs, 0, 0, 0, sev, msg);
}

/* The next buffer comes from path: messages and duplicates name it. */
static int add_file(struct ruleset *rs, const char *path)
{
	struct ruleset_mark *marks;
	char *name, **files;

	if (rs->n_files == RULES_MAX_FILES)
		return -E2BIG;
	files = realloc(rs->files, (rs->n_files + 1) * sizeof(*files));
	if (!files)
		return -ENOMEM;
	rs->files = files;
	marks = realloc(rs->marks, (rs->n_files + 1) * sizeof(*marks));
	if (!marks)
		return -ENOMEM;
	rs->marks = marks;
	ruleset_mark_now(rs, &rs->marks[rs->n_files]);
	name = strdup(path);
	if (!name)
		return -ENOMEM;
	if (!rs->path) {
		rs->path = strdup(path);
		if (!rs->path) {
			free(name);
			return -ENOMEM;
		}
	}
	rs->files[rs->n_files++] = name;
	return 0;
}

/* Newlines counted a block at a time (the compiler makes it vector code):
 * a million-line file in a few milliseconds, where a memchr per line
 * took tens. */
size_t rules_count_lines(const char *p, const char *end)
{
	size_t len = (size_t)(end - p), n = 0, i = 0;

	for (; i + 64 <= len; i += 64) {
		unsigned char c = 0;

		for (unsigned k = 0; k < 64; k++)
			c += p[i + k] == '\n';
		n += c;
	}
	for (; i < len; i++)
		n += p[i] == '\n';
	return n + (len && end[-1] != '\n');
}

/*
 * Duplicate detection is a random access into a table of millions of
 * buckets per entry.  To overlap those cache misses with parsing, valid
 * entries wait in a short queue: the bucket of each is prefetched when it is
 * queued, the entry that bucket names half a queue later, and it is
 * indexed a few lines after that.  The queue is drained before any
 * diagnostic is added, so diagnostics stay in line order.
 */
#define PENDING 8

/* Into a set (rs, the queue) or, when stage is set, into a stage only
 * (rules_int.h: no set, no index). */
struct parser {
	struct ruleset *rs;
	struct ruleidx *ix; /* &rs->ix */
	struct rules_stage *stage;
	struct rules_pending q[PENDING];
	unsigned head, count;
};

/* Record the expiry of entry rs->n (the arrays exist once one has). */
static int keep_expiry(struct ruleset *rs, int64_t expires)
{
	if (!expires && !rs->expires)
		return 0;
	if (!rs->expires) {
		rs->expires = calloc(rs->cap, sizeof(*rs->expires));
		if (!rs->expires)
			return -ENOMEM;
	}
	rs->expires[rs->n] = expires;
	return 0;
}

/* An entry left out as expired, at line of the last file. */
static int note_expired(struct ruleset *rs, uint32_t line)
{
	struct rules_where *v = grow(rs->expired_at, &rs->cap_expired,
				     rs->n_expired + 1, sizeof(*v), 16);

	if (!v)
		return -ENOMEM;
	rs->expired_at = v;
	v[rs->n_expired].file = (uint16_t)(rs->n_files - 1);
	v[rs->n_expired].line = line;
	rs->n_expired++;
	return 0;
}

static int index_one(struct parser *ps)
{
	struct ruleset *rs = ps->rs;
	struct rules_pending *pd = &ps->q[ps->head];
	char msg[DIAG_MSG_MAX], canon[RULE_FMT_MAX];
	size_t before;
	uint32_t dup;
	int err;

	ps->head = (ps->head + 1) % PENDING;
	ps->count--;
	if (pd->expires && rs->now && pd->expires <= rs->now)
		return note_expired(rs, pd->line);
	err = ruleset_reserve(rs, rs->n + 1);
	if (!err)
		err = keep_expiry(rs, pd->expires);
	if (err)
		return err;
	rs->rules[rs->n] = pd->rule;
	rs->lines[rs->n] = pd->line;
	rs->file_of[rs->n] = (uint16_t)(rs->n_files - 1);
	dup = ruleidx_add(ps->ix, rs->rules, (uint32_t)rs->n);
	if (ruleidx_failed(dup))
		return -ENOMEM;
	if (dup == RULEIDX_NONE) {
		if (pd->expires &&
		    (!rs->next_expiry || pd->expires < rs->next_expiry))
			rs->next_expiry = pd->expires;
		rs->n++;
		return 0;
	}
	rule_format(&pd->rule, canon, sizeof(canon));
	if (rs->file_of[dup] == rs->n_files - 1)
		snprintf(msg, sizeof(msg), "duplicate of line %u: %s",
			 rs->lines[dup], canon);
	else
		snprintf(msg, sizeof(msg), "duplicate of %s:%u: %s",
			 rs->files[rs->file_of[dup]], rs->lines[dup], canon);
	before = rs->n_diags;
	err = add_diag(rs, pd->line, pd->col, RULES_WARNING, msg);
	if (!err && rs->n_diags > before) {
		rs->diags[before].dup_file = rs->file_of[dup];
		rs->diags[before].dup_line = rs->lines[dup];
	}
	return err;
}

static int drain(struct parser *ps)
{
	while (ps->count) {
		int err = index_one(ps);

		if (err)
			return err;
	}
	return 0;
}

/* A diagnostic of a line: after those of the lines before it (the
 * duplicates still queued go first). */
static int emit_diag(struct parser *ps, uint32_t line, uint32_t col,
		     enum rules_severity sev, const char *msg)
{
	int err;

	if (ps->stage)
		return rules_stage_diag(ps->stage, line, col, sev, msg);
	err = drain(ps);
	return err ? err : add_diag(ps->rs, line, col, sev, msg);
}

static int line_error(struct parser *ps, uint32_t line, uint32_t col,
		      const char *msg)
{
	return emit_diag(ps, line, col, RULES_ERROR, msg);
}

/* A valid entry: queued for the index (its bucket loading meanwhile), or
 * staged. */
static int emit_entry(struct parser *ps, const struct rules_pending *p)
{
	if (ps->stage)
		return rules_stage_entry(ps->stage, p);
	if (ps->count == PENDING) {
		int err = index_one(ps);

		if (err)
			return err;
	}
	ps->q[(ps->head + ps->count) % PENDING] = *p;
	ruleidx_prefetch(ps->ix, &p->rule);
	ps->count++;
	/* Half a queue later the bucket is in: load the entry it names, which
	 * the duplicate check compares with (a second miss, 16% of a parse
	 * at 1M when left to the check itself). */
	if (ps->count > PENDING / 2)
		ruleidx_prefetch_entry(ps->ix, ps->rs->rules,
				       &ps->q[(ps->head + ps->count - 1 -
					       PENDING / 2) % PENDING].rule);
	return 0;
}

/* '#' anywhere, or a ';' at the start of the line or after a blank, as in
 * Spamhaus DROP ("1.10.16.0/20 ; SBL256894"), starts a comment; a ';'
 * elsewhere is part of the entry (and an error there). */
const char *rules_comment(const char *ls, const char *le)
{
	for (const char *c = ls; c < le; c++)
		if (*c == '#' || (*c == ';' && (c == ls || is_blank(c[-1]))))
			return c;
	return le;
}

/*
 * "ENTRY expires=TIME": take the expiry off the end of [*s, *e) (trimmed).
 * 0, or -EINVAL with a message and the column (1-based, from *s).
 */
static int split_expiry(const char **s, const char **e, int64_t *expires,
			char *msg, size_t len, uint32_t *col)
{
	static const char key[] = "expires=";
	const char *t = *e;

	*expires = 0;
	while (t > *s && !is_blank(t[-1]))
		t--;
	if ((size_t)(*e - t) < sizeof(key) - 1 ||
	    memcmp(t, key, sizeof(key) - 1))
		return 0;
	*col = (uint32_t)(t - *s) + 1;
	if (t == *s) {
		snprintf(msg, len, "expected an entry before expires=");
		return -EINVAL;
	}
	if (rules_parse_time(t + sizeof(key) - 1,
			     (size_t)(*e - t) - (sizeof(key) - 1), expires)) {
		snprintf(msg, len, "expires= takes an RFC 3339 UTC time such as "
			 "2026-12-01T00:00:00Z, found \"%.*s\"",
			 (int)((size_t)(*e - t) - (sizeof(key) - 1)) > 40 ? 40 :
			 (int)((size_t)(*e - t) - (sizeof(key) - 1)),
			 t + sizeof(key) - 1);
		return -EINVAL;
	}
	while (t > *s && is_blank(t[-1]))
		t--;
	*e = t;
	return 0;
}

/* The entry text of a raw line [ls, le): without its comment and the
 * blanks around it, in [*s, *e).  false for a blank or comment line. */
static bool entry_text(const char *ls, const char *le, const char **s,
		       const char **e)
{
	*s = ls;
	*e = rules_comment(ls, le);
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
	return *s != *e;
}

/* One raw line [ls, le), without its '\n'. */
static int parse_line(struct parser *ps, uint32_t lineno, const char *ls,
		      const char *le, bool may_have_nul)
{
	const char *s, *e;
	char msg[DIAG_MSG_MAX];
	struct rules_pending pd;
	uint32_t col;
	int err;

	if (may_have_nul) {
		const char *z = memchr(ls, '\0', (size_t)(le - ls));

		if (z)
			return line_error(ps, lineno, (uint32_t)(z - ls) + 1,
					  "expected text, found a NUL byte (is this a binary file?)");
	}
	if (!entry_text(ls, le, &s, &e))
		return 0;
	err = split_expiry(&s, &e, &pd.expires, msg, sizeof(msg), &col);
	if (err)
		return line_error(ps, lineno, (uint32_t)(s - ls) + col, msg);
	if (rule_parse(s, (size_t)(e - s), &pd.rule, msg, sizeof(msg), &col))
		return line_error(ps, lineno, (uint32_t)(s - ls) + col, msg);
	if (rule_warning(s, (size_t)(e - s), &pd.rule, msg, sizeof(msg))) {
		err = emit_diag(ps, lineno, (uint32_t)(s - ls) + 1,
				RULES_WARNING, msg);
		if (err)
			return err;
	}
	pd.line = lineno;
	pd.col = (uint32_t)(s - ls) + 1;
	return emit_entry(ps, &pd);
}

int rules_line_entry(const char *line, size_t len, struct xdpfw_rule *r,
		     int64_t *expires)
{
	const char *s, *e;
	char msg[DIAG_MSG_MAX];
	uint32_t col;

	*expires = 0;
	if (memchr(line, '\0', len))
		return -EINVAL;
	if (!entry_text(line, line + len, &s, &e))
		return 0;
	if (split_expiry(&s, &e, expires, msg, sizeof(msg), &col) ||
	    rule_parse(s, (size_t)(e - s), r, msg, sizeof(msg), &col))
		return -EINVAL;
	return 1;
}

/* Between two calls of a parse's done callback: this much text. */
#define PARSE_DONE_STEP (4u << 20)

/* Lines [p, end) numbered from lineno + 1, through ps: what of them is
 * past, [p, upto), told to done every PARSE_DONE_STEP bytes or so (the
 * entries queued first indexed: only then is their text no longer read).
 * *lineno is the last line's. */
static int parse_range(struct parser *ps, const char *p, const char *end,
		       uint32_t *lineno, rules_parse_done_fn done, void *ctx)
{
	const char *from = p, *next_done = p + PARSE_DONE_STEP;
	bool may_have_nul = p < end && memchr(p, '\0', (size_t)(end - p));
	int err;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		err = parse_line(ps, ++*lineno, p, le, may_have_nul);
		if (err)
			return err;
		p = nl ? nl + 1 : end;
		if (done && p >= next_done && p < end) {
			err = drain(ps);
			if (err)
				return err;
			done(ctx, from, p);
			next_done = p + PARSE_DONE_STEP;
		}
	}
	return drain(ps);
}

int rules_parse_lines(struct ruleset *rs, const char *p, const char *end,
		      uint32_t lineno, size_t est, rules_parse_done_fn done,
		      void *ctx)
{
	struct parser ps = { .rs = rs, .ix = &rs->ix };
	uint32_t first = lineno;
	int err;

	/* Size the arrays once for an ordinary file; a file of millions of
	 * blank lines must not reserve room for millions of entries. */
	if (est > RULES_RESERVE_MAX)
		est = RULES_RESERVE_MAX;
	err = ruleset_reserve(rs, rs->n + est);
	if (err)
		return err;
	/* The index lives with the set (callers look rules up in it); a
	 * second buffer into the same set extends it. */
	if (!rs->ix.tab) {
		err = ruleidx_init(&rs->ix, rs->n + est);
		if (err)
			return err;
	}
	err = parse_range(&ps, p, end, &lineno, done, ctx);
	rs->n_lines += lineno - first;
	return err;
}

int rules_stage_lines(struct rules_stage *st, const char *p, const char *end,
		      rules_parse_done_fn done, void *ctx)
{
	struct parser ps = { .stage = st };
	uint32_t lineno = 0;
	int err = parse_range(&ps, p, end, &lineno, done, ctx);

	st->n_lines = lineno;
	return err;
}

/* The stage's entries are read from the set's arrays past the first
 * part's entries, and the first part's and theirs are written before
 * them: position rs->n is never past the entry read last. */
int rules_unstage(struct ruleset *rs, const struct rules_stage *st,
		  uint32_t base)
{
	struct parser ps = { .rs = rs, .ix = &rs->ix };
	size_t i = 0, x = 0;
	int err = 0;

	for (size_t k = 0; !err && k <= st->n_d; k++) {
		size_t upto = k < st->n_d ? st->d[k].before : st->n;

		for (; !err && i < upto; i++) {
			struct rules_pending pd = {
				.rule = st->rules[i], .line = base + st->lines[i],
				.col = st->cols[i],
			};

			if (x < st->n_x && st->x[x].i == i)
				pd.expires = st->x[x++].expires;
			err = emit_entry(&ps, &pd);
		}
		if (!err && k < st->n_d)
			err = emit_diag(&ps, base + st->d[k].line, st->d[k].col,
					st->d[k].sev, st->d[k].msg);
	}
	if (!err)
		err = drain(&ps);
	/* Those past the cap: the set's diagnostics are full by now. */
	rs->n_errors += st->more_errors;
	rs->n_warnings += st->more_warnings;
	rs->n_lines += st->n_lines;
	return err;
}

static int parse_lines(struct ruleset *rs, const char *p, const char *end,
		       uint32_t lineno)
{
	return rules_parse_lines(rs, p, end, lineno, rules_count_lines(p, end),
				 NULL, NULL);
}

int rules_parse_buffer_cb(struct ruleset *rs, const char *path,
			  const char *buf, size_t len, rules_parse_done_fn done,
			  void *ctx)
{
	const char *p = buf;
	int err = add_file(rs, path ? path : "-");

	if (err)
		return err;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	return rules_parse_text(rs, p, buf + len, done, ctx);
}

int rules_parse_buffer(struct ruleset *rs, const char *path, const char *buf,
		       size_t len)
{
	return rules_parse_buffer_cb(rs, path, buf, len, NULL, NULL);
}

int rules_parse_window(struct ruleset *w, const char *path, const char *buf,
		       size_t len, uint32_t first_line)
{
	int err = add_file(w, path ? path : "-");

	return err ? err : parse_lines(w, buf, buf + len, first_line);
}

int rules_parse_more(struct ruleset *w, const char *buf, size_t len,
		     uint32_t first_line)
{
	return w->n_files ? parse_lines(w, buf, buf + len, first_line) : -EINVAL;
}

void ruleset_mark_now(const struct ruleset *rs, struct ruleset_mark *m)
{
	*m = (struct ruleset_mark){
		.n = rs->n, .n_diags = rs->n_diags, .n_errors = rs->n_errors,
		.n_warnings = rs->n_warnings, .n_lines = rs->n_lines,
		.n_expired = rs->n_expired, .n_protected = rs->n_protected,
		.next_expiry = rs->next_expiry,
	};
}

void ruleset_rewind(struct ruleset *rs, const struct ruleset_mark *m,
		    size_t n_files)
{
	struct ruleset_mark keep = *m; /* m may point into rs->marks */

	if (!n_files || n_files > rs->n_files || keep.n > rs->n ||
	    keep.n_diags > rs->n_diags)
		return;
	for (size_t pos = rs->n; pos-- > keep.n;)
		ruleidx_remove(&rs->ix, rs->rules, (uint32_t)pos);
	for (size_t i = keep.n_diags; i < rs->n_diags; i++)
		free(rs->diags[i].msg);
	for (size_t i = n_files; i < rs->n_files; i++)
		free(rs->files[i]);
	rs->n_files = n_files;
	rs->n = keep.n;
	rs->n_diags = keep.n_diags;
	rs->n_errors = keep.n_errors;
	rs->n_warnings = keep.n_warnings;
	rs->n_lines = keep.n_lines;
	rs->n_expired = keep.n_expired;
	rs->n_protected = keep.n_protected;
	rs->next_expiry = keep.next_expiry;
}

int ruleset_add(struct ruleset *rs, const char *source,
		const struct xdpfw_rule *r)
{
	uint32_t dup;
	int err;

	if (!rs->ix.tab) {
		err = ruleidx_init(&rs->ix, 64);
		if (err)
			return err;
	}
	if (ruleidx_find(&rs->ix, rs->rules, r) != RULEIDX_NONE)
		return 0;
	if (!rs->n_files || strcmp(rs->files[rs->n_files - 1], source)) {
		err = add_file(rs, source);
		if (err)
			return err;
	}
	err = ruleset_reserve(rs, rs->n + 1);
	if (!err)
		err = keep_expiry(rs, 0);
	if (err)
		return err;
	rs->rules[rs->n] = *r;
	rs->lines[rs->n] = 0;
	rs->file_of[rs->n] = (uint16_t)(rs->n_files - 1);
	dup = ruleidx_add(&rs->ix, rs->rules, (uint32_t)rs->n);
	if (ruleidx_failed(dup))
		return -ENOMEM;
	rs->n++;
	rs->n_protected++;
	return 1;
}

int rules_parse_file(struct ruleset *rs, const char *path,
		     struct safefile_result *res)
{
	struct safefile_result own;
	char *buf;
	size_t len;
	int err;

	err = safefile_read(path, RULES_FILE_MAX, &buf, &len, res ? res : &own);
	if (err)
		return err;
	err = rules_parse_buffer(rs, path, buf, len);
	free(buf);
	return err;
}
