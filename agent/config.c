// SPDX-License-Identifier: GPL-2.0-only
/*
 * The INI configuration file (README.md "Configuration", conf/xdpfw.conf),
 * parsed with inih.
 *
 * inih (Debian's libinih, r55) splits "key = value" and trims it; we feed it
 * through ini_parse_stream() with our own reader, which hands it one physical
 * line per call.  inih processes a line completely (calling the handler)
 * before it asks for the next one, so the reader's line count is the line
 * the handler is looking at — Debian's handler gets no line number.
 *
 * The reader also normalises each line so that the result does not depend on
 * how inih was built:
 *   - leading whitespace is removed, so an indented key is never taken as a
 *     multi-line continuation of the previous value (INI_ALLOW_MULTILINE);
 *   - a ';' or '#' preceded by whitespace starts a comment, which is removed
 *     whether or not inih strips inline comments itself (Debian strips only
 *     ';'); a value therefore cannot contain " ;" or " #";
 *   - a trailing '\r' (CRLF files) and a UTF-8 BOM on line 1 are removed;
 *   - section headers are handled here, not by inih (the handler uses our
 *     notion of the current section), and syntax errors are reported here;
 *     lines we reject reach inih as blank lines, so line counts stay aligned;
 *   - a line whose significant part (without comment) does not fit inih's
 *     line buffer is an error instead of being silently cut in two.
 * Every problem is reported, then parsing goes on; the result is -EINVAL if
 * there was any.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_keys.h"
#include "grow.h"
#include "safefile.h"

#define CONFIG_FILE_MAX (1u << 20)  /* refuse to slurp anything bigger */

/* ------------------------------------------------------------------------ */
/* Parse state, reader, handler */

struct parse_state {
	struct xdpfw_config *cfg;
	const char *name; /* for messages */
	config_diag_fn diag;
	void *ctx;

	const char *pos, *end; /* input not yet handed to inih */
	unsigned line;         /* line last handed to inih */
	enum section section;
	unsigned seen[CONFIG_N_KEYS_MAX]; /* line where each key was set, 0: not
					   * yet */
	unsigned section_seen[SEC_IGNORED]; /* line of each header, 0: not yet */

	unsigned *err_lines; /* lines with a reported problem, ascending */
	size_t n_err_lines, cap_err_lines;
	bool nomem;
};

static bool had_error_on(const struct parse_state *st, unsigned line)
{
	for (size_t i = 0; i < st->n_err_lines; i++)
		if (st->err_lines[i] == line)
			return true;
	return false;
}

__attribute__((format(printf, 3, 4)))
static void report(struct parse_state *st, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	unsigned *p = grow(st->err_lines, &st->cap_err_lines,
			   st->n_err_lines + 1, sizeof(*p), 16);

	if (!p) {
		st->nomem = true;
		return;
	}
	st->err_lines = p;
	st->err_lines[st->n_err_lines++] = line;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->diag)
		st->diag(st->ctx, st->name, line, msg);
}

#define SECTION_LIST "[agent] or [stats]"

static enum section section_lookup(const char *name, size_t len)
{
	for (int s = SEC_AGENT; s <= SEC_STATS; s++)
		if (strlen(config_section_names[s]) == len &&
		    memcmp(config_section_names[s], name, len) == 0)
			return (enum section)s;
	return SEC_IGNORED;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A "[name]" line; s..e is the line without comment and outer blanks. */
static void reader_section(struct parse_state *st, const char *s,
			   const char *e)
{
	const char *close = memchr(s, ']', (size_t)(e - s));
	const char *n, *ne;

	if (!close) {
		report(st, st->line, "syntax error: missing ']' in section "
				     "header");
		st->section = SEC_IGNORED;
		return;
	}
	n = s + 1;
	ne = close;
	while (n < ne && is_blank(*n))
		n++;
	while (ne > n && is_blank(ne[-1]))
		ne--;
	st->section = section_lookup(n, (size_t)(ne - n));
	if (st->section == SEC_IGNORED) {
		report(st, st->line, "unknown section [%.*s]; expected %s",
		       (int)(ne - n), n, SECTION_LIST);
	} else if (st->section_seen[st->section]) {
		report(st, st->line, "duplicate section [%s]; first on line %u "
		       "(put its keys there)", config_section_names[st->section],
		       st->section_seen[st->section]);
		st->section = SEC_IGNORED;
	} else if (close + 1 != e)
		report(st, st->line, "syntax error: unexpected text after [%s]",
		       config_section_names[st->section]);
	if (st->section != SEC_IGNORED)
		st->section_seen[st->section] = st->line;
}

/*
 * fgets-style reader for ini_parse_stream(): one physical line per call,
 * normalised as described at the top of this file.  num is inih's line
 * buffer size (INI_MAX_LINE, 200 in Debian).
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	const char *s, *e, *nl, *c;
	size_t len;

	if (st->pos >= st->end || num < 2)
		return NULL;

	s = st->pos;
	nl = memchr(s, '\n', (size_t)(st->end - s));
	e = nl ? nl : st->end;
	st->pos = nl ? nl + 1 : st->end;
	st->line++;
	strcpy(str, "\n"); /* what inih gets for anything but a key line */

	if (memchr(s, '\0', (size_t)(e - s))) {
		report(st, st->line, "line contains a NUL byte");
		return str;
	}
	if (st->line == 1 && e - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;

	while (s < e && is_blank(*s))
		s++;
	if (s == e || *s == ';' || *s == '#')
		return str; /* blank or comment line */
	for (c = s + 1; c < e; c++) {
		if ((*c == ';' || *c == '#') && is_blank(c[-1])) {
			e = c; /* inline comment */
			break;
		}
	}
	while (e > s && is_blank(e[-1]))
		e--;

	if (*s == '[') {
		reader_section(st, s, e);
		return str;
	}

	/* A key line: KEY = VALUE.  inih also splits on ':', we do not. */
	{
		const char *eq = memchr(s, '=', (size_t)(e - s));
		const char *colon = memchr(s, ':', (size_t)(e - s));

		if (!eq || (colon && colon < eq)) {
			report(st, st->line,
			       "syntax error: expected KEY = VALUE");
			return str;
		}
		if (eq == s) {
			report(st, st->line,
			       "syntax error: missing key before '='");
			return str;
		}
	}

	len = (size_t)(e - s);
	if (len + 2 > (size_t)num) {
		report(st, st->line,
		       "line too long (%zu characters without comment; at "
		       "most %d are supported)",
		       len, num - 2);
		return str;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* Case-insensitive Levenshtein distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (lb >= sizeof(row) / sizeof(row[0]) || la >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;

			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static const struct key_desc *key_lookup(enum section sec, const char *name)
{
	for (size_t i = 0; i < config_n_keys; i++)
		if (config_keys[i].section == sec && strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static void report_unknown_key(struct parse_state *st, const char *name)
{
	const char *sec = config_section_names[st->section];
	const struct key_desc *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < config_n_keys; i++) {
		if (config_keys[i].section != st->section &&
		    strcmp(config_keys[i].name, name) == 0) {
			report(st, st->line,
			       "unknown key \"%s\" in [%s]; it belongs in [%s]",
			       name, sec, config_section_names[config_keys[i].section]);
			return;
		}
	}
	for (size_t i = 0; i < config_n_keys; i++) {
		size_t d;

		if (config_keys[i].section != st->section)
			continue;
		d = edit_distance(name, config_keys[i].name);
		if (d < best_d) {
			best_d = d;
			best = &config_keys[i];
		}
	}
	if (best)
		report(st, st->line,
		       "unknown key \"%s\" in [%s]; did you mean \"%s\"?", name,
		       sec, best->name);
	else
		report(st, st->line, "unknown key \"%s\" in [%s]", name, sec);
}

/*
 * inih's handler.  The section argument is ignored: sections are tracked by
 * the reader.  Always returns 1 (problems are recorded in the state), so a
 * positive ini_parse_stream() result can only be a syntax error inih found.
 */
static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_state *st = user;
	const struct key_desc *k;
	char why[512];
	size_t idx;
	int err;

	(void)section;
	if (st->section == SEC_IGNORED)
		return 1; /* its header has been reported */
	if (st->section == SEC_NONE) {
		const struct key_desc *any = NULL;

		for (size_t i = 0; i < config_n_keys && !any; i++)
			if (strcmp(config_keys[i].name, name) == 0)
				any = &config_keys[i];
		if (any)
			report(st, st->line,
			       "key \"%s\" is outside any section; put it "
			       "under [%s]",
			       name, config_section_names[any->section]);
		else
			report(st, st->line,
			       "key \"%s\" is outside any section; expected "
			       "%s first",
			       name, SECTION_LIST);
		return 1;
	}

	k = key_lookup(st->section, name);
	if (!k) {
		report_unknown_key(st, name);
		return 1;
	}
	idx = (size_t)(k - config_keys);
	if (st->seen[idx]) {
		report(st, st->line,
		       "duplicate key \"%s\" in [%s]; first set on line %u",
		       name, config_section_names[st->section], st->seen[idx]);
		return 1;
	}
	st->seen[idx] = st->line;

	why[0] = '\0';
	err = k->parse(st->cfg, k, value, why, sizeof(why));
	if (err == -ENOMEM) {
		st->nomem = true;
	} else if (err < 0) {
		if (why[0])
			report(st, st->line, "bad value \"%s\" for %s: %s",
			       value, name, why);
		else
			report(st, st->line,
			       "bad value \"%s\" for %s: expected %s", value,
			       name, k->expect);
	}
	return 1;
}

/* config_init() could allocate every default (before parsing: after it,
 * an empty rules_dir is a legitimate NULL). */
static bool defaults_present(const struct xdpfw_config *cfg)
{
	return cfg->rules_path && cfg->pin_dir;
}

static bool initialised(const struct xdpfw_config *cfg)
{
	return defaults_present(cfg) && cfg->rules_dir;
}

static int parse_buffer(struct xdpfw_config *cfg, const char *name,
			const char *buf, size_t len, config_diag_fn diag,
			void *ctx)
{
	struct parse_state st = {
		.cfg = cfg,
		.name = name,
		.diag = diag,
		.ctx = ctx,
		.pos = buf,
		.end = buf + len,
		.section = SEC_NONE,
	};
	int rc;

	rc = ini_parse_stream(reader, &st, handler, &st);
	if (rc == -2)
		st.nomem = true;
	else if (rc > 0 && !had_error_on(&st, (unsigned)rc))
		report(&st, (unsigned)rc, "syntax error");

	free(st.err_lines);
	if (st.nomem)
		return -ENOMEM;
	return st.n_err_lines ? -EINVAL : 0;
}

/* ------------------------------------------------------------------------ */
/* API */

/*
 * On -EINVAL, cfg holds whatever parsed before and after the problems; the
 * caller should not use it, but must still config_free() it.
 */
int config_load_string(struct xdpfw_config *cfg, const char *name,
		       const char *text, config_diag_fn diag, void *ctx)
{
	if (!initialised(cfg))
		return -ENOMEM;
	if (name && config_set_str(&cfg->path, name) < 0)
		return -ENOMEM;
	return parse_buffer(cfg, name ? name : "<string>", text, strlen(text),
			    diag, ctx);
}

/* A refused file (insecure, not regular, too large) is invalid input,
 * reported as PATH: why; open/read errors are returned as they are. */
int config_load_file(struct xdpfw_config *cfg, const char *path,
		     config_diag_fn diag, void *ctx)
{
	struct safefile_result res;
	char *buf;
	size_t len;
	int err;

	if (!initialised(cfg))
		return -ENOMEM;
	err = safefile_read(path, CONFIG_FILE_MAX, &buf, &len, &res);
	if (err && res.refusal != SAFEFILE_ERRNO) {
		if (diag)
			diag(ctx, path, 0, res.why);
		return -EINVAL;
	}
	if (err)
		return err;
	err = config_set_str(&cfg->path, path);
	if (!err)
		err = parse_buffer(cfg, path, buf, len, diag, ctx);
	free(buf);
	return err;
}

int config_validate_for_run(const struct xdpfw_config *cfg, config_diag_fn diag,
			    void *ctx)
{
	const char *path = cfg->path ? cfg->path : "<defaults>";
	int err = 0;

	if (!defaults_present(cfg))
		return -ENOMEM;
	if (cfg->n_interfaces == 0) {
		if (diag)
			diag(ctx, path, 0,
			     "no interfaces: set [agent] interfaces = IFACE "
			     "[IFACE...]");
		err = -EINVAL;
	}
	return err;
}

