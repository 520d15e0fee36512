// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's rule-set cache (rulefiles.h): after any sequence of edits
 * to the rules file and rules_dir (rewrites by rename and in place, files
 * added and removed, invalid lines, duplicates across files, entries that
 * expire), a cached read gives exactly what a fresh read gives: the same
 * entries in the same order with the same lines and files, the same
 * diagnostics, the same counts.  And it parses only from the first file
 * that changed.  Also: ruleidx_remove keeps every other entry findable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rulefiles.h"
#include "ruleidx.h"
#include "rules.h"
#include "safefile.h"
#include "testlib.h"

static char dir[64], rdir[96], names[4][128];
static const char *const pool[] = {
	"203.0.113.1", "203.0.113.2", "!203.0.113.2", "198.51.100.0/24",
	"198.51.100.0/24:53/udp", "10.0.0.0/8", "2001:db8::1", "[2001:db8::/48]:443",
	"10.0.0.1/24", "garbage", "203.0.113.3 expires=2000-01-01T00:00:00Z",
	"203.0.113.4 expires=2099-01-01T00:00:00Z", "# comment", "",
	"192.0.2.7:80/tcp", "!2001:db8::/32", "1.2.3.4 ; spamhaus",
};
#define POOL_N (sizeof(pool) / sizeof(pool[0]))

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void write_file(const char *path, int in_place, unsigned *seed)
{
	char tmp[256];
	int n = rand_r(seed) % 7;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(in_place ? path : tmp, "w");
	if (!f) {
		CHECK_MSG(0, "cannot write %s", path);
		return;
	}
	for (int i = 0; i < n; i++)
		fprintf(f, "%s\n", pool[rand_r(seed) % POOL_N]);
	fclose(f);
	chmod(in_place ? path : tmp, 0600);
	if (!in_place && rename(tmp, path))
		CHECK_MSG(0, "rename %s", tmp);
}

/* Everything a reader of the set sees, as text. */
static char *describe(const struct ruleset *rs)
{
	char *buf = NULL, line[1024], r[RULE_FMT_MAX];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	fprintf(m, "n=%zu err=%zu warn=%zu exp=%zu next=%lld lines=%zu files=%zu\n",
		rs->n, rs->n_errors, rs->n_warnings, rs->n_expired,
		(long long)rs->next_expiry, rs->n_lines, rs->n_files);
	for (size_t i = 0; i < rs->n_files; i++)
		fprintf(m, "file %s\n", rs->files[i]);
	for (size_t i = 0; i < rs->n; i++) {
		rule_format(&rs->rules[i], r, sizeof(r));
		fprintf(m, "%s %s:%u %lld\n", r, rs->files[rs->file_of[i]],
			rs->lines[i],
			(long long)(rs->expires ? rs->expires[i] : 0));
		/* the index finds every entry at its position */
		if (ruleidx_find(&rs->ix, rs->rules, &rs->rules[i]) != i)
			fprintf(m, "INDEX LOST %s\n", r);
	}
	for (size_t i = 0; i < rs->n_diags; i++) {
		rules_diag_format(rs, &rs->diags[i], line, sizeof(line));
		fprintf(m, "%s\n", line);
	}
	fclose(m);
	return buf;
}

static void compare(struct rules_cache *c, int64_t now, int step)
{
	char label[512], why[512];
	size_t parsed;
	struct ruleset fresh;
	char *a, *b;
	int e1, e2;

	e1 = rules_read_set_cached(c, names[0], rdir, now, label, sizeof(label),
				   why, sizeof(why), &parsed);
	ruleset_init(&fresh);
	fresh.now = now;
	e2 = rules_read_set(&fresh, names[0], rdir, label, sizeof(label), why,
			    sizeof(why));
	CHECK_MSG(e1 == e2, "step %d: cached read %d, fresh read %d", step, e1, e2);
	if (!e1 && !e2) {
		a = describe(&c->rs);
		b = describe(&fresh);
		CHECK_MSG(!strcmp(a, b), "step %d: cached set differs:\n%s\n--- fresh:\n%s",
			  step, a, b);
		free(a);
		free(b);
	}
	ruleset_free(&fresh);
}

static void test_differential(void)
{
	struct rules_cache c;
	unsigned seed = 12345;
	int64_t now = (int64_t)time(NULL);

	rules_cache_init(&c);
	c.racy_s = -1; /* the edits below are slower than a clock tick */
	for (int i = 0; i < 4; i++)
		write_file(names[i], 0, &seed);
	for (int step = 0; step < 400; step++) {
		int what = rand_r(&seed) % 10, f = rand_r(&seed) % 4;

		if (what < 4)
			write_file(names[f], 0, &seed);
		else if (what < 6)
			write_file(names[f], 1, &seed);
		else if (what == 6 && f)
			unlink(names[f]);
		/* else: nothing changes (the cache must give the same) */
		sleep_ms(12); /* past a coarse clock tick: ids move */
		compare(&c, now, step);
		/* Extras appended after a read (as ruleset_finish does) are
		 * dropped by the next one. */
		if (c.valid && step % 3 == 0) {
			struct xdpfw_rule r = { .family = XDPFW_FAMILY_V4,
						.prefixlen = 32,
						.flags = XDPFW_RULE_EXCEPT };

			r.addr[0] = 100;
			r.addr[3] = (uint8_t)step;
			CHECK(ruleset_add(&c.rs, "protect:test", &r) >= 0);
		}
	}
	rules_cache_free(&c);
}

/* Only the files from the first changed one on are parsed. */
static void test_parses_only_changed(void)
{
	char label[512], why[512];
	struct rules_cache c;
	unsigned seed = 7;
	size_t parsed;
	int64_t now = (int64_t)time(NULL);

	rules_cache_init(&c);
	c.racy_s = -1;
	for (int i = 0; i < 4; i++) {
		unlink(names[i]);
		write_file(names[i], 0, &seed);
	}
	sleep_ms(12);
	CHECK_INT(rules_read_set_cached(&c, names[0], rdir, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(parsed, 4);
	CHECK_INT(rules_read_set_cached(&c, names[0], rdir, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(parsed, 0);
	write_file(names[3], 0, &seed);
	sleep_ms(12);
	CHECK_INT(rules_read_set_cached(&c, names[0], rdir, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(parsed, 1);
	write_file(names[1], 0, &seed);
	sleep_ms(12);
	CHECK_INT(rules_read_set_cached(&c, names[0], rdir, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(parsed, 3);
	/* An entry of a kept file that expired since: all parsed again. */
	{
		FILE *f = fopen(names[0], "w");

		fprintf(f, "203.0.113.9 expires=2030-01-01T00:00:00Z\n");
		fclose(f);
		chmod(names[0], 0600);
	}
	sleep_ms(12);
	CHECK_INT(rules_read_set_cached(&c, names[0], rdir, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(parsed, 4);
	CHECK_INT(rules_read_set_cached(&c, names[0], rdir, 1893456000, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(parsed, 4);
	CHECK_INT(c.rs.n_expired >= 1, 1);
	/* A read that fails empties the cache. */
	chmod(names[2], 0666);
	CHECK(rules_read_set_cached(&c, names[0], rdir, now, label, sizeof(label),
				    why, sizeof(why), &parsed) < 0);
	CHECK_INT(c.valid, 0);
	chmod(names[2], 0600);
	rules_cache_free(&c);
}

/* With the default racy window, a file rewritten in place at once, same
 * size, is still seen.  On kernels whose timestamps are coarse (a clock
 * tick) its id may not move; the window is what makes the cache parse a
 * file changed within the last second again: checked directly too. */
static void test_racy(void)
{
	char label[512], why[512];
	struct rules_cache c;
	size_t parsed;
	FILE *f;

	rules_cache_init(&c);
	f = fopen(names[0], "w");
	fputs("203.0.113.10\n", f);
	fclose(f);
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, (int64_t)time(NULL),
					label, sizeof(label), why, sizeof(why),
					&parsed), 0);
	CHECK_MSG(c.n_ids == 1 && c.ids[0].size == -1,
		  "a file written just now is not marked to be read again");
	f = fopen(names[0], "w");
	fputs("203.0.113.11\n", f); /* same size, same inode, at once */
	fclose(f);
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, (int64_t)time(NULL),
					label, sizeof(label), why, sizeof(why),
					&parsed), 0);
	CHECK_INT(parsed, 1);
	CHECK_INT(c.rs.n, 1);
	if (c.rs.n == 1)
		CHECK_INT(c.rs.rules[0].addr[3], 11);
	/* Read a second later, the same file is trusted again. */
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, (int64_t)time(NULL) + 3,
					label, sizeof(label), why, sizeof(why),
					&parsed), 0);
	CHECK_INT(c.ids[0].size == -1, 0);
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, (int64_t)time(NULL) + 3,
					label, sizeof(label), why, sizeof(why),
					&parsed), 0);
	CHECK_INT(parsed, 0);
	rules_cache_free(&c);
}

/* A big file (hosts, one per line) with host k of line k, or 0.0.0.0 for
 * line `other` (same length as any 10.a.b.c of three-digit parts). */
static void write_big(const char *path, int lines, int other)
{
	FILE *f = fopen(path, "w");

	for (int k = 0; f && k < lines; k++) {
		if (k == other)
			fprintf(f, "192.168.100.100\n");
		else
			fprintf(f, "10.%03d.%03d.%03d\n", 100 + k / 10000,
				100 + (k / 100) % 100, 100 + k % 100);
	}
	if (f)
		fclose(f);
	chmod(path, 0600);
}

/* A full sync's read (recheck) compares the text of each file: an
 * unchanged large file is not parsed again, and a change its id does not
 * show (a rewrite within one clock tick, simulated by giving the cache the
 * new id) is caught, where a plain read trusts the id. */
static void test_recheck(void)
{
	char label[512], why[512];
	struct rules_cache c;
	int64_t now = (int64_t)time(NULL);
	size_t parsed;

	rules_cache_init(&c);
	c.racy_s = -1;
	write_big(names[0], 8000, -1); /* 128 KB: spliced, not parsed whole */
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(parsed, 1);
	CHECK_INT(c.rs.n, 8000);
	/* tags_ok falls when a file is parsed whole */
	CHECK_INT(rules_cache_tags_reserve(&c), 0);
	rules_cache_tags_settled(&c);
	c.recheck = 1;
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(c.tags_ok, 1);
	CHECK_INT(c.spliced, 0);
	CHECK_INT(c.recheck, 0);
	CHECK_INT(c.rs.n, 8000);

	write_big(names[0], 8000, 4321);
	CHECK_INT(safefile_id_get(names[0], &c.ids[0]), 0);
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(parsed, 0);
	CHECK_INT(ruleidx_find(&c.rs.ix, c.rs.rules, &c.rs.rules[4321]), 4321);
	CHECK_INT(c.rs.rules[4321].addr[0], 10); /* the id was trusted */
	c.recheck = 1;
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(c.spliced, 1);
	CHECK_INT(c.tags_ok, 1);
	CHECK_INT(c.rs.n, 8000);
	if (c.rs.n == 8000) {
		CHECK_INT(c.rs.rules[4321].addr[0], 192);
		CHECK_INT(c.rs.lines[4321], 4322);
	}
	rules_cache_free(&c);
	unlink(names[0]);
}

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

static void f_reset_hwm(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w"); /* 5: reset VmHWM */

	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

/* A recheck of a 24 MB file (long comment lines: few lines, little to
 * parse or to keep) maps it to hash it, and lets the pages it has hashed
 * go as it goes: the peak RSS of the read grows by well under the file's
 * size.  Mapped whole, the file was resident until the read's end. */
static void test_recheck_rss(void)
{
	char label[512], why[512], line[1024];
	struct rules_cache c;
	int64_t now = (int64_t)time(NULL);
	size_t parsed;
	long before, peak;
	FILE *f = fopen(names[0], "w");
	int fd;

	memset(line, 'x', sizeof(line) - 1);
	line[0] = '#';
	line[sizeof(line) - 1] = '\0';
	for (int i = 0; f && i < 24 * 1024; i++)
		fprintf(f, "%s\n", i == 0 ? "203.0.113.1" : line);
	if (f)
		fclose(f);
	rules_cache_init(&c);
	c.racy_s = -1;
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	CHECK_INT(c.rs.n, 1);
	/* A read lease (root, or the file's owner) or the read is a copy. */
	fd = open(names[0], O_RDONLY);
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK)) {
		printf("test-rulecache: no read lease here, RSS check skipped\n");
	} else {
		fcntl(fd, F_SETLEASE, F_UNLCK);
		c.recheck = 1;
		f = fopen("/proc/self/clear_refs", "w"); /* 5: reset VmHWM */
		if (f) {
			fputs("5", f);
			fclose(f);
		}
		before = status_kb("VmRSS:");
		CHECK_INT(rules_read_set_cached(&c, names[0], NULL, now, label,
						sizeof(label), why, sizeof(why),
						&parsed), 0);
		peak = status_kb("VmHWM:");
		CHECK_MSG(before > 0 && peak - before < 12 * 1024,
			  "a recheck of a 24 MB file: peak RSS +%ld kB", peak - before);
	}
	if (fd >= 0)
		close(fd);
	rules_cache_free(&c);
	unlink(names[0]);
}

/* A 24 MB file of 1 KiB lines with every 200th line different (edit 1)
 * or not (edit 0): an address on line 0, numbered comments after. */
static void write_kib_lines(const char *path, int edit)
{
	char line[1024];
	FILE *f = fopen(path, "w");

	memset(line, 'x', sizeof(line) - 1);
	line[0] = '#';
	line[sizeof(line) - 1] = '\0';
	for (int i = 0; f && i < 24 * 1024; i++) {
		line[1] = edit && i % 200 == 100 ? 'y' : 'x';
		if (i)
			fprintf(f, "%.2s%s %07d\n", line, line + 10, i);
		else
			fprintf(f, "203.0.113.1\n");
	}
	if (f)
		fclose(f);
}

/* An edit all over a 24 MB file (a churn: 123 windows from its start to
 * its end) is read through the mapping and spliced: the hash of the
 * lines between the first and the last change, the windows' search and
 * their parse each let the pages they have passed go.  Before, the lines'
 * hash read the text again whole, and it stayed resident to the read's
 * end (+24 MB). */
static void test_churn_rss(void)
{
	char label[512], why[512];
	struct rules_cache c;
	int64_t now = (int64_t)time(NULL);
	size_t parsed;
	long before, peak;
	int fd;

	write_kib_lines(names[0], 0);
	rules_cache_init(&c);
	c.racy_s = -1;
	CHECK_INT(rules_read_set_cached(&c, names[0], NULL, now, label,
					sizeof(label), why, sizeof(why), &parsed), 0);
	fd = open(names[0], O_RDONLY);
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK)) {
		printf("test-rulecache: no read lease here, churn RSS check "
		       "skipped\n");
	} else {
		fcntl(fd, F_SETLEASE, F_UNLCK);
		write_kib_lines(names[0], 1);
		f_reset_hwm();
		before = status_kb("VmRSS:");
		CHECK_INT(rules_read_set_cached(&c, names[0], NULL, now, label,
						sizeof(label), why, sizeof(why),
						&parsed), 0);
		peak = status_kb("VmHWM:");
		CHECK_MSG(c.spliced > 100, "%d windows spliced: %s", c.spliced,
			  c.splice_why ? c.splice_why : "");
		CHECK_INT(c.rs.n, 1);
		CHECK_MSG(before > 0 && peak - before < 12 * 1024,
			  "an edit all over a 24 MB file: peak RSS +%ld kB",
			  peak - before);
	}
	if (fd >= 0)
		close(fd);
	rules_cache_free(&c);
	unlink(names[0]);
}

/* Removing from the open-addressing index (backward shift) keeps every
 * other entry findable, whatever the collisions. */
static void test_ruleidx_remove(void)
{
	enum { N = 5000 };
	struct xdpfw_rule *r = calloc(N, sizeof(*r));
	struct ruleidx ix;
	unsigned seed = 99;
	char *gone = calloc(N, 1);

	CHECK_INT(ruleidx_init(&ix, 16), 0);
	for (uint32_t i = 0; i < N; i++) {
		r[i].family = XDPFW_FAMILY_V4;
		r[i].prefixlen = 32;
		memcpy(r[i].addr, &i, sizeof(i));
		CHECK(ruleidx_add(&ix, r, i) == RULEIDX_NONE);
	}
	for (int k = 0; k < N / 2; k++) {
		uint32_t i = (uint32_t)rand_r(&seed) % N;

		CHECK_INT(ruleidx_remove(&ix, r, i), gone[i] ? -ENOENT : 0);
		gone[i] = 1;
	}
	for (uint32_t i = 0; i < N; i++)
		CHECK_MSG(ruleidx_find(&ix, r, &r[i]) == (gone[i] ? RULEIDX_NONE : i),
			  "entry %u", i);
	ruleidx_free(&ix);
	free(r);
	free(gone);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xdpfw-test-rulecache-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(rdir, sizeof(rdir), "%s/rules.d", dir);
	mkdir(rdir, 0700);
	snprintf(names[0], sizeof(names[0]), "%s/rules.txt", dir);
	snprintf(names[1], sizeof(names[1]), "%s/a.txt", rdir);
	snprintf(names[2], sizeof(names[2]), "%s/b.txt", rdir);
	snprintf(names[3], sizeof(names[3]), "%s/c.txt", rdir);
	test_ruleidx_remove();
	test_differential();
	test_parses_only_changed();
	test_racy();
	test_recheck();
	test_recheck_rss();
	test_churn_rss();
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			fprintf(stderr, "test-rulecache: could not remove %s\n", dir);
	}
	return tl_finish("test-rulecache");
}
