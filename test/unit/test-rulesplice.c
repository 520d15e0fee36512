// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsing only the lines that changed (filediff.h, ruleset_splice): after
 * random edits of a rules file and a file of rules_dir (lines inserted,
 * deleted and replaced, one or several, at the start, in the middle and
 * at the end; duplicates, also across files; invalid lines; comments;
 * warnings; entries that expired or will; a byte order mark; a last line
 * without '\n'), the cached read gives exactly what a fresh read gives,
 * field by field: entries, their lines, files and expiry, the index,
 * diagnostics with their duplicate references, counts and the per-file
 * marks.  And most reads take the fast path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filediff.h"
#include "rulefiles.h"
#include "ruleidx.h"
#include "rules.h"
#include "testlib.h"

#define MAXL 6000

struct model {
	char *line[MAXL];
	size_t n;
	int bom, no_final_nl;
	int dynamic; /* rules_dir's file */
};

static char dir[64], rdir[96], paths[2][128];

/* Lines of the rules file; those of rules_dir's file (dynamic) may also
 * have expired. */
static char *random_line(unsigned *seed, int dynamic)
{
	char buf[128];
	unsigned r = (unsigned)rand_r(seed) % 100, a = (unsigned)rand_r(seed);

	if (r >= 80 && r < 82 && !dynamic && a % 4)
		r = 99;
	/* the fixed lines below (warnings) are duplicates of one another */
	if (r >= 72 && r < 76 && !dynamic)
		r = 99;

	/* A small address space: duplicates happen. */
	if (r < 40)
		snprintf(buf, sizeof(buf), "10.%u.%u.%u", a % 3, (a >> 4) % 256,
			 (a >> 12) % 200);
	else if (r < 50)
		snprintf(buf, sizeof(buf), "10.%u.%u.%u:%u/%s", a % 2, (a >> 4) % 64,
			 (a >> 12) % 50, 1 + (a >> 20) % 5,
			 (a >> 20) % 3 ? "tcp" : "udp");
	else if (r < 55)
		snprintf(buf, sizeof(buf), "172.%u.%u.0/24", 16 + a % 16,
			 (a >> 4) % 256);
	else if (r < 58)
		snprintf(buf, sizeof(buf), "2001:db8::%x", a % 30000);
	else if (r < 62)
		snprintf(buf, sizeof(buf), "garbage %u", a % 1000);
	else if (r < 66)
		snprintf(buf, sizeof(buf), "# comment %u", a % 1000);
	else if (r < 72)
		buf[0] = '\0';
	else if (r < 74)
		snprintf(buf, sizeof(buf), "0.0.0.0/0");
	else if (r < 76)
		snprintf(buf, sizeof(buf), "2001:db8::1:53");
	else if (r < 80)
		snprintf(buf, sizeof(buf), "!10.%u.%u.%u", a % 3, (a >> 4) % 256,
			 (a >> 12) % 200);
	else if (r < 82)
		snprintf(buf, sizeof(buf), "10.9.%u.%u expires=2000-01-01T00:00:00Z",
			 a % 8, (a >> 8) % 200);
	else if (r < 84)
		snprintf(buf, sizeof(buf), "10.8.%u.%u expires=2099-01-01T00:00:00Z",
			 a % 8, (a >> 8) % 200);
	else if (r < 86)
		snprintf(buf, sizeof(buf), "  10.7.%u.%u ; spamhaus  ", a % 8,
			 (a >> 8) % 200);
	else
		snprintf(buf, sizeof(buf), "192.%u.%u.%u", 168 + a % 2,
			 (a >> 4) % 256, (a >> 12) % 256);
	return strdup(buf);
}

static void write_model(const char *path, const struct model *m)
{
	char tmp[256];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		CHECK_MSG(0, "cannot write %s", tmp);
		return;
	}
	if (m->bom)
		fputs("\xef\xbb\xbf", f);
	for (size_t i = 0; i < m->n; i++)
		fprintf(f, "%s%s", m->line[i],
			i + 1 < m->n || !m->no_final_nl ? "\n" : "");
	fclose(f);
	chmod(tmp, 0600);
	if (rename(tmp, path))
		CHECK_MSG(0, "rename %s", tmp);
}

static void insert_at(struct model *m, size_t at, char *line)
{
	if (m->n == MAXL) {
		free(line);
		return;
	}
	memmove(&m->line[at + 1], &m->line[at], (m->n - at) * sizeof(char *));
	m->line[at] = line;
	m->n++;
}

static void delete_at(struct model *m, size_t at)
{
	free(m->line[at]);
	memmove(&m->line[at], &m->line[at + 1], (m->n - at - 1) * sizeof(char *));
	m->n--;
}

/* One random edit, as a person or a feed makes them. */
static void edit(struct model *m, unsigned *seed)
{
	unsigned what = (unsigned)rand_r(seed) % 100;
	size_t at = m->n ? (size_t)rand_r(seed) % m->n : 0;
	size_t k = 1 + (size_t)rand_r(seed) % 20;

	if (what < 20 && m->n) {
		free(m->line[at]);
		m->line[at] = random_line(seed, m->dynamic);
	} else if (what < 35) {
		insert_at(m, m->n ? at : 0, random_line(seed, m->dynamic));
	} else if (what < 50 && m->n) {
		delete_at(m, at);
	} else if (what < 60) {
		for (size_t i = 0; i < k; i++)
			insert_at(m, m->n ? at : 0, random_line(seed, m->dynamic));
	} else if (what < 68) {
		for (size_t i = 0; i < k && at < m->n; i++)
			delete_at(m, at);
	} else if (what < 80) {
		insert_at(m, m->n, random_line(seed, m->dynamic));
	} else if (what < 88 && m->n) {
		delete_at(m, m->n - 1);
	} else if (what < 90 && m->n && what % 2) {
		/* the same line again, elsewhere */
		insert_at(m, (size_t)rand_r(seed) % m->n, strdup(m->line[at]));
	} else if (what < 92) {
		m->no_final_nl = !m->no_final_nl;
	} else if (what < 93) {
		m->bom = !m->bom;
	} else if (what < 95 && m->n) {
		insert_at(m, 0, random_line(seed, m->dynamic));
	}
	/* else: written again unchanged */
}

static char *describe(const struct ruleset *rs, const struct ruleset_mark *end)
{
	char *buf = NULL, line[1024], r[RULE_FMT_MAX];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	fprintf(m, "n=%zu err=%zu warn=%zu exp=%zu next=%lld lines=%zu files=%zu "
		"diags=%zu\n", rs->n, rs->n_errors, rs->n_warnings, rs->n_expired,
		(long long)rs->next_expiry, rs->n_lines, rs->n_files, rs->n_diags);
	for (size_t i = 0; i <= rs->n_files; i++) {
		const struct ruleset_mark *k = i < rs->n_files ? &rs->marks[i] : end;

		fprintf(m, "mark %zu: %zu %zu %zu %zu %zu %zu %lld\n", i, k->n,
			k->n_diags, k->n_errors, k->n_warnings, k->n_lines,
			k->n_expired, (long long)k->next_expiry);
	}
	for (size_t i = 0; i < rs->n_files; i++)
		fprintf(m, "file %s\n", rs->files[i]);
	for (size_t i = 0; i < rs->n; i++) {
		rule_format(&rs->rules[i], r, sizeof(r));
		fprintf(m, "%s %u:%u %lld\n", r, rs->file_of[i], rs->lines[i],
			(long long)(rs->expires ? rs->expires[i] : 0));
		if (ruleidx_find(&rs->ix, rs->rules, &rs->rules[i]) != i)
			fprintf(m, "INDEX LOST %s\n", r);
	}
	for (size_t i = 0; i < rs->n_expired; i++)
		fprintf(m, "expired %u:%u\n", rs->expired_at[i].file,
			rs->expired_at[i].line);
	if (rs->ix.n != rs->n)
		fprintf(m, "INDEX HOLDS %zu\n", rs->ix.n);
	for (size_t i = 0; i < rs->n_diags; i++) {
		rules_diag_format(rs, &rs->diags[i], line, sizeof(line));
		fprintf(m, "%s [dup %u:%u]\n", line, rs->diags[i].dup_file,
			rs->diags[i].dup_line);
	}
	fclose(m);
	return buf;
}

static int compare(struct rules_cache *c, int step)
{
	char label[512], why[512];
	struct ruleset fresh;
	struct ruleset_mark fend;
	int64_t now = (int64_t)time(NULL);
	size_t parsed;
	int e1, e2, ok = 1;

	e1 = rules_read_set_cached(c, paths[0], rdir, now, label, sizeof(label),
				   why, sizeof(why), &parsed);
	ruleset_init(&fresh);
	fresh.now = now;
	e2 = rules_read_set(&fresh, paths[0], rdir, label, sizeof(label), why,
			    sizeof(why));
	ruleset_mark_now(&fresh, &fend);
	CHECK_MSG(e1 == e2, "step %d: cached read %d, fresh read %d", step, e1, e2);
	if (!e1 && !e2) {
		char *a = describe(&c->rs, &c->end), *b = describe(&fresh, &fend);

		ok = !strcmp(a, b);
		CHECK_MSG(ok, "step %d (spliced %d): cached set differs:\n%s\n--- fresh:\n%s",
			  step, c->spliced, a, b);
		free(a);
		free(b);
	}
	ruleset_free(&fresh);
	return ok;
}

/* The set the tags were last settled for (as sync does after an apply). */
struct settled {
	struct xdpfw_rule *rules;
	uint32_t *tags;
	size_t n;
	uint32_t next;
	struct ruleidx ix;
};

/* What the cache says changed since then is what changed: every entry
 * that kept its tag is the same rule as before, every one that left is
 * in gone with its tag, the others arrived. */
static void check_tags(const struct rules_cache *c, const struct settled *st,
		       int step)
{
	size_t tagged = 0, none = 0;
	int ok = c->tag_n == c->rs.n;

	for (size_t i = 0; ok && i < c->n_arrived; i++)
		ok = c->arrived[i] < c->rs.n &&
		     c->tags[c->arrived[i]] == RULES_TAG_NONE &&
		     (!i || c->arrived[i - 1] < c->arrived[i]);
	for (size_t i = 0; ok && i < c->rs.n; i++) {
		uint32_t was;

		if (c->tags[i] == RULES_TAG_NONE) {
			none++;
			continue;
		}
		tagged++;
		was = ruleidx_find(&st->ix, st->rules, &c->rs.rules[i]);
		ok = was != RULEIDX_NONE && st->tags[was] == c->tags[i];
	}
	for (size_t i = 0; ok && i < c->n_gone; i++) {
		uint32_t was = ruleidx_find(&st->ix, st->rules, &c->gone[i]);

		ok = was != RULEIDX_NONE && st->tags[was] == c->gone_tags[i];
	}
	ok = ok && none == c->n_arrived && tagged + c->n_gone == st->n;
	CHECK_MSG(ok, "step %d: the tags do not follow the entries (%zu tagged, "
		  "%zu gone, %zu before; %zu arrived, %zu without a tag)", step,
		  tagged, c->n_gone, st->n, c->n_arrived, none);
}

static void settle(struct rules_cache *c, struct settled *st)
{
	if (!c->tags_ok && rules_cache_tags_reserve(c))
		return;
	for (size_t i = 0; i < c->rs.n; i++)
		if (!c->tags_ok || c->tags[i] == RULES_TAG_NONE)
			c->tags[i] = st->next++;
	rules_cache_tags_settled(c);
	free(st->rules);
	free(st->tags);
	ruleidx_free(&st->ix);
	st->n = c->rs.n;
	st->rules = malloc((st->n + 1) * sizeof(*st->rules));
	st->tags = malloc((st->n + 1) * sizeof(*st->tags));
	memcpy(st->rules, c->rs.rules, st->n * sizeof(*st->rules));
	memcpy(st->tags, c->tags, st->n * sizeof(*st->tags));
	ruleidx_init(&st->ix, st->n);
	for (size_t i = 0; i < st->n; i++)
		ruleidx_add(&st->ix, st->rules, (uint32_t)i);
}

static void free_model(struct model *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->line[i]);
	m->n = 0;
}

static void run(unsigned seed, size_t lines0, int steps)
{
	struct model m[2] = { 0 };
	struct settled st = { 0 };
	struct rules_cache c;
	int spliced = 0, followed = 0;

	rules_cache_init(&c);
	c.splice_min = 0;
	m[1].dynamic = 1;
	for (size_t i = 0; i < lines0; i++)
		insert_at(&m[0], m[0].n, random_line(&seed, m[0].dynamic));
	for (size_t i = 0; i < lines0 / 10; i++)
		insert_at(&m[1], m[1].n, random_line(&seed, m[1].dynamic));
	write_model(paths[0], &m[0]);
	write_model(paths[1], &m[1]);
	compare(&c, -1);
	settle(&c, &st);
	for (int step = 0; step < steps; step++) {
		int f = rand_r(&seed) % 5 == 0;

		edit(&m[f], &seed);
		if (rand_r(&seed) % 4 == 0)
			edit(&m[f], &seed); /* two edits, one read */
		/* edits all over the file, one read: several windows */
		for (int e = rand_r(&seed) % 4 ? 0 : rand_r(&seed) % 12; e > 0; e--)
			edit(&m[f], &seed);
		write_model(paths[f], &m[f]);
		if (!compare(&c, step))
			break;
		spliced += c.spliced;
		rules_cache_tags_extend(&c); /* as ruleset_load_cached does */
		if (c.valid && c.tags_ok) {
			check_tags(&c, &st, step);
			followed++;
		}
		if (getenv("SPLICE_DEBUG") && !c.spliced)
		{
			size_t nd = 0;

			for (size_t i = 0; i < c.rs.n_diags; i++)
				nd += c.rs.diags[i].dup_line != 0;
			printf("step %d: %s (%zu dups)\n", step,
			       c.splice_why ? c.splice_why : "-", nd);
		}
		if (c.valid && step % 3 == 0) {
			struct xdpfw_rule r = { .family = XDPFW_FAMILY_V4,
						.prefixlen = 32,
						.flags = XDPFW_RULE_EXCEPT };

			r.addr[0] = 10;
			r.addr[3] = (uint8_t)step;
			CHECK(ruleset_add(&c.rs, "protect:test", &r) >= 0);
		}
		rules_cache_tags_extend(&c);
		/* Applied, most of the time; a rejected set keeps the delta
		 * growing. */
		if (c.valid && rand_r(&seed) % 8)
			settle(&c, &st);
	}
	printf("seed %u, %zu lines: %d of %d reads spliced, %d with a delta\n",
	       seed, lines0, spliced, steps, followed);
	CHECK_MSG(followed * 4 >= steps, "only %d of %d reads with a delta",
		  followed, steps);
	free(st.rules);
	free(st.tags);
	ruleidx_free(&st.ix);
	/* Windows next to a duplicate go the long way (ruleset_splice). */
	CHECK_MSG(spliced * 4 >= steps, "only %d of %d reads spliced", spliced,
		  steps);
	rules_cache_free(&c);
	free_model(&m[0]);
	free_model(&m[1]);
}

/* b's summary from a's (filediff_sum_update) is the one made afresh;
 * when b is a's text (same), a's summary is it: 1, nothing made, spare
 * kept. */
static void same_sum(const struct filediff_sum *sa, const char *b, size_t lb,
		     const struct filediff_sum *sb, int same)
{
	struct filediff_sum u, spare;

	/* a spare of junk: a line not hashed shows */
	memset(&spare, 0, sizeof(spare));
	CHECK_INT(filediff_sum_reserve(&spare, sb->lines + 1), 0);
	memset(spare.line, 0x5a, (sb->lines + 1) * sizeof(*spare.line));
	CHECK_INT(filediff_sum_update(&u, b, lb, sa, &spare), same);
	if (same) {
		CHECK(!u.line && !u.fixed && spare.line);
		filediff_sum_free(&spare);
		return;
	}
	CHECK(!spare.line);
	CHECK_INT(u.lines, sb->lines);
	CHECK_INT(u.n_chunks, sb->n_chunks);
	CHECK_INT(u.n_fixed, sb->n_fixed);
	CHECK(!memcmp(u.line, sb->line, sb->lines * sizeof(*u.line)));
	CHECK(!memcmp(u.hash, sb->hash, sb->n_chunks * sizeof(*u.hash)));
	CHECK(!memcmp(u.first, sb->first, (sb->n_chunks + 1) * sizeof(*u.first)));
	for (size_t n = 0; n <= sb->lines; n += 1 + n / 3)
		CHECK(filediff_line_start(&u, b, n) ==
		      (n ? (size_t)(strchr(b + filediff_line_start(&u, b, n - 1),
					  '\n') - b) + 1 : 0) ||
		      n == sb->lines);
	filediff_sum_free(&u);
}

/* The windows of a and b (n lines before): 0 or -EAGAIN. */
static int windows(const char *a, size_t la, const char *b, size_t lb,
		   size_t n, struct filediff *d)
{
	struct filediff_sum sa, sb;
	int err;

	CHECK_INT(filediff_sum_of(&sa, a, la), 0);
	CHECK_INT(filediff_sum_of(&sb, b, lb), 0);
	same_sum(&sa, b, lb, &sb, la == lb && !memcmp(a, b, la));
	err = filediff_windows(&sa, n, &sb, b, d);
	filediff_sum_free(&sa);
	filediff_sum_free(&sb);
	return err;
}

/* The windows alone: a one-line change in a large text is one small
 * line; a line inserted too (the pieces line up again after it); 328
 * lines deleted all over the text are 328 windows of a line, not one
 * spanning the text. */
static void test_window(void)
{
	enum { N = 20000 };
	char *a = malloc(N * 16), *b = malloc(N * 16 + 32), *p;
	struct filediff d;
	size_t la = 0, lb = 0, head, old = 0, now = 0;

	for (int i = 0; i < N; i++)
		la += (size_t)sprintf(a + la, "10.%d.%d.%d\n", i / 250 % 7,
				      i / 250, i % 250);
	memcpy(b, a, la);
	p = b;
	for (int i = 0; i < 12344; i++)
		p = strchr(p, '\n') + 1;
	*p = '9'; /* "90.0..." : same length */
	CHECK_INT(windows(a, la, b, la, N, &d), 0);
	CHECK(!d.same && d.n == 1);
	CHECK_INT(d.win[0].first_line, 12344);
	CHECK_INT(d.win[0].old_first, 12344);
	CHECK_INT(d.win[0].old_lines, 1);
	CHECK_INT(d.win[0].new_lines, 1);
	CHECK(!strncmp(b + d.win[0].begin, "90.", 3) &&
	      b[d.win[0].end - 1] == '\n' &&
	      !memchr(b + d.win[0].begin, '\n', d.win[0].end - d.win[0].begin - 1));
	filediff_free(&d);
	CHECK_INT(windows(a, la, a, la, N, &d), 0);
	CHECK(d.same && !d.n);
	/* a line inserted after line 5000 */
	p = a;
	for (int i = 0; i < 5000; i++)
		p = strchr(p, '\n') + 1;
	head = (size_t)(p - a);
	memcpy(b, a, head);
	memcpy(b + head, "192.0.2.1\n", 10);
	memcpy(b + head + 10, p, la - head);
	CHECK_INT(windows(a, la, b, la + 10, N, &d), 0);
	CHECK(d.n == 1);
	CHECK_INT(d.win[0].old_first, 5000);
	CHECK_INT(d.win[0].old_lines, 0);
	CHECK_INT(d.win[0].new_lines, 1);
	CHECK_INT(d.win[0].end - d.win[0].begin, 10);
	filediff_free(&d);
	/* every 61st line deleted (328 of them) */
	p = a;
	for (int i = 0; i < N; i++) {
		char *e = strchr(p, '\n') + 1;

		if (i % 61 != 30) {
			memcpy(b + lb, p, (size_t)(e - p));
			lb += (size_t)(e - p);
		}
		p = e;
	}
	CHECK_INT(windows(a, la, b, lb, N, &d), 0);
	CHECK_MSG(d.n == 328, "%zu windows for 328 deletions", d.n);
	for (size_t t = 0; t < d.n; t++) {
		old += d.win[t].old_lines;
		now += d.win[t].new_lines;
		CHECK_INT(d.win[t].old_first, 30 + 61 * t);
	}
	CHECK_INT(now, 0);
	CHECK_INT(old, 328);
	filediff_free(&d);
	free(a);
	free(b);
}

/* Text of lines [from, to) of the address list test_blocks uses (tag:
 * its second octet) at out: the bytes. */
static size_t block_lines(char *out, int tag, int from, int to)
{
	size_t n = 0;

	for (int i = from; i < to; i++)
		n += (size_t)sprintf(out + n, "10.%d.%d.%d\n", tag, i / 250,
				     i % 250);
	return n;
}

/* One window of old lines [first, first + old_lines) that became
 * new_lines lines. */
static void one_window(const char *a, size_t la, const char *b, size_t lb,
		       size_t n, uint32_t first, uint32_t old_lines,
		       uint32_t new_lines, const char *what)
{
	struct filediff d;

	CHECK_INT(windows(a, la, b, lb, n, &d), 0);
	CHECK_MSG(d.n == 1, "%s: %zu windows", what, d.n);
	if (d.n == 1) {
		CHECK_INT(d.win[0].old_first, first);
		CHECK_INT(d.win[0].first_line, first);
		CHECK_INT(d.win[0].old_lines, old_lines);
		CHECK_INT(d.win[0].new_lines, new_lines);
	}
	filediff_free(&d);
}

/* Blocks of hundreds of pieces (each found where they end without the
 * index of the old pieces), a block replaced by new lines (the index
 * finds where the old text goes on), and a change in the last lines
 * (the few pieces left compared pair by pair). */
static void test_blocks(void)
{
	enum { N = 20000, B = 3000 };
	char *a = malloc(N * 16), *b = malloc((N + B) * 16);
	size_t la = block_lines(a, 1, 0, N), lb;

	/* lines [5000, 8000) removed */
	lb = block_lines(b, 1, 0, 5000);
	lb += block_lines(b + lb, 1, 5000 + B, N);
	one_window(a, la, b, lb, N, 5000, B, 0, "block removed");
	/* 3000 new lines before line 5000 */
	lb = block_lines(b, 1, 0, 5000);
	lb += block_lines(b + lb, 2, 0, B);
	lb += block_lines(b + lb, 1, 5000, N);
	one_window(a, la, b, lb, N, 5000, 0, B, "block added");
	/* lines [5000, 8000) replaced by 2000 new ones */
	lb = block_lines(b, 1, 0, 5000);
	lb += block_lines(b + lb, 2, 0, 2000);
	lb += block_lines(b + lb, 1, 5000 + B, N);
	one_window(a, la, b, lb, N, 5000, B, 2000, "block replaced");
	/* 3000 new lines before the last one */
	lb = block_lines(b, 1, 0, N - 1);
	lb += block_lines(b + lb, 2, 0, B);
	lb += block_lines(b + lb, 1, N - 1, N);
	one_window(a, la, b, lb, N, N - 1, 0, B, "added before the last line");
	free(a);
	free(b);
}

/* Bytes [from, upto) told read through: each within the text (told
 * from both threads at once). */
static size_t told_bad, told_calls;

static void told(void *ctx, size_t from, size_t upto)
{
	__atomic_fetch_add(&told_calls, 1, __ATOMIC_RELAXED);
	if (from > upto || upto > *(const size_t *)ctx)
		__atomic_fetch_add(&told_bad, 1, __ATOMIC_RELAXED);
}

/* The summary of s made on two threads (filediff_thread_min low) is the
 * one made on one, from nothing and from an older text (lines changed
 * all over, as a churn): every hash, count and piece the same. */
static void sum_threads(const char *a, size_t la, const char *b, size_t lb)
{
	struct filediff_sum one[2], two[2];
	size_t keep = filediff_thread_min;

	for (int k = 0; k < 2; k++) {
		struct filediff_sum *s = k ? two : one;

		filediff_thread_min = k ? 4096 : SIZE_MAX;
		CHECK_INT(filediff_sum_of(&s[0], a, la), 0);
		CHECK_INT(filediff_sum_update_cb(&s[1], b, lb, &s[0], NULL, told,
						 &lb),
			  0);
	}
	filediff_thread_min = keep;
	for (int i = 0; i < 2; i++) {
		CHECK_INT(two[i].lines, one[i].lines);
		CHECK_INT(two[i].n_fixed, one[i].n_fixed);
		CHECK_INT(two[i].n_chunks, one[i].n_chunks);
		CHECK(!memcmp(two[i].fixed, one[i].fixed,
			      one[i].n_fixed * sizeof(*one[i].fixed)));
		CHECK(!memcmp(two[i].fixed_nl, one[i].fixed_nl,
			      (one[i].n_fixed + 1) * sizeof(*one[i].fixed_nl)));
		CHECK(!memcmp(two[i].line, one[i].line,
			      one[i].lines * sizeof(*one[i].line)));
		CHECK(!memcmp(two[i].hash, one[i].hash,
			      one[i].n_chunks * sizeof(*one[i].hash)));
		CHECK(!memcmp(two[i].first, one[i].first,
			      (one[i].n_chunks + 1) * sizeof(*one[i].first)));
		filediff_sum_free(&one[i]);
		filediff_sum_free(&two[i]);
	}
}

/* Texts that differ from the old one only past its end or after the
 * new one's end, in whole 1 KiB chunks (every chunk is old's up to the
 * shorter one's end): cut at a chunk's end in the middle of a line and at
 * a line's end, grown past an old text of whole chunks, and the old text
 * again (1: kept, the spare as it was), of whole chunks or not. */
static void test_sum_ends(void)
{
	enum { N = 600 };
	char *a = malloc(N * 16 + 1), *b = malloc(N * 32);
	struct filediff_sum sa, sb, sc;
	size_t la = 0, cut;

	CHECK(a && b);
	if (!a || !b)
		abort();
	for (int i = 0; i < N; i++)
		la += (size_t)sprintf(a + la, "10.9.%d.%d\n", i >> 8, i & 255);
	CHECK_INT(filediff_sum_of(&sa, a, la), 0);
	/* cut mid-line at 2 KiB, and just after the last '\n' of 3 KiB */
	for (int k = 0; k < 2; k++) {
		cut = k ? 3072 : 2048;
		if (k)
			while (a[cut - 1] != '\n')
				cut--;
		CHECK(k || a[cut - 1] != '\n');
		CHECK_INT(filediff_sum_of(&sb, a, cut), 0);
		same_sum(&sa, a, cut, &sb, 0);
		filediff_sum_free(&sb);
	}
	/* the old text 4 KiB, the new one that and more lines */
	memcpy(b, a, 4096);
	memcpy(b + 4096, a, la);
	CHECK_INT(filediff_sum_of(&sc, b, 4096), 0);
	CHECK_INT(filediff_sum_of(&sb, b, 4096 + la), 0);
	same_sum(&sc, b, 4096 + la, &sb, 0);
	same_sum(&sc, b, 4096, &sc, 1);
	same_sum(&sa, a, la, &sa, 1);
	filediff_sum_free(&sa);
	filediff_sum_free(&sb);
	filediff_sum_free(&sc);
	free(a);
	free(b);
}

/* Texts of ~100k lines (several 4 MiB blocks with a low threshold: both
 * halves tell done()), the second with a line in 100 changed; and one
 * without a last '\n'. */
static void test_threads(void)
{
	enum { N = 100000 };
	char *a = malloc(N * 24), *b = malloc(N * 24);
	size_t la = 0, lb = 0;

	for (int i = 0; i < N; i++) {
		la += (size_t)sprintf(a + la, "10.%d.%d.%d\n", i >> 16,
				      (i >> 8) & 255, i & 255);
		lb += (size_t)sprintf(b + lb, i % 100 == 7 ? "192.0.2.%d:%d\n" :
					      "10.%d.%d.%d\n",
				      i % 100 == 7 ? i & 255 : i >> 16,
				      (i >> 8) & 255, i & 255);
	}
	told_bad = told_calls = 0;
	sum_threads(a, la, b, lb);
	sum_threads(a, la, b, lb - 1);
	CHECK(told_calls > 0);
	CHECK_INT(told_bad, 0);
	free(a);
	free(b);
}

/* A spare made ready (filediff_sum_reserve) serves the next summary as
 * one left by a reload: the same hashes as made afresh, and taken. */
static void test_reserve(void)
{
	enum { N = 5000 };
	char *a = malloc(N * 16), *b = malloc(N * 16);
	struct filediff_sum sa, sb, spare = { 0 }, u;
	size_t la = 0, lb = 0;

	CHECK(a && b);
	if (!a || !b)
		abort();
	for (int i = 0; i < N; i++) {
		la += (size_t)sprintf(a + la, "10.1.%d.%d\n", i >> 8, i & 255);
		lb += (size_t)sprintf(b + lb, "10.%d.%d.%d\n", i % 97 ? 1 : 2,
				      i >> 8, i & 255);
	}
	CHECK_INT(filediff_sum_of(&sa, a, la), 0);
	CHECK_INT(filediff_sum_of(&sb, b, lb), 0);
	CHECK_INT(filediff_sum_reserve(&spare, sb.lines), 0);
	CHECK(spare.line != NULL);
	CHECK_INT(filediff_sum_reserve(&spare, 3), 0); /* not empty: kept */
	CHECK_INT(filediff_sum_update(&u, b, lb, &sa, &spare), 0);
	CHECK(!spare.line);
	CHECK_INT(u.lines, sb.lines);
	CHECK(!memcmp(u.line, sb.line, sb.lines * sizeof(*u.line)));
	CHECK_INT(u.n_chunks, sb.n_chunks);
	CHECK(!memcmp(u.hash, sb.hash, sb.n_chunks * sizeof(*u.hash)));
	filediff_sum_free(&u);
	filediff_sum_free(&sa);
	filediff_sum_free(&sb);
	free(a);
	free(b);
}

/* Where the two threads' halves meet, in every alignment of the text's
 * 16-byte blocks: lines of 20 bytes (at most one '\n' in a block) after a
 * first line of 1 to 64.  The first half's '\n' search must not write
 * into the second half's first slots (it did, by one slot, when its last
 * block held only its last '\n'). */
static void test_threads_meet(void)
{
	enum { N = 2000 };
	char *a = malloc(N * 21 + 80), *b = malloc(N * 21 + 80);

	CHECK(a && b);
	if (!a || !b)
		abort();
	for (int shift = 1; shift <= 64; shift++) {
		size_t la = 0, lb = 0;

		la += (size_t)sprintf(a, "%.*s\n", shift - 1,
				      "################################"
				      "################################");
		memcpy(b, a, la);
		lb = la;
		for (int i = 0; i < N; i++) {
			la += (size_t)sprintf(a + la, "10.10.%03d.%03d:%04d\n",
					      i >> 8, i & 255, 1000 + i % 9000);
			lb += (size_t)sprintf(b + lb, "10.10.%03d.%03d:%04d\n",
					      i >> 8, i & 255,
					      i % 50 == 3 ? 2000 : 1000 + i % 9000);
		}
		sum_threads(a, la, b, lb);
	}
	free(a);
	free(b);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xdpfw-test-rulesplice-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(rdir, sizeof(rdir), "%s/rules.d", dir);
	mkdir(rdir, 0700);
	snprintf(paths[0], sizeof(paths[0]), "%s/rules.txt", dir);
	snprintf(paths[1], sizeof(paths[1]), "%s/x.txt", rdir);
	test_window();
	test_blocks();
	test_sum_ends();
	test_threads();
	test_threads_meet();
	test_reserve();
	run(1, 3000, 300);
	run(2, 400, 300);
	run(3, 5000, 150);
	/* the index renumbered in two halves on two threads */
	ruleset_splice_thread_min = 64;
	run(4, 5000, 150);
	ruleset_splice_thread_min = (size_t)1 << 18;
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			return 1;
	}
	return tl_finish("test-rulesplice");
}
