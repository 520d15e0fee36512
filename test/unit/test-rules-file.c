// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of whole rules files (agent/rules.c): diagnostics with
 * their line and column, duplicates, the cap on diagnostics, files on
 * disk, the feeds as published (test/feeds/), and a 1,000,000-line file.
 * One entry's grammar: test-rules-entry.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rules.h"
#include "test-rules.h"
#include "testlib.h"

/* ---- whole files --------------------------------------------------------- */

struct diag_exp {
	unsigned line, col;
	int severity;
	const char *msg;
};

struct file_case {
	const char *name;
	const char *buf;
	size_t len; /* 0: strlen(buf) */
	size_t n, errors, warnings, lines;
	const char *first; /* canonical form of rules[0], or NULL */
	struct diag_exp d[10];
};

#define LIT(s) s, sizeof(s) - 1
#define W RULES_WARNING
#define E RULES_ERROR

static const struct file_case file_cases[] = {
	{ "empty", "", 0, 0, 0, 0, 0, NULL, { { 0 } } },
	{ "one newline", "\n", 0, 0, 0, 0, 1, NULL, { { 0 } } },
	{ "blanks and comments", "   \t \n# only a comment\n\n#\n#1.2.3.4\n", 0,
	  0, 0, 0, 5, NULL, { { 0 } } },
	{ "no final newline", "1.2.3.4", 0, 1, 0, 0, 1, "1.2.3.4", { { 0 } } },
	{ "CRLF", "1.2.3.4\r\n5.6.7.8\r\n", 0, 2, 0, 0, 2, "1.2.3.4", { { 0 } } },
	{ "CRLF blank lines", "\r\n\r\n", 0, 0, 0, 0, 2, NULL, { { 0 } } },
	{ "CRLF with comments", "1.2.3.4 # c\r\n\t[::1]:53/udp\t#c\r\n", 0, 2,
	  0, 0, 2, "1.2.3.4", { { 0 } } },
	{ "blanks and comment", "  1.2.3.4  # comment\n\t[::1]:53/udp\t#c\n", 0,
	  2, 0, 0, 2, "1.2.3.4", { { 0 } } },
	{ "comment without blank", "1.2.3.4#c\n[::1]#c\n", 0, 2, 0, 0, 2,
	  "1.2.3.4", { { 0 } } },
	/* ';' comments as Spamhaus DROP publishes them: at the start of a
	 * line or after a blank; elsewhere ';' is part of the entry. */
	{ "Spamhaus DROP", "; Spamhaus DROP List 2026/12/01\n"
	  "; Last-Modified: Tue, 01 Dec 2026 00:00:00 GMT\n"
	  "1.10.16.0/20 ; SBL256894\n1.19.0.0/16 ; SBL434604\r\n", 0, 2, 0, 0,
	  4, "1.10.16.0/20", { { 0 } } },
	{ "';' after a tab, ';' alone", "1.2.3.4\t;x\n;\n   ;\n", 0, 1, 0, 0,
	  3, "1.2.3.4", { { 0 } } },
	{ "';' inside an entry", "1.2.3.4;x\n", 0, 0, 1, 0, 1, NULL,
	  { { 1, 1, E, "found \"1.2.3.4;x\"" } } },
	{ "BOM", "\xef\xbb\xbf" "1.2.3.4\n", 0, 1, 0, 0, 1, "1.2.3.4", { { 0 } } },
	{ "BOM only", "\xef\xbb\xbf", 0, 0, 0, 0, 0, NULL, { { 0 } } },
	{ "BOM then comment", "\xef\xbb\xbf# rules\n10.0.0.0/8\n", 0, 1, 0, 0, 2,
	  "10.0.0.0/8", { { 0 } } },
	{ "BOM and an error: the BOM is not a column", "\xef\xbb\xbf" "1.2.3.4/33\n",
	  0, 0, 1, 0, 1, NULL, { { 1, 9, E, "for IPv4, found \"33\"" } } },
	{ "BOM not at the start", "1.2.3.4\n\xef\xbb\xbf" "5.6.7.8\n", 0, 1, 1,
	  0, 2, "1.2.3.4",
	  { { 2, 1, E, "found \"\\xef\\xbb\\xbf5.6.7.8\"" } } },
	{ "NUL in an entry", LIT("1.2.3.4\n5.6\0.7.8\n9.9.9.9\n"), 2, 1, 0, 3,
	  "1.2.3.4", { { 2, 4, E, "expected text, found a NUL byte" } } },
	{ "NUL in a comment", LIT("1.2.3.4 # a\0b\n"), 0, 1, 0, 1, NULL,
	  { { 1, 12, E, "NUL byte" } } },
	{ "NUL at a line start", LIT("\0\n1.2.3.4"), 1, 1, 0, 2, "1.2.3.4",
	  { { 1, 1, E, "NUL byte" } } },
	{ "leading blanks shift the column", "\t \t1.2.3.4/33\n", 0, 0, 1, 0, 1,
	  NULL, { { 1, 12, E, "prefix length must be 0..32" } } },
	{ "CRLF error message has no CR", "1.2.3.4:0\r\n", 0, 0, 1, 0, 1, NULL,
	  { { 1, 9, E, "port must be 1..65535, found \"0\"" } } },
	{ "CR in the middle is a blank", "1.2.3.4\r5.6.7.8\n", 0, 0, 1, 0, 1, NULL,
	  { { 1, 9, E, "unexpected text after entry: \"5.6.7.8\"" } } },
	{ "duplicate", "203.0.113.7\n198.51.100.1\n203.0.113.7\n", 0, 2, 0, 1,
	  3, "203.0.113.7",
	  { { 3, 1, W, "duplicate of line 1: 203.0.113.7" } } },
	{ "duplicate: /32 spelling", "10.0.2.2/32\n10.0.2.2\n", 0, 1, 0, 1, 2,
	  "10.0.2.2", { { 2, 1, W, "duplicate of line 1: 10.0.2.2" } } },
	{ "duplicate: IPv6 spellings",
	  "[2001:db8::1]\n2001:db8::1\n  2001:DB8:0::1/128\n", 0, 1, 0, 2, 3,
	  "2001:db8::1",
	  { { 2, 1, W, "duplicate of line 1: 2001:db8::1" },
	    { 3, 3, W, "duplicate of line 1: 2001:db8::1" } } },
	{ "duplicate: protocol case",
	  "1.2.3.4:80/TCP\n1.2.3.4:80/tcp\n1.2.3.4:80\n1.2.3.4:80/udp\n", 0, 3,
	  0, 1, 4, "1.2.3.4:80/tcp",
	  { { 2, 1, W, "duplicate of line 1: 1.2.3.4:80/tcp" } } },
	{ "duplicate: bracketed port", "[2001:0db8::/48]:443\n[2001:db8:0::/48]:443/tcp\n[2001:db8::/48]:443\n",
	  0, 2, 0, 1, 3, "[2001:db8::/48]:443",
	  { { 3, 1, W, "duplicate of line 1: [2001:db8::/48]:443" } } },
	{ "duplicate after an error line", "bad\n1.2.3.4\n  1.2.3.4 # again\n",
	  0, 1, 1, 1, 3, "1.2.3.4",
	  { { 1, 1, E, "found \"bad\"" },
	    { 3, 3, W, "duplicate of line 2: 1.2.3.4" } } },
	{ "triplicate names the first line",
	  "5.5.5.5\n5.5.5.5\n5.5.5.5\n", 0, 1, 0, 2, 3, "5.5.5.5",
	  { { 2, 1, W, "duplicate of line 1: 5.5.5.5" },
	    { 3, 1, W, "duplicate of line 1: 5.5.5.5" } } },
	{ "same address, different kinds are not duplicates",
	  "1.2.3.4\n1.2.3.4:80\n1.2.3.4:80/tcp\n1.2.3.4:80/udp\n1.2.3.0/24\n",
	  0, 5, 0, 0, 5, "1.2.3.4", { { 0 } } },
	{ "several errors, right lines",
	  "1.2.3.4\n10.0.0.1/24\n\n# c\n  300.1.2.3\n1.2.3.4:0\n[::1]:80\n", 0,
	  2, 3, 0, 7, "1.2.3.4",
	  { { 2, 1, E, "host bits set below /24" },
	    { 5, 3, E, "found \"300.1.2.3\"" },
	    { 6, 9, E, "port must be 1..65535" } } },
	{ "the bad file of test/netns/check.sh",
	  "203.0.113.7\n10.0.0.1/24\n198.51.100.1\n300.1.2.3\n1.2.3.4:0\n"
	  "1.2.3.4:70000\n1.2.3.4:80/icmp\n1.2.3.4/33\n[2001:db8::1:53\n"
	  "2001:db8::zz\nhello world\n1.2.3.4/udp\n# a comment\n",
	  0, 2, 10, 0, 13, "203.0.113.7",
	  { { 2, 1, E, "host bits" }, { 4, 1, E, "300.1.2.3" },
	    { 5, 9, E, "found \"0\"" }, { 6, 9, E, "found \"70000\"" },
	    { 7, 12, E, "found \"icmp\"" }, { 8, 9, E, "found \"33\"" },
	    { 9, 16, E, "expected \"]\"" }, { 10, 1, E, "2001:db8::zz" },
	    { 11, 1, E, "found \"hello\"" },
	    { 12, 9, E, "protocol needs a port" } } },
	{ "the examples of SPEC §2",
	  "# examples\n203.0.113.7\n10.0.2.2:30000\n10.0.2.2:30000/udp\n"
	  "198.51.100.0/24\n198.51.100.0/24:443/tcp\n2001:db8::1\n"
	  "2001:db8::/32\n[2001:db8::1]:53/udp\n[2001:db8::/48]:443\n"
	  "0.0.0.0/0:11211/udp\n[::/0]:123/udp\n",
	  0, 11, 0, 0, 12, "203.0.113.7", { { 0 } } },
	{ "an error and a duplicate on the same entry text",
	  "1.2.3.4/33\n1.2.3.4/33\n", 0, 0, 2, 0, 2, NULL,
	  { { 1, 9, E, "33" }, { 2, 9, E, "33" } } },
};

static void check_file_case(const struct file_case *c)
{
	size_t len = c->len ? c->len : strlen(c->buf);
	struct ruleset rs;
	size_t nd = 0;

	n_cases++;
	ruleset_init(&rs);
	CHECK_MSG(rules_parse_buffer(&rs, "f.txt", c->buf, len) == 0, "%s",
		  c->name);
	CHECK_MSG(rs.n == c->n, "%s: %zu entries, expected %zu", c->name, rs.n,
		  c->n);
	CHECK_MSG(rs.n_errors == c->errors, "%s: %zu errors, expected %zu",
		  c->name, rs.n_errors, c->errors);
	CHECK_MSG(rs.n_warnings == c->warnings,
		  "%s: %zu warnings, expected %zu", c->name, rs.n_warnings,
		  c->warnings);
	CHECK_MSG(rs.n_lines == c->lines, "%s: %zu lines, expected %zu",
		  c->name, rs.n_lines, c->lines);
	CHECK_MSG(rs.n_diags == c->errors + c->warnings, "%s: %zu diags",
		  c->name, rs.n_diags);
	CHECK_STR(rs.path, "f.txt");
	if (c->first && rs.n) {
		char buf[RULE_FMT_MAX];

		format_str(&rs.rules[0], buf);
		CHECK_STR(buf, c->first);
	}
	for (; nd < sizeof(c->d) / sizeof(c->d[0]) && c->d[nd].line; nd++) {
		const struct diag_exp *x = &c->d[nd];
		const struct rules_diag *d;

		if (nd >= rs.n_diags) {
			CHECK_MSG(0, "%s: missing diag %zu", c->name, nd);
			continue;
		}
		d = &rs.diags[nd];
		CHECK_MSG(d->line == x->line && d->col == x->col &&
				  (int)d->severity == x->severity &&
				  strstr(d->msg, x->msg),
			  "%s: diag %zu is %u:%u %s \"%s\", expected %u:%u %s \"%s\"",
			  c->name, nd, d->line, d->col,
			  d->severity == RULES_ERROR ? "error" : "warning", d->msg,
			  x->line, x->col, x->severity == E ? "error" : "warning",
			  x->msg);
	}
	CHECK_MSG(nd == rs.n_diags, "%s: %zu diags, %zu expected", c->name,
		  rs.n_diags, nd);
	ruleset_free(&rs);
}

static void test_files(void)
{
	for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++)
		check_file_case(&file_cases[i]);
}

static void test_diag_format(void)
{
	struct ruleset rs;
	char buf[256];
	const char *text = "1.2.3.4\n1.2.3.4\n1.2.3.4:0\n";
	int len;

	n_cases++;
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "/etc/xdpfw/rules.txt", text,
				     strlen(text)), 0);
	CHECK_INT(rs.n_diags, 2);
	if (rs.n_diags == 2) {
		rules_diag_format(&rs, &rs.diags[0], buf, sizeof(buf));
		CHECK_STR(buf, "/etc/xdpfw/rules.txt:2:1: warning: duplicate of line 1: 1.2.3.4");
		len = rules_diag_format(&rs, &rs.diags[1], buf, sizeof(buf));
		CHECK_STR(buf, "/etc/xdpfw/rules.txt:3:9: port must be 1..65535, found \"0\"");
		CHECK_INT(len, strlen(buf));
		/* snprintf semantics */
		CHECK_INT(rules_diag_format(&rs, &rs.diags[1], buf, 10), len);
		CHECK_STR(buf, "/etc/xdpf");
	}
	ruleset_free(&rs);
	ruleset_free(&rs); /* twice is fine */
	ruleset_free(NULL);

	/* an empty buffer, even a NULL one */
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "null", NULL, 0), 0);
	CHECK_INT(rs.n_lines, 0);
	CHECK_STR(rs.path, "null");
	ruleset_free(&rs);
}

/* More diagnostics than kept: all counted, RULES_MAX_DIAGS kept. */
static void test_diag_cap(void)
{
	size_t lines = RULES_MAX_DIAGS + 5000, cap = lines * 16 + 64, n = 0;
	char *buf = malloc(cap);
	struct ruleset rs;

	n_cases++;
	if (!buf) {
		CHECK(0);
		return;
	}
	for (size_t i = 0; i < lines; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s\n",
				      i % 2 ? "1.2.3.4" : "bad");
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "cap.txt", buf, n), 0);
	CHECK_INT(rs.n, 1);
	CHECK_INT(rs.n_errors, lines / 2);
	CHECK_INT(rs.n_warnings, lines / 2 - 1);
	CHECK_INT(rs.n_diags, RULES_MAX_DIAGS);
	CHECK_INT(rs.n_lines, lines);
	/* line 2 is the first 1.2.3.4: every other line has a diag */
	CHECK_INT(rs.diags[RULES_MAX_DIAGS - 1].line, RULES_MAX_DIAGS + 1);
	ruleset_free(&rs);
	free(buf);

	/* five million blank lines: nothing reserved for them */
	n_cases++;
	lines = 5000000;
	buf = malloc(lines);
	if (!buf) {
		CHECK(0);
		return;
	}
	memset(buf, '\n', lines);
	buf[lines / 2] = '#';
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "blank.txt", buf, lines), 0);
	CHECK_INT(rs.n_lines, lines - 1); /* one '\n' became '#' */
	CHECK_INT(rs.n, 0);
	CHECK(rs.cap <= (1u << 20));
	ruleset_free(&rs);
	free(buf);
}

/* Two buffers into one set: the second sees the first's entries. */
static void test_two_buffers(void)
{
	struct ruleset rs;

	n_cases++;
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "a", "1.1.1.1\n2.2.2.2\n", 16), 0);
	CHECK_INT(rules_parse_buffer(&rs, "b", "2.2.2.2\n3.3.3.3\n", 16), 0);
	CHECK_INT(rs.n, 3);
	CHECK_INT(rs.n_warnings, 1);
	CHECK_STR(rs.path, "a"); /* the first file */
	CHECK_INT(rs.n_files, 2);
	/* The duplicate counts under the first file and names it; the
	 * diagnostic names its own file. */
	CHECK(rs.file_of[0] == 0 && rs.file_of[1] == 0 && rs.file_of[2] == 1);
	CHECK_INT(rs.lines[2], 2);
	if (rs.n_diags == 1) {
		char line[256];

		rules_diag_format(&rs, &rs.diags[0], line, sizeof(line));
		CHECK_STR(line, "b:1:1: warning: duplicate of a:2: 2.2.2.2");
	}
	ruleset_free(&rs);
}

/* Everything two parses give is the same. */
static void check_same_set(const struct ruleset *rs, const struct ruleset *want,
			   const char *what)
{
	size_t n_expires = rs->expires && want->expires ? rs->n : 0;

	CHECK_INT(rs->n, want->n);
	CHECK_INT(rs->n_lines, want->n_lines);
	CHECK_INT(rs->n_errors, want->n_errors);
	CHECK_INT(rs->n_warnings, want->n_warnings);
	CHECK_INT(rs->n_diags, want->n_diags);
	CHECK_INT(rs->n_expired, want->n_expired);
	CHECK_INT(rs->next_expiry, want->next_expiry);
	CHECK_INT(!rs->expires, !want->expires);
	if (rs->n == want->n) {
		CHECK_MSG(!memcmp(rs->rules, want->rules, rs->n * sizeof(*rs->rules)) &&
			  !memcmp(rs->lines, want->lines, rs->n * sizeof(*rs->lines)) &&
			  !memcmp(rs->file_of, want->file_of,
				  rs->n * sizeof(*rs->file_of)) &&
			  !memcmp(rs->expires, want->expires,
				  n_expires * sizeof(*rs->expires)),
			  "%s: the entries differ", what);
		for (size_t i = 0; i < rs->n; i++)
			if (ruleidx_find(&rs->ix, rs->rules, &want->rules[i]) != i) {
				CHECK_MSG(0, "%s: entry %zu not indexed", what, i);
				break;
			}
	}
	if (rs->n_expired == want->n_expired)
		CHECK_MSG(!memcmp(rs->expired_at, want->expired_at,
				  rs->n_expired * sizeof(*rs->expired_at)),
			  "%s: the expired entries differ", what);
	for (size_t i = 0; i < rs->n_diags && i < want->n_diags; i++) {
		const struct rules_diag *a = &rs->diags[i], *b = &want->diags[i];

		if (a->file != b->file || a->line != b->line || a->col != b->col ||
		    a->severity != b->severity || a->dup_file != b->dup_file ||
		    a->dup_line != b->dup_line || strcmp(a->msg, b->msg)) {
			CHECK_MSG(0, "%s: diagnostic %zu differs: line %u %s, not line %u %s",
				  what, i, a->line, a->msg, b->line, b->msg);
			break;
		}
	}
}

/* A file parsed on two threads gives what one gives, wherever the cut
 * falls (rules_split.c cuts at two fifths of the text: a comment of
 * growing length at the end moves the cut over every line): duplicates
 * across the cut and of another file, expired entries, errors and
 * warnings on both sides, in order. */
static void test_split(void)
{
	static const char body[] =
		"10.0.0.1\n"
		"10.0.0.2:53/udp\n"
		"10.0.0.9 expires=2000-01-01T00:00:00Z\n"
		"10.0.0.3 expires=2099-01-01T00:00:00Z\n"
		"9.9.9.9\n"
		"bad line\n"
		"::/0\n"
		"\n"
		"# a comment\n"
		"10.0.0.1\n"
		"10.0.0.4\r\n"
		"10.0.0.2:53/udp\n"
		"2001:db8::1\n"
		"10.0.0.4\n"
		"300.1.1.1\n"
		"10.0.0.5 expires=2098-01-01T00:00:00Z\n"
		"10.0.0.8 expires=2001-01-01T00:00:00Z\n"
		"9.9.9.9\n"
		"2001:db8::1\n"
		"0.0.0.0/0\n"
		"10.0.0.1\n"
		"  10.0.0.6   # end\n";
	size_t keep = rules_parse_thread_min;
	char text[sizeof(body) + 200];

	n_cases++;
	for (size_t pad = 0; pad < 160; pad++) {
		struct ruleset one, two;
		size_t n = sizeof(body) - 1;
		char what[64];

		memcpy(text, body, n);
		text[n++] = '#';
		memset(text + n, 'x', pad);
		n += pad;
		ruleset_init(&one);
		ruleset_init(&two);
		one.now = two.now = 1700000000;
		rules_parse_thread_min = SIZE_MAX;
		CHECK_INT(rules_parse_buffer(&one, "a", "9.9.9.9\n", 8), 0);
		CHECK_INT(rules_parse_buffer(&one, "b", text, n), 0);
		rules_parse_thread_min = 1;
		CHECK_INT(rules_parse_buffer(&two, "a", "9.9.9.9\n", 8), 0);
		CHECK_INT(rules_parse_buffer(&two, "b", text, n), 0);
		snprintf(what, sizeof(what), "cut with %zu bytes after", pad);
		check_same_set(&two, &one, what);
		if (!pad) {
			CHECK_INT(one.n, 10);
			CHECK_INT(one.n_expired, 2);
			CHECK_INT(one.n_errors, 2);
			CHECK_INT(one.n_warnings, 9);
		}
		ruleset_free(&one);
		ruleset_free(&two);
	}
	rules_parse_thread_min = keep;
}

/* ---- files on disk -------------------------------------------------------- */

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (len && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static void test_parse_file(void)
{
	char dir[] = "/tmp/test-rules-XXXXXX", path[256];
	const char *text = "# rules\n203.0.113.7\n10.0.0.1/24\n[::1]:53/udp\n";
	struct ruleset rs;
	char *big;
	size_t n = 0;

	n_cases += 5;
	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/rules.txt", dir);

	CHECK_INT(write_file(path, text, strlen(text)), 0);
	ruleset_init(&rs);
	CHECK_INT(rules_parse_file(&rs, path, NULL), 0);
	CHECK_INT(rs.n, 2);
	CHECK_INT(rs.n_errors, 1);
	CHECK_STR(rs.path, path);
	if (rs.n_diags == 1)
		CHECK_INT(rs.diags[0].line, 3);
	ruleset_free(&rs);

	/* empty file */
	CHECK_INT(write_file(path, "", 0), 0);
	ruleset_init(&rs);
	CHECK_INT(rules_parse_file(&rs, path, NULL), 0);
	CHECK_INT(rs.n, 0);
	CHECK_INT(rs.n_lines, 0);
	CHECK_INT(rs.n_errors, 0);
	ruleset_free(&rs);

	/* a file larger than any single read */
	big = malloc(4 << 20);
	if (big) {
		for (unsigned i = 0; n < (4u << 20) - 64; i++)
			n += (size_t)sprintf(big + n, "10.%u.%u.%u:%u/udp\n",
					     (i >> 16) & 255, (i >> 8) & 255,
					     i & 255, 1 + i % 65535);
		CHECK_INT(write_file(path, big, n), 0);
		ruleset_init(&rs);
		CHECK_INT(rules_parse_file(&rs, path, NULL), 0);
		CHECK_INT(rs.n_errors, 0);
		CHECK_INT(rs.n, rs.n_lines);
		CHECK(rs.n > 100000);
		ruleset_free(&rs);
		free(big);
	}

	/* missing file, directory: nothing parsed */
	ruleset_init(&rs);
	CHECK_INT(rules_parse_file(&rs, dir, NULL), -EINVAL);
	CHECK_INT(rs.n, 0);
	unlink(path);
	CHECK_INT(rules_parse_file(&rs, path, NULL), -ENOENT);
	CHECK_INT(rs.n, 0);
	CHECK_INT(rs.n_diags, 0);
	ruleset_free(&rs);
	rmdir(dir);
}

/* ---- a million lines ---------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define SCALE_LINES 1000000u
#define SCALE_KINDS 20u

static size_t scale_line(char *p, unsigned i)
{
	unsigned a = (i >> 16) & 255, b = (i >> 8) & 255, c = i & 255;
	unsigned prev = i - 1;

	switch (i % SCALE_KINDS) {
	case 0: return (size_t)sprintf(p, "# comment %u\n", i);
	case 1: return (size_t)sprintf(p, "   \t\n");
	case 2: return (size_t)sprintf(p, "10.%u.%u.%u/99\n", a, b, c);
	case 3: return (size_t)sprintf(p, "10.%u.%u.%u\n", a, b, c);
	case 4: return (size_t)sprintf(p, "10.%u.%u.%u:%u\n", a, b, c, 1 + i % 65535);
	case 5: return (size_t)sprintf(p, "10.%u.%u.%u:%u/tcp\n", a, b, c, 1 + i % 65535);
	case 6: return (size_t)sprintf(p, "11.%u.%u.%u:%u/UDP\n", a, b, c, 1 + i % 65535);
	case 7: return (size_t)sprintf(p, "%u.%u.%u.0/24\n", 100 + a, b, c);
	case 8: return (size_t)sprintf(p, "%u.%u.%u.0/24:443/tcp\n", 100 + a, b, c);
	case 9: return (size_t)sprintf(p, "2001:db8:%x::%x\n", i >> 16, i & 0xffff);
	case 10: return (size_t)sprintf(p, "[2001:db8:%x::%x]:53/udp\n", i >> 16, i & 0xffff);
	case 11: return (size_t)sprintf(p, "2001:db8:%x:%x::/64\n", i >> 16, i & 0xffff);
	case 12: return (size_t)sprintf(p, "[2001:db8:%x:%x::/64]:443\n", i >> 16, i & 0xffff);
	case 13: return (size_t)sprintf(p, "  10.%u.%u.%u   # with comment\r\n", a, b, c);
	case 14: return (size_t)sprintf(p, "2001:0db8:0000:%04x:0000:0000:0000:%04x\n", i >> 16, i & 0xffff);
	case 15: return (size_t)sprintf(p, "\t[2001:db8:%x::%x]\n", i >> 16, i & 0xffff);
	case 16: return (size_t)sprintf(p, "203.%u.%u.%u/32\n", a, b, c);
	case 17: return (size_t)sprintf(p, "2001:DB8:%X::%X/128\n", i >> 16, i & 0xffff);
	case 18: return (size_t)sprintf(p, "12.%u.%u.%u\n", a, b, c);
	default:
		return (size_t)sprintf(p, "12.%u.%u.%u/32\n", (prev >> 16) & 255,
				       (prev >> 8) & 255, prev & 255);
	}
}

/* What rules_parse_buffer_cb said it is done with: garbled at once (as
 * if its pages had gone), so that reading it again changes the set.  The
 * two threads of a parse each tell their own part. */
struct garble {
	char *buf;
	size_t calls, len;
	int outside;
};

static void garble_done(void *ctx, const char *from, const char *upto)
{
	struct garble *g = ctx;

	__atomic_fetch_add(&g->calls, 1, __ATOMIC_RELAXED);
	if (from > upto || from < g->buf || upto > g->buf + g->len)
		__atomic_store_n(&g->outside, 1, __ATOMIC_RELAXED);
	else
		memset((char *)from, '9', (size_t)(upto - from));
}

/* The set of a parse on one thread (want) from parses on two, the text
 * going as it is parsed, then not: cut where rules_split.c cuts. */
static void check_parse_dropping(const struct ruleset *want, const char *buf,
				 size_t n)
{
	struct garble g = { malloc(n ? n : 1), 0, n, 0 };
	size_t keep = rules_parse_thread_min;
	struct ruleset rs;

	if (!g.buf) {
		CHECK(0);
		return;
	}
	memcpy(g.buf, buf, n);
	rules_parse_thread_min = 4096;
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer_cb(&rs, "big.txt", g.buf, n, garble_done,
					&g), 0);
	CHECK_MSG(g.calls >= 3 && !g.outside,
		  "%zu calls of done over %zu bytes%s", g.calls, n,
		  g.outside ? ", one outside the text" : "");
	check_same_set(&rs, want, "two threads, the text going");
	ruleset_free(&rs);
	ruleset_init(&rs);
	CHECK_INT(rules_parse_buffer(&rs, "big.txt", buf, n), 0);
	check_same_set(&rs, want, "two threads");
	rules_parse_thread_min = keep;
	ruleset_free(&rs);
	free(g.buf);
}

static void test_scale(void)
{
	size_t cap = (size_t)SCALE_LINES * 48, n = 0;
	char *buf = malloc(cap);
	struct ruleset rs;
	size_t blocks = SCALE_LINES / SCALE_KINDS;
	char first[RULE_FMT_MAX];
	double t0, t1;
	size_t keep;

	n_cases++;
	if (!buf) {
		CHECK(0);
		return;
	}
	for (unsigned i = 0; i < SCALE_LINES; i++)
		n += scale_line(buf + n, i);
	ruleset_init(&rs);
	/* The reference: one thread. */
	keep = rules_parse_thread_min;
	rules_parse_thread_min = SIZE_MAX;
	t0 = now_ms();
	CHECK_INT(rules_parse_buffer(&rs, "big.txt", buf, n), 0);
	t1 = now_ms();
	rules_parse_thread_min = keep;
	printf("test-rules: parsed %u lines (%zu bytes) in %.1f ms\n",
	       SCALE_LINES, n, t1 - t0);
	CHECK_INT(rs.n_lines, SCALE_LINES);
	CHECK_INT(rs.n, blocks * 16);
	CHECK_INT(rs.n_errors, blocks);
	CHECK_INT(rs.n_warnings, blocks);
	CHECK_INT(rs.n_diags, RULES_MAX_DIAGS);
	if (rs.n) {
		format_str(&rs.rules[0], first);
		CHECK_STR(first, "10.0.0.3");
		CHECK_INT(rs.lines[0], 4);
		format_str(&rs.rules[rs.n - 1], first);
		CHECK_STR(first, "12.15.66.62");
		CHECK_INT(rs.lines[rs.n - 1], SCALE_LINES - 1);
	}
	if (rs.n_diags >= 2) {
		CHECK_INT(rs.diags[0].line, 3);
		CHECK_INT(rs.diags[0].col, 10);
		CHECK_INT(rs.diags[0].severity, RULES_ERROR);
		CHECK_INT(rs.diags[1].line, 20);
		CHECK_INT(rs.diags[1].severity, RULES_WARNING);
		CHECK_STR(rs.diags[1].msg, "duplicate of line 19: 12.0.0.18");
	}
	for (size_t i = 1; i < rs.n; i++) {
		if (rs.lines[i] <= rs.lines[i - 1]) {
			CHECK_MSG(0, "lines out of order at %zu", i);
			break;
		}
	}
	check_parse_dropping(&rs, buf, n);
	ruleset_free(&rs);
	free(buf);
}

/* ---- feeds as they are published (test/feeds/) ------------------------ */

/* Each feed as published, then with CRLF line ends and a UTF-8 BOM: every
 * entry valid, none lost. */
static void test_feeds(void)
{
	static const struct {
		const char *file;
		size_t entries;
	} feeds[] = {
		{ "spamhaus-drop.txt", 9 },
		{ "spamhaus-dropv6.txt", 4 },
		{ "firehol_level1.netset", 8 },
	};

	for (size_t i = 0; i < sizeof(feeds) / sizeof(feeds[0]); i++) {
		char path[4096], text[8192], crlf[16384];
		size_t n, o = 3;
		struct ruleset rs;
		FILE *f;

		snprintf(path, sizeof(path), "%s/test/feeds/%s", XDPFW_SOURCE_ROOT,
			 feeds[i].file);
		f = fopen(path, "r");
		CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
		if (!f)
			continue;
		n = fread(text, 1, sizeof(text), f);
		fclose(f);
		memcpy(crlf, "\xef\xbb\xbf", 3);
		for (size_t j = 0; j < n; j++) {
			if (text[j] == '\n')
				crlf[o++] = '\r';
			crlf[o++] = text[j];
		}
		n_cases += 2;
		ruleset_init(&rs);
		CHECK_INT(rules_parse_buffer(&rs, feeds[i].file, text, n), 0);
		CHECK_MSG(rs.n == feeds[i].entries && rs.n_errors == 0,
			  "%s: %zu entries, %zu errors", feeds[i].file, rs.n,
			  rs.n_errors);
		ruleset_free(&rs);
		ruleset_init(&rs);
		CHECK_INT(rules_parse_buffer(&rs, feeds[i].file, crlf, o), 0);
		CHECK_MSG(rs.n == feeds[i].entries && rs.n_errors == 0,
			  "%s (CRLF, BOM): %zu entries, %zu errors",
			  feeds[i].file, rs.n, rs.n_errors);
		ruleset_free(&rs);
	}
}


int main(void)
{
	test_feeds();
	test_files();
	test_diag_format();
	test_diag_cap();
	test_two_buffers();
	test_split();
	test_parse_file();
	test_scale();
	printf("test-rules-file: %d cases\n", n_cases);
	return tl_finish("test-rules-file");
}
