/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rules file (README.md "The rules file"): a pure function from text to
 * a validated set of entries plus diagnostics, and the canonical formatter
 * that `list` and `stats` print.  No I/O except rules_parse_file(), which
 * only reads.
 */
#ifndef XDPFW_RULES_H
#define XDPFW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruleidx.h"
#include "xdpfw_shared.h"

enum rules_severity {
	RULES_ERROR,
	RULES_WARNING,
};

struct rules_diag {
	uint16_t file; /* index into ruleset.files */
	uint32_t line; /* 1-based */
	uint32_t col;  /* 1-based byte column in the raw line */
	enum rules_severity severity;
	char *msg;     /* "expected ..., found ..." ; owned by the ruleset */
	/* A duplicate: where the entry it repeats is (dup_line 0: not one). */
	uint16_t dup_file;
	uint32_t dup_line;
};

/* Diagnostics kept in memory; beyond this only the counts grow. */
#define RULES_MAX_DIAGS 10000
/* Larger rules files are refused (bytes). */
#define RULES_FILE_MAX (1UL << 30)
/* Files one set can be read from (the rules file and rules_dir's). */
#define RULES_MAX_FILES 4096

/* A line of a file of the set. */
struct rules_where {
	uint16_t file;
	uint32_t line;
};

/* The counts of a set at some point (ruleset_truncate). */
struct ruleset_mark {
	size_t n, n_diags, n_errors, n_warnings, n_lines, n_expired;
	size_t n_protected;
	int64_t next_expiry;
};

struct ruleset {
	char *path;                /* the first file, as given, for messages */
	char **files;              /* every file parsed into the set, in order */
	size_t n_files;
	struct xdpfw_rule *rules;  /* distinct valid entries, file order */
	uint32_t *lines;           /* line of each entry */
	uint16_t *file_of;         /* file of each entry (index into files) */
	size_t n, cap;
	struct rules_diag *diags;  /* errors and warnings, file order */
	size_t n_diags, cap_diags;
	size_t n_errors, n_warnings; /* counted even past RULES_MAX_DIAGS */
	size_t n_lines;
	struct ruleidx ix;         /* indexes rules (positions); for look-ups */
	/* Expiry ("ENTRY expires=TIME"): set now before parsing and the
	 * entries whose TIME is at or before it are left out (0: all kept). */
	int64_t now;               /* Unix seconds */
	int64_t *expires;          /* of each entry, 0: none; NULL: none has */
	size_t n_expired;          /* entries left out as expired */
	struct rules_where *expired_at; /* where each of them is */
	size_t cap_expired;
	int64_t next_expiry;       /* earliest expiry of the entries kept, 0 */
	size_t n_protected;        /* entries added by ruleset_add (protect) */
	struct ruleset_mark *marks; /* the state before each file's entries */
};

void ruleset_init(struct ruleset *rs);
void ruleset_free(struct ruleset *rs); /* NULL-safe */

/*
 * Parse a whole buffer.  Valid entries (deduplicated: an exact duplicate of
 * an earlier entry, also in another spelling or another file, is a warning
 * naming both places and counts once, under the first) go to rs->rules;
 * each bad line to rs->diags.  Each call adds a file to the set (path
 * names it in messages).  The caller applies on_invalid and the capacity.
 * Returns 0, -ENOMEM, or -E2BIG past RULES_MAX_FILES files.
 */
int rules_parse_buffer(struct ruleset *rs, const char *path, const char *buf,
		       size_t len);

/* The same, telling done(ctx, from, upto) now and then that the parse
 * will not read the text [from, upto) again (the caller may let those
 * pages go).  A large buffer is parsed on two threads (the set is what
 * one thread makes): done is then called from both, each with its own
 * part of the text. */
typedef void (*rules_parse_done_fn)(void *ctx, const char *from,
				    const char *upto);
int rules_parse_buffer_cb(struct ruleset *rs, const char *path,
			  const char *buf, size_t len, rules_parse_done_fn done,
			  void *ctx);

/*
 * Add an entry that no file holds (a protected address): source names it
 * in messages ("protect:ssh-peers"; a pseudo-file, line 0).  Returns 1 when
 * added, 0 when an equal rule is in the set already, or -errno.
 */
int ruleset_add(struct ruleset *rs, const char *source,
		const struct xdpfw_rule *r);

/* The counts now (ruleset_rewind goes back to them); rs->marks[k] holds
 * those from just before file k. */
void ruleset_mark_now(const struct ruleset *rs, struct ruleset_mark *m);

/* Go back to mark m, taken when the set had n_files files (0 < n_files):
 * entries, index, diagnostics, files and counts after it are undone.  The
 * next rules_parse_* or ruleset_add appends again. */
void ruleset_rewind(struct ruleset *rs, const struct ruleset_mark *m,
		    size_t n_files);

/* A diagnostic about entry i of the set (its file and line), appended
 * after those of the parse.  0 or -ENOMEM. */
int ruleset_diag_entry(struct ruleset *rs, size_t i, enum rules_severity sev,
		       const char *msg);

/* A diagnostic about the set as a whole (named after its first file). */
int ruleset_diag_set(struct ruleset *rs, enum rules_severity sev,
		     const char *msg);

/*
 * Parse lines of a file from its line first_line + 1 on (buf holds whole
 * lines, no byte order mark) into a set of their own: what
 * rules_parse_buffer() gives for those lines, as if the lines before them
 * were blank.  ruleset_splice() puts the result in place.
 */
int rules_parse_window(struct ruleset *w, const char *path, const char *buf,
		       size_t len, uint32_t first_line);

/* More lines of the same file into w (after rules_parse_window): another
 * window, first_line lines before it (ascending, after the last). */
int rules_parse_more(struct ruleset *w, const char *buf, size_t len,
		     uint32_t first_line);

/*
 * Replace windows of lines of file k of rs (rules_parse_buffer() or
 * rules_read_set() put them there) by w, the parse of their new text
 * (rules_parse_window() then rules_parse_more(), in order): rs becomes
 * exactly what parsing the edited file gives.  All windows in one pass
 * over the arrays.  Returns 0, -EAGAIN when that cannot be had from w (a
 * duplicate across a window's edge, the diagnostics cap; rs unchanged:
 * parse the file again), or -ENOMEM (rs is then unusable: free it).  w's
 * diagnostics move into rs.
 */
struct splice_win {
	uint32_t first_line, old_lines; /* lines first_line + 1 on, before */
	uint32_t new_lines;             /* lines they are now */
};

/* Where a window's entries went: old [a, b) became [at, at + added). */
struct splice_seg {
	size_t a, b, at, added;
};

struct ruleset_splice {
	size_t k;                 /* the file */
	const struct splice_win *win; /* ascending, disjoint */
	size_t n_win;             /* 0: the one window below */
	uint32_t first_line, old_lines, new_lines;
	struct ruleset_mark *end; /* the caller's mark after the last file, moved */
	size_t at;                /* out: position of w's first entry */
	size_t n_removed;         /* out: entries of the old windows */
	struct xdpfw_rule *removed; /* out: their rules (the caller frees) */
	struct splice_seg *segs;  /* out: one per window (the caller frees) */
	const char *why;          /* out: why -EAGAIN */
};
int ruleset_splice(struct ruleset *rs, struct ruleset *w,
		   struct ruleset_splice *sp);
/* A buffer of this many bytes or more is parsed on two threads (4 MiB;
 * a test may change it). */
extern size_t rules_parse_thread_min;
/* A set whose index has this many slots or more has it renumbered in two
 * halves on two threads (2^18; a test may change it). */
extern size_t ruleset_splice_thread_min;

/* Room for want entries in rs's arrays.  0 or -ENOMEM. */
int ruleset_reserve(struct ruleset *rs, size_t want);

/* Read (safefile.h: only a secure regular file, never half-written) and
 * parse a file.  Returns 0, -ENOMEM, or the error of safefile_read()
 * (nothing is parsed then; res, if not NULL, says why). */
struct safefile_result;
int rules_parse_file(struct ruleset *rs, const char *path,
		     struct safefile_result *res);

/*
 * Parse one entry (no comment, no surrounding space).  Returns 0, or -EINVAL
 * with a message in err and the 1-based column within text in *err_col.
 */
int rule_parse(const char *text, size_t len, struct xdpfw_rule *out,
	       char *err, size_t errlen, uint32_t *err_col);

/* The short way of rule_parse() for an IPv6 address of hex groups only
 * (no dotted quad, no zone): true with what inet_pton() makes of s[0, n),
 * false for anything else, which the full grammar then reads.  Here for
 * its differential test against inet_pton(). */
bool rule_v6_hex(const char *s, size_t n, uint8_t out[16]);

/* An entry that parsed but is probably not what was meant (0.0.0.0/0
 * without a port; "2001:db8::1:53" for [2001:db8::1]:53): 1 with a message,
 * else 0.  text is the entry as rule_parse() read it into r. */
int rule_warning(const char *text, size_t len, const struct xdpfw_rule *r,
		 char *msg, size_t msglen);

/* Where the comment of the raw line [ls, le) starts, or le. */
const char *rules_comment(const char *ls, const char *le);

/* One line of a rules file (no '\n'), as the parser reads it: 1 with *r
 * and *expires (0: none) when it holds a valid entry, 0 when it is blank
 * or a comment, -EINVAL when it is invalid. */
int rules_line_entry(const char *line, size_t len, struct xdpfw_rule *r,
		     int64_t *expires);

/* "2026-12-01T00:00:00Z" (RFC 3339, UTC, seconds) <-> Unix seconds.
 * parse: 0 or -EINVAL; format: writes RULES_TIME_LEN + 1 bytes. */
#define RULES_TIME_LEN 20
int rules_parse_time(const char *s, size_t n, int64_t *out);
void rules_format_time(int64_t t, char buf[RULES_TIME_LEN + 1]);

/* Canonical rules-file form of a rule ("10.0.2.2:30000/udp",
 * "[2001:db8::/48]:443", "2001:db8::1").  Returns the length (snprintf
 * semantics). */
#define RULE_FMT_MAX 64
int rule_format(const struct xdpfw_rule *r, char *buf, size_t len);

/* "PATH:LINE:COL: message" or "PATH:LINE:COL: warning: message". */
int rules_diag_format(const struct ruleset *rs, const struct rules_diag *d,
		      char *buf, size_t len);

#endif
