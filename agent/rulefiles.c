// SPDX-License-Identifier: GPL-2.0-only
#include "rulefiles.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "prefault.h"
#include "safefile.h"

struct rule_files {
	char **paths;
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(struct rule_files *f, char *path)
{
	char **p;

	if (!path)
		return -ENOMEM;
	p = realloc(f->paths, (f->n + 1) * sizeof(*p));
	if (!p) {
		free(path);
		return -ENOMEM;
	}
	f->paths = p;
	f->paths[f->n++] = path;
	return 0;
}

static int wanted(const char *dir, const char *name, char **path)
{
	size_t len = strlen(name);
	struct stat st;

	*path = NULL;
	if (name[0] == '.' || len < 5 || strcmp(name + len - 4, ".txt"))
		return 0;
	if (asprintf(path, "%s/%s", dir, name) < 0) {
		*path = NULL;
		return -ENOMEM;
	}
	/* Symlinks are followed (a ConfigMap's files are symlinks). */
	if (stat(*path, &st) || !S_ISREG(st.st_mode)) {
		free(*path);
		*path = NULL;
		return 0;
	}
	return 1;
}

/* The directory decides which files count: closed to others, like them. */
static int check_dir(const char *dir, int fd, char *why, size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if ((st.st_uid && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, whylen, "%s: owned by uid %u, mode %04o: whoever "
			 "can add or remove a file there controls the firewall "
			 "(chown root %s; chmod go-w %s)", dir,
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			 dir, dir);
		return -EINVAL;
	}
	return 0;
}

static int list_dir(const char *dir, struct rule_files *f, char *why,
		    size_t whylen)
{
	size_t first = f->n;
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0; /* no rules_dir: no more files */
		err = -errno;
		snprintf(why, whylen, "%s: %s", dir, strerror(-err));
		return err;
	}
	err = check_dir(dir, dirfd(d), why, whylen);
	while (!err && (de = readdir(d))) {
		char *path;
		int r = wanted(dir, de->d_name, &path);

		if (r < 0)
			err = r;
		else if (r)
			err = push(f, path);
	}
	closedir(d);
	if (!err)
		qsort(f->paths + first, f->n - first, sizeof(*f->paths), by_name);
	return err;
}

static void rule_files_free(struct rule_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->paths[i]);
	free(f->paths);
	f->paths = NULL;
	f->n = 0;
}

/* The files (rules first).  0, or -errno with why set. */
static int rule_files_list(const char *rules, const char *dir,
			   struct rule_files *out, char *why, size_t whylen)
{
	int err;

	out->paths = NULL;
	out->n = 0;
	why[0] = '\0';
	err = push(out, strdup(rules));
	if (!err && dir)
		err = list_dir(dir, out, why, whylen);
	if (err == -ENOMEM)
		snprintf(why, whylen, "%s: %s", dir ? dir : rules,
			 strerror(ENOMEM));
	if (err)
		rule_files_free(out);
	return err;
}

/* "RULES", or "RULES and N files of DIR" for n files in all. */
static void set_label(char *label, size_t len, const char *rules,
		      const char *dir, size_t n)
{
	if (n > 1)
		snprintf(label, len, "%s and %zu file%s of %s", rules, n - 1,
			 n == 2 ? "" : "s", dir);
	else
		snprintf(label, len, "%s", rules);
}

int rules_read_set(struct ruleset *rs, const char *rules, const char *dir,
		   char *label, size_t label_len, char *why, size_t why_len)
{
	struct safefile_result res;
	struct rule_files f;
	int err = rule_files_list(rules, dir, &f, why, why_len);

	set_label(label, label_len, rules, dir, 1);
	if (err)
		return err;
	set_label(label, label_len, rules, dir, f.n);
	for (size_t i = 0; !err && i < f.n; i++) {
		err = rules_parse_file(rs, f.paths[i], &res);
		if (err)
			snprintf(why, why_len, "%s: %s", f.paths[i],
				 err == -ENOMEM ? strerror(ENOMEM) : res.why);
	}
	rule_files_free(&f);
	return err;
}

void rules_cache_init(struct rules_cache *c)
{
	memset(c, 0, sizeof(*c));
	ruleset_init(&c->rs);
	c->racy_s = 1;
	c->splice_min = RULES_SPLICE_MIN;
}

static void free_sums(struct rules_cache *c, size_t from)
{
	for (size_t i = from; i < c->n_ids; i++)
		filediff_sum_free(&c->sums[i]);
}

void rules_cache_free(struct rules_cache *c)
{
	int racy_s;
	size_t splice_min;

	if (!c)
		return;
	racy_s = c->racy_s;
	splice_min = c->splice_min;
	ruleset_free(&c->rs);
	free_sums(c, 0);
	filediff_sum_free(&c->spare);
	free(c->sums);
	free(c->ids);
	free(c->tags);
	free(c->gone);
	free(c->gone_tags);
	free(c->arrived);
	free(c->busy);
	rules_cache_init(c);
	c->racy_s = racy_s;
	c->splice_min = splice_min;
}

void rules_cache_warm(struct rules_cache *c)
{
	size_t most = 0;

	if (!c->valid || c->spare.line)
		return;
	for (size_t k = 0; k < c->n_ids; k++)
		if (c->sums[k].line && c->sums[k].len >= c->splice_min &&
		    c->sums[k].lines > most)
			most = c->sums[k].lines;
	/* (below ~130,000 lines the faults cost less than the memory) */
	if (most * sizeof(uint64_t) >= PREFAULT_MIN &&
	    filediff_sum_reserve(&c->spare, most))
		log_debug("rules: no memory to keep ready for the next edit");
}

/* How many leading files of f are as the cache read them, provided that
 * none of the entries they hold has expired by now. */
static size_t unchanged_prefix(const struct rules_cache *c,
			       const struct rule_files *f, int64_t now)
{
	const struct ruleset_mark *m;
	struct safefile_id id;
	size_t k = 0;

	if (!c->valid)
		return 0;
	while (k < f->n && k < c->n_ids && !strcmp(f->paths[k], c->rs.files[k]) &&
	       !safefile_id_get(f->paths[k], &id) &&
	       safefile_id_equal(&id, &c->ids[k]))
		k++;
	if (!k)
		return 0;
	m = k < c->n_ids ? &c->rs.marks[k] : &c->end;
	if (m->next_expiry && m->next_expiry <= now)
		return 0;
	return k;
}

/* A file changed less than racy_s before now may change again unseen: its
 * id is made one that matches nothing, so that it is read next time. */
static void keep_id(struct rules_cache *c, size_t i,
		    const struct safefile_id *id, int64_t now)
{
	c->ids[i] = *id;
	if (c->racy_s >= 0 && id->ctime.tv_sec >= now - c->racy_s)
		c->ids[i].size = -1;
}

/* The parse is done with [from, upto): those pages of the buffer go, as
 * the set grows (a million-line file is 22 MB, which stayed resident
 * beside the set it became: a start's peak).  Only whole pages, which
 * nothing reads again (freeing the buffer is all that is left; both
 * threads of a parse may call this, each for its own part). */
static void drop_parsed(void *ctx, const char *from, const char *upto)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)from + pg - 1) & ~(pg - 1);
	uintptr_t b = (uintptr_t)upto & ~(pg - 1);

	(void)ctx;
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

/* Read and parse file i of the set (the rest before it is in c->rs).  A
 * copy, not a map: the read lease (safefile.h) is held only while the
 * file is read, not while a million lines are parsed.  Its text is
 * hashed first, then parsed (the pages parsed going). */
static int parse_file(struct rules_cache *c, size_t i, const char *path,
		      int64_t now, char *why, size_t why_len)
{
	struct safefile_result res;
	char *buf;
	size_t len;
	int err = safefile_read(path, RULES_FILE_MAX, &buf, &len, &res);

	if (err) {
		snprintf(why, why_len, "%s: %s", path,
			 err == -ENOMEM ? strerror(ENOMEM) : res.why);
		return err;
	}
	err = filediff_sum_update(&c->sums[i], buf, len, NULL, &c->spare);
	if (!err)
		err = rules_parse_buffer_cb(&c->rs, path, buf, len, drop_parsed,
					    NULL);
	free(buf);
	if (err) {
		snprintf(why, why_len, "%s: %s", path, strerror(-err));
		return err;
	}
	keep_id(c, i, &res.id, now);
	return 0;
}

/* ---- the caller's tags, following the entries ---------------------- */

/* More than this many changes since the tags were set: the caller is
 * better off comparing everything. */
static size_t tags_bound(const struct rules_cache *c)
{
	return c->tag_n / 4 + 4096;
}

/* Entry pos (rule r) leaves. */
static void tags_gone(struct rules_cache *c, size_t pos,
		      const struct xdpfw_rule *r)
{
	if (!c->tags_ok || c->tags[pos] == RULES_TAG_NONE)
		return;
	if (c->n_gone == c->cap_gone) {
		size_t cap = c->cap_gone ? 2 * c->cap_gone : 64;
		struct xdpfw_rule *g = realloc(c->gone, cap * sizeof(*g));
		uint32_t *t;

		if (g)
			c->gone = g;
		t = g ? realloc(c->gone_tags, cap * sizeof(*t)) : NULL;
		if (!t || c->n_gone >= tags_bound(c)) {
			c->tags_ok = 0;
			return;
		}
		c->gone_tags = t;
		c->cap_gone = cap;
	}
	c->gone[c->n_gone] = *r;
	c->gone_tags[c->n_gone++] = c->tags[pos];
}

static int tags_room(struct rules_cache *c, size_t n, size_t n_arrived)
{
	if (n > c->tag_cap) {
		size_t cap = n + n / 8 + 64;
		uint32_t *t = realloc(c->tags, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		c->tags = t;
		c->tag_cap = cap;
	}
	if (n_arrived > c->cap_arrived) {
		size_t cap = n_arrived + n_arrived / 2 + 64;
		uint32_t *a = realloc(c->arrived, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		c->arrived = a;
		c->cap_arrived = cap;
	}
	return 0;
}

/* Entries [from, tag_n) leave (rs still holds them). */
static void tags_drop_tail(struct rules_cache *c, size_t from)
{
	if (!c->tags_ok || from >= c->tag_n)
		return;
	for (size_t pos = from; pos < c->tag_n; pos++)
		tags_gone(c, pos, &c->rs.rules[pos]);
	while (c->n_arrived && c->arrived[c->n_arrived - 1] >= from)
		c->n_arrived--;
	c->tag_n = from;
}

/* Piece t (0 .. n_segs) of the old tags, between two windows: [*src,
 * *to), and where it starts in the new set. */
static size_t tags_piece(const struct rules_cache *c,
			 const struct splice_seg *segs, size_t n_segs,
			 size_t t, size_t *src, size_t *to)
{
	*src = t ? segs[t - 1].b : n_segs ? segs[0].a : c->tag_n;
	*to = t < n_segs ? segs[t].a : c->tag_n;
	return t < n_segs ? segs[t].at - (*to - *src) :
			    c->rs.n - (c->tag_n - *src);
}

/* The pieces moved in place, no copy aside (4 MB of fresh pages a churn
 * at 1M): both the pieces and their new places are in order and apart,
 * so those that move down go first, from the first, then those that
 * move up, from the last; none lands on one not yet moved. */
static void tags_move(struct rules_cache *c, const struct splice_seg *segs,
		      size_t n_segs)
{
	size_t src, to, dst;

	for (size_t t = 0; t <= n_segs; t++) {
		dst = tags_piece(c, segs, n_segs, t, &src, &to);
		if (dst < src)
			memmove(&c->tags[dst], &c->tags[src],
				(to - src) * sizeof(*c->tags));
	}
	for (size_t t = n_segs + 1; t-- > 0;) {
		dst = tags_piece(c, segs, n_segs, t, &src, &to);
		if (dst > src)
			memmove(&c->tags[dst], &c->tags[src],
				(to - src) * sizeof(*c->tags));
	}
	for (size_t t = 0; t < n_segs; t++)
		for (size_t i = 0; i < segs[t].added; i++)
			c->tags[segs[t].at + i] = RULES_TAG_NONE;
}

/* The windows' entries (their rules: removed, in order) left and others
 * arrived (segs: where; rs: already), everything between them moved.
 * The tags before the first window stay. */
static void tags_splice(struct rules_cache *c, const struct splice_seg *segs,
			size_t n_segs, const struct xdpfw_rule *removed)
{
	size_t added = 0, r = 0, k = 0, na = 0, src, to, dst;
	uint32_t *arr;

	if (!c->tags_ok)
		return;
	for (size_t t = 0; t < n_segs; t++)
		added += segs[t].added;
	arr = malloc((c->n_arrived + added + 64) * sizeof(*arr));
	if (!arr || c->n_arrived + added > tags_bound(c) ||
	    tags_room(c, c->rs.n, 0))
		c->tags_ok = 0;
	/* Who left and who arrived, from the tags before they move. */
	for (size_t t = 0; t <= n_segs && c->tags_ok; t++) {
		const struct splice_seg *g = t < n_segs ? &segs[t] : NULL;

		dst = tags_piece(c, segs, n_segs, t, &src, &to);
		/* the arrived of [src, to) move; those of the window leave */
		for (; k < c->n_arrived && c->arrived[k] < to; k++)
			arr[na++] = (uint32_t)(c->arrived[k] >= src ?
					       c->arrived[k] - src + dst : c->arrived[k]);
		for (; g && k < c->n_arrived && c->arrived[k] < g->b; k++)
			;
		for (size_t pos = g ? g->a : 0; g && pos < g->b; pos++)
			tags_gone(c, pos, &removed[r++]);
		for (size_t i = 0; g && i < g->added; i++)
			arr[na++] = (uint32_t)(g->at + i);
	}
	if (c->tags_ok) {
		tags_move(c, segs, n_segs);
		free(c->arrived);
		c->arrived = arr;
		c->cap_arrived = c->n_arrived + added + 64;
		c->n_arrived = na;
		c->tag_n = c->rs.n;
		arr = NULL;
	}
	free(arr);
}

void rules_cache_tags_extend(struct rules_cache *c)
{
	size_t n = c->rs.n;

	if (!c->tags_ok || n <= c->tag_n)
		return;
	if (c->n_arrived + n - c->tag_n > tags_bound(c) ||
	    tags_room(c, n, c->n_arrived + n - c->tag_n)) {
		c->tags_ok = 0;
		return;
	}
	for (size_t pos = c->tag_n; pos < n; pos++) {
		c->tags[pos] = RULES_TAG_NONE;
		c->arrived[c->n_arrived++] = (uint32_t)pos;
	}
	c->tag_n = n;
}

int rules_cache_tags_reserve(struct rules_cache *c)
{
	c->tags_ok = 0;
	return tags_room(c, c->rs.n, 0);
}

void rules_cache_tags_settled(struct rules_cache *c)
{
	c->tag_n = c->rs.n;
	c->n_gone = 0;
	c->n_arrived = 0;
	c->tags_ok = 1;
}

/* Whether the files may be spliced one by one: the list is the cache's
 * and nothing kept has expired. */
static int may_splice(const struct rules_cache *c, const struct rule_files *f,
		      int64_t now)
{
	if (!c->valid || f->n != c->n_ids ||
	    (c->end.next_expiry && c->end.next_expiry <= now))
		return 0;
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->paths[i], c->rs.files[i]))
			return 0;
	return 1;
}

static int file_changed(const struct rules_cache *c, size_t i,
			const char *path)
{
	struct safefile_id id;

	return safefile_id_get(path, &id) || !safefile_id_equal(&id, &c->ids[i]);
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Parse the windows of d into w (each alone, in order), and say them as
 * sp's windows.  0, -EAGAIN (most of the file changed), -ENOMEM. */
static int parse_windows(struct ruleset *w, const char *path,
			 const struct safefile_map *m, const struct filediff *d,
			 size_t lines, struct ruleset_splice *sp,
			 struct splice_win **out)
{
	const char *buf = m->buf;
	struct splice_win *sw;
	size_t old = 0, told = 0;
	int err = 0;

	for (size_t t = 0; t < d->n; t++)
		old += d->win[t].old_lines;
	/* Most of the file changed (a feed replaced): a whole parse costs
	 * less than checking and moving what the windows replace. */
	if (old * 4 > lines + 1024) {
		sp->why = "most of the file changed";
		return -EAGAIN;
	}
	sw = malloc((d->n ? d->n : 1) * sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	for (size_t t = 0; !err && t < d->n; t++) {
		const struct filediff_win *x = &d->win[t];

		sw[t] = (struct splice_win){ x->old_first, x->old_lines,
					     x->new_lines };
		/* The text before this window is parsed: its pages go (a
		 * churn's windows are all over the file). */
		if (x->begin >= told + (4u << 20)) {
			told = x->begin;
			safefile_map_drop(m, told);
		}
		err = t ? rules_parse_more(w, buf + x->begin, x->end - x->begin,
					   x->first_line) :
			  rules_parse_window(w, path, buf + x->begin,
					     x->end - x->begin, x->first_line);
	}
	sp->win = sw;
	sp->n_win = d->n;
	*out = sw;
	return err;
}

/* The hash has read the mapped text [from, upto): its pages go from the
 * daemon's RSS (a million-line file is 22 MB; hashed whole it stayed
 * resident until the end of the read). */
static void drop_read(void *ctx, size_t from, size_t upto)
{
	safefile_map_drop_range(ctx, from, upto);
}

/* Parse only the lines of file k that changed and splice them into the
 * set.  1 done, 0 not possible (nothing changed), or -errno (the cache
 * is then unusable). */
static int splice_file(struct rules_cache *c, size_t k, const char *path,
		       int64_t now)
{
	struct ruleset_splice sp = { .k = k, .end = &c->end };
	const struct ruleset_mark *next;
	struct safefile_result res;
	struct filediff_sum sum = { 0 };
	struct filediff d = { 0 };
	struct splice_win *sw = NULL;
	struct ruleset w;
	struct safefile_map m;
	size_t lines;
	double t[5];
	int err, kept;

	t[0] = mono_ms();
	err = safefile_map(path, RULES_FILE_MAX, &m, &res);
	if (err)
		return 0; /* the full parse says why */
	if (m.len < c->splice_min) {
		safefile_unmap(&m);
		return 0;
	}
	ruleset_init(&w);
	w.now = now;
	next = k + 1 < c->n_ids ? &c->rs.marks[k + 1] : &c->end;
	lines = next->n_lines - c->rs.marks[k].n_lines;
	t[1] = mono_ms();
	err = filediff_sum_update_cb(&sum, m.buf, m.len, &c->sums[k],
				     &c->spare, drop_read, &m);
	t[2] = mono_ms();
	kept = err == 1; /* the text read again is the one summed */
	if (kept) {
		d.same = 1;
		err = 0;
	} else if (!err) {
		err = filediff_windows_cb(&c->sums[k], lines, &sum, m.buf, &d,
					  drop_read, &m);
	}
	if (!err && !d.same)
		err = parse_windows(&w, path, &m, &d, lines, &sp, &sw);
	/* Everything needed is in w and sum: the lease goes (the map is
	 * held only for a hash and the changed lines). */
	safefile_unmap(&m);
	t[3] = mono_ms();
	if (!err && !d.same) {
		tags_drop_tail(c, c->end.n);
		ruleset_rewind(&c->rs, &c->end, c->n_ids);
		err = ruleset_splice(&c->rs, &w, &sp);
	}
	lines = w.n;
	ruleset_free(&w);
	t[4] = mono_ms();
	log_debug("rules: %s: read %.1f ms, hashed %.1f ms, windows %.1f ms "
		  "(%zu, %zu entries now), parsed and spliced %.1f ms%s%s",
		  path, t[1] - t[0], t[2] - t[1], t[3] - t[2], d.n, lines,
		  t[4] - t[3], err ? ": " : "",
		  err ? (sp.why ? sp.why : "no window") : "");
	if (!err && !d.same) {
		c->spliced += (int)d.n;
		tags_splice(c, sp.segs, d.n, sp.removed);
	}
	free(sp.removed);
	free(sp.segs);
	free(sw);
	filediff_free(&d);
	if (err) {
		c->splice_why = err != -EAGAIN ? strerror(-err) :
				sp.why ? sp.why : "no window";
		c->spare = sum;
		return err == -EAGAIN ? 0 : err;
	}
	if (!kept) {
		c->spare = c->sums[k];
		c->sums[k] = sum;
	}
	keep_id(c, k, &res.id, now);
	c->rs.now = now;
	return 1;
}

/* Each file that changed (recheck: each file, by its text), its changed
 * lines only: *k gets how many leading files are read (the first that
 * cannot be spliced is parsed with all after it).  0 or -errno (why set). */
static int splice_changed(struct rules_cache *c, const struct rule_files *f,
			  int64_t now, int recheck, size_t *k, size_t *parsed,
			  char *why, size_t why_len)
{
	int err;

	if (!may_splice(c, f, now)) {
		*k = unchanged_prefix(c, f, now);
		return 0;
	}
	for (*k = 0; *k < f->n; (*k)++) {
		if (!recheck && !file_changed(c, *k, f->paths[*k]))
			continue;
		err = splice_file(c, *k, f->paths[*k], now);
		if (err < 0) {
			snprintf(why, why_len, "%s: %s", f->paths[*k],
				 strerror(-err));
			return err;
		}
		if (!err)
			break;
		(*parsed)++;
	}
	return 0;
}

int rules_read_set_cached(struct rules_cache *c, const char *rules,
			  const char *dir, int64_t now, char *label,
			  size_t label_len, char *why, size_t why_len,
			  size_t *parsed)
{
	struct safefile_id *ids;
	struct filediff_sum *sums;
	struct rule_files f;
	size_t k;
	int recheck = c->recheck;
	int err = rule_files_list(rules, dir, &f, why, why_len);

	c->recheck = 0;
	*parsed = 0;
	c->spliced = 0;
	c->splice_why = NULL;
	set_label(label, label_len, rules, dir, 1);
	if (err)
		goto fail;
	set_label(label, label_len, rules, dir, f.n);
	ids = realloc(c->ids, f.n * sizeof(*ids));
	if (ids)
		c->ids = ids;
	sums = ids ? realloc(c->sums, (f.n > c->n_ids ? f.n : c->n_ids) *
					      sizeof(*sums)) : NULL;
	if (!sums) {
		snprintf(why, why_len, "%s: %s", rules, strerror(ENOMEM));
		err = -ENOMEM;
		goto fail;
	}
	c->sums = sums;
	for (size_t i = c->n_ids; i < f.n; i++)
		memset(&c->sums[i], 0, sizeof(c->sums[i]));
	err = splice_changed(c, &f, now, recheck, &k, parsed, why, why_len);
	if (err)
		goto fail;
	/* The entries of the files parsed again leave and arrive again (the
	 * tags follow while that stays small: dynamic.txt beside a large
	 * file). */
	if (k) {
		tags_drop_tail(c, k < c->n_ids ? c->rs.marks[k].n : c->end.n);
		ruleset_rewind(&c->rs, k < c->n_ids ? &c->rs.marks[k] : &c->end, k);
	} else {
		c->tags_ok = 0;
		ruleset_free(&c->rs);
		ruleset_init(&c->rs);
	}
	free_sums(c, k);
	c->n_ids = k;
	c->rs.now = now;
	c->valid = 0;
	for (size_t i = k; !err && i < f.n; i++) {
		err = parse_file(c, i, f.paths[i], now, why, why_len);
		if (!err)
			c->n_ids = i + 1;
		(*parsed)++;
	}
	rule_files_free(&f);
	if (err)
		goto fail_listed;
	c->n_ids = c->rs.n_files;
	ruleset_mark_now(&c->rs, &c->end);
	c->valid = 1;
	return 0;
fail:
	rule_files_free(&f);
fail_listed:
	c->tags_ok = 0;
	free_sums(c, 0);
	c->valid = 0;
	c->n_ids = 0;
	return err;
}
