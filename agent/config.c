// SPDX-License-Identifier: GPL-2.0-only
/*
 * The INI configuration file (SPEC §3), parsed with inih.
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

#define IFNAME_MAX 15               /* IFNAMSIZ - 1 */
#define CONFIG_FILE_MAX (1u << 20)  /* refuse to slurp anything bigger */

enum section {
	SEC_NONE,    /* before any section header */
	SEC_AGENT,
	SEC_STATS,
	SEC_IGNORED, /* unknown or malformed header: already reported */
};

static const char *const section_names[] = {
	[SEC_AGENT] = "agent",
	[SEC_STATS] = "stats",
};

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

static int parse_interfaces(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen);
static int parse_xdp_mode(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen);
static int parse_on_invalid(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen);
static int parse_log_level(struct xdpfw_config *cfg, const struct key_desc *k,
			   const char *value, char *why, size_t whylen);
static int parse_path(struct xdpfw_config *cfg, const struct key_desc *k,
		      const char *value, char *why, size_t whylen);
static int parse_abs_path(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen);
static int parse_opt_path(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen);
static int parse_u32(struct xdpfw_config *cfg, const struct key_desc *k,
		     const char *value, char *why, size_t whylen);

#define FIELD(f) offsetof(struct xdpfw_config, f)

/* Every key, once.  Defaults live in config_init(). */
static const struct key_desc keys[] = {
	{ SEC_AGENT, "interfaces", parse_interfaces, 0, 0, 0,
	  "one or more interface names separated by spaces or commas" },
	{ SEC_AGENT, "xdp_mode", parse_xdp_mode, FIELD(xdp_mode), 0, 0,
	  "auto, native or generic" },
	{ SEC_AGENT, "rules", parse_path, FIELD(rules_path), 0, 0,
	  "a path" },
	{ SEC_AGENT, "pin_dir", parse_abs_path, FIELD(pin_dir), 0, 0,
	  "an absolute path" },
	{ SEC_AGENT, "max_rules", parse_u32, FIELD(max_rules),
	  1, CONFIG_MAX_RULES_LIMIT, NULL },
	{ SEC_AGENT, "on_invalid", parse_on_invalid, FIELD(on_invalid), 0, 0,
	  "reject or skip" },
	{ SEC_AGENT, "reload_delay_ms", parse_u32, FIELD(reload_delay_ms),
	  0, 60000, NULL },
	{ SEC_AGENT, "log_level", parse_log_level, FIELD(log_level), 0, 0,
	  "error, warning, info or debug" },
	{ SEC_AGENT, "audit_interval", parse_u32, FIELD(audit_interval),
	  0, 86400, NULL },
	{ SEC_STATS, "interval", parse_u32, FIELD(stats_interval),
	  0, 86400, NULL },
	{ SEC_STATS, "log_top", parse_u32, FIELD(stats_log_top),
	  0, 1000, NULL },
	{ SEC_STATS, "prometheus_textfile", parse_opt_path,
	  FIELD(prometheus_textfile), 0, 0, "a path, or nothing" },
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* ------------------------------------------------------------------------ */
/* Value parsers */

static char **str_field(struct xdpfw_config *cfg, const struct key_desc *k)
{
	return (char **)((char *)cfg + k->offset);
}

static int set_str(char **field, const char *value)
{
	char *s = NULL;

	if (value) {
		s = strdup(value);
		if (!s)
			return -ENOMEM;
	}
	free(*field);
	*field = s;
	return 0;
}

static int parse_path(struct xdpfw_config *cfg, const struct key_desc *k,
		      const char *value, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	if (!*value)
		return -EINVAL;
	return set_str(str_field(cfg, k), value);
}

static int parse_abs_path(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	if (value[0] != '/')
		return -EINVAL;
	return set_str(str_field(cfg, k), value);
}

/* Empty value: off (NULL). */
static int parse_opt_path(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return set_str(str_field(cfg, k), *value ? value : NULL);
}

/* Decimal only: no sign, no base prefix, no junk; overflow checked. */
static int parse_uint_range(const char *s, uint32_t min, uint32_t max,
			    uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	if (v < min)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_u32(struct xdpfw_config *cfg, const struct key_desc *k,
		     const char *value, char *why, size_t whylen)
{
	uint32_t v;

	if (parse_uint_range(value, k->min, k->max, &v) < 0) {
		snprintf(why, whylen, "expected an integer %u..%u", k->min,
			 k->max);
		return -EINVAL;
	}
	*(uint32_t *)((char *)cfg + k->offset) = v;
	return 0;
}

static int parse_xdp_mode(struct xdpfw_config *cfg, const struct key_desc *k,
			  const char *value, char *why, size_t whylen)
{
	static const enum xdp_mode modes[] = { XDP_MODE_AUTO, XDP_MODE_NATIVE,
					       XDP_MODE_GENERIC };

	(void)k;
	(void)why;
	(void)whylen;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(value, xdp_mode_name(modes[i])) == 0) {
			cfg->xdp_mode = modes[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_on_invalid(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen)
{
	(void)k;
	(void)why;
	(void)whylen;
	if (strcmp(value, "reject") == 0)
		cfg->on_invalid = ON_INVALID_REJECT;
	else if (strcmp(value, "skip") == 0)
		cfg->on_invalid = ON_INVALID_SKIP;
	else
		return -EINVAL;
	return 0;
}

static int parse_log_level(struct xdpfw_config *cfg, const struct key_desc *k,
			   const char *value, char *why, size_t whylen)
{
	enum log_level level;

	(void)k;
	(void)why;
	(void)whylen;
	if (log_level_parse(value, &level) < 0)
		return -EINVAL;
	cfg->log_level = level;
	return 0;
}

/* The kernel's dev_valid_name(). */
static bool ifname_valid(const char *name, size_t len)
{
	if (len == 0 || len > IFNAME_MAX)
		return false;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' ||
		    isspace((unsigned char)name[i]))
			return false;
	return true;
}

static bool is_ifsep(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

static int parse_interfaces(struct xdpfw_config *cfg, const struct key_desc *k,
			    const char *value, char *why, size_t whylen)
{
	char *names[CONFIG_MAX_INTERFACES];
	size_t n = 0;
	const char *p = value;
	int err = 0;

	(void)k;
	for (;;) {
		const char *start;
		size_t len;

		while (is_ifsep(*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !is_ifsep(*p))
			p++;
		len = (size_t)(p - start);

		if (!ifname_valid(start, len)) {
			snprintf(why, whylen,
				 "\"%.*s\" is not a valid interface name "
				 "(1..%d characters, no '/', ':' or "
				 "whitespace, not \".\" or \"..\")",
				 (int)len, start, IFNAME_MAX);
			err = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (strlen(names[i]) == len &&
			    memcmp(names[i], start, len) == 0) {
				snprintf(why, whylen,
					 "\"%.*s\" is listed twice", (int)len,
					 start);
				err = -EINVAL;
				goto out;
			}
		}
		if (n == CONFIG_MAX_INTERFACES) {
			snprintf(why, whylen, "more than %d interfaces",
				 CONFIG_MAX_INTERFACES);
			err = -EINVAL;
			goto out;
		}
		names[n] = strndup(start, len);
		if (!names[n]) {
			err = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n == 0) {
		err = -EINVAL; /* "expected one or more interface names ..." */
		goto out;
	}

	/* Replace the previous list. */
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		free(cfg->interfaces[i]);
		cfg->interfaces[i] = NULL;
	}
	memcpy(cfg->interfaces, names, n * sizeof(names[0]));
	cfg->n_interfaces = n;
	n = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return err;
}

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
	unsigned seen[N_KEYS]; /* line where each key was set, 0: not yet */

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

	if (st->n_err_lines == st->cap_err_lines) {
		size_t cap = st->cap_err_lines ? 2 * st->cap_err_lines : 16;
		unsigned *p = realloc(st->err_lines, cap * sizeof(*p));

		if (!p) {
			st->nomem = true;
			return;
		}
		st->err_lines = p;
		st->cap_err_lines = cap;
	}
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
		if (strlen(section_names[s]) == len &&
		    memcmp(section_names[s], name, len) == 0)
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
	if (st->section == SEC_IGNORED)
		report(st, st->line, "unknown section [%.*s]; expected %s",
		       (int)(ne - n), n, SECTION_LIST);
	else if (close + 1 != e)
		report(st, st->line, "syntax error: unexpected text after [%s]",
		       section_names[st->section]);
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
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].section == sec && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void report_unknown_key(struct parse_state *st, const char *name)
{
	const char *sec = section_names[st->section];
	const struct key_desc *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < N_KEYS; i++) {
		if (keys[i].section != st->section &&
		    strcmp(keys[i].name, name) == 0) {
			report(st, st->line,
			       "unknown key \"%s\" in [%s]; it belongs in [%s]",
			       name, sec, section_names[keys[i].section]);
			return;
		}
	}
	for (size_t i = 0; i < N_KEYS; i++) {
		size_t d;

		if (keys[i].section != st->section)
			continue;
		d = edit_distance(name, keys[i].name);
		if (d < best_d) {
			best_d = d;
			best = &keys[i];
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

		for (size_t i = 0; i < N_KEYS && !any; i++)
			if (strcmp(keys[i].name, name) == 0)
				any = &keys[i];
		if (any)
			report(st, st->line,
			       "key \"%s\" is outside any section; put it "
			       "under [%s]",
			       name, section_names[any->section]);
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
	idx = (size_t)(k - keys);
	if (st->seen[idx]) {
		report(st, st->line,
		       "duplicate key \"%s\" in [%s]; first set on line %u",
		       name, section_names[st->section], st->seen[idx]);
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

static bool defaults_present(const struct xdpfw_config *cfg)
{
	return cfg->rules_path && cfg->pin_dir;
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

void config_init(struct xdpfw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->xdp_mode = XDP_MODE_AUTO;
	/* On ENOMEM these stay NULL and config_load_*() return -ENOMEM. */
	cfg->rules_path = strdup("/etc/xdpfw/rules.txt");
	cfg->pin_dir = strdup("/sys/fs/bpf/xdpfw");
	cfg->max_rules = 1048576;
	cfg->on_invalid = ON_INVALID_REJECT;
	cfg->reload_delay_ms = 100;
	cfg->log_level = LOG_LVL_INFO;
	cfg->audit_interval = 60;
	cfg->stats_interval = 10;
	cfg->stats_log_top = 5;
	cfg->prometheus_textfile = NULL;
}

void config_free(struct xdpfw_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	cfg->path = NULL;
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		free(cfg->interfaces[i]);
		cfg->interfaces[i] = NULL;
	}
	cfg->n_interfaces = 0;
	free(cfg->rules_path);
	cfg->rules_path = NULL;
	free(cfg->pin_dir);
	cfg->pin_dir = NULL;
	free(cfg->prometheus_textfile);
	cfg->prometheus_textfile = NULL;
}

/*
 * On -EINVAL, cfg holds whatever parsed before and after the problems; the
 * caller should not use it, but must still config_free() it.
 */
int config_load_string(struct xdpfw_config *cfg, const char *name,
		       const char *text, config_diag_fn diag, void *ctx)
{
	if (!defaults_present(cfg))
		return -ENOMEM;
	if (name && set_str(&cfg->path, name) < 0)
		return -ENOMEM;
	return parse_buffer(cfg, name ? name : "<string>", text, strlen(text),
			    diag, ctx);
}

int config_load_file(struct xdpfw_config *cfg, const char *path,
		     config_diag_fn diag, void *ctx)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int err = 0;

	if (!defaults_present(cfg))
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f)
		return -errno;

	for (;;) {
		size_t n;

		if (len == cap) {
			char *p;

			if (cap > CONFIG_FILE_MAX)
				break; /* too large, reported below */
			cap = cap ? 2 * cap : 4096;
			p = realloc(buf, cap + 1);
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				err = errno ? -errno : -EIO;
				goto out;
			}
			break;
		}
	}
	if (len > CONFIG_FILE_MAX) {
		if (diag)
			diag(ctx, path, 0, "file too large (more than 1 MiB)");
		err = -EINVAL;
		goto out;
	}
	if (!buf) { /* empty file */
		buf = strdup("");
		if (!buf) {
			err = -ENOMEM;
			goto out;
		}
	}

	err = set_str(&cfg->path, path);
	if (err)
		goto out;
	err = parse_buffer(cfg, path, buf, len, diag, ctx);
out:
	free(buf);
	fclose(f);
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

const char *xdp_mode_name(enum xdp_mode mode)
{
	switch (mode) {
	case XDP_MODE_AUTO:
		return "auto";
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_GENERIC:
		return "generic";
	}
	return "?";
}
