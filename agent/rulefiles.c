// SPDX-License-Identifier: GPL-2.0-only
#include "rulefiles.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
}

void rules_cache_free(struct rules_cache *c)
{
	int racy_s;

	if (!c)
		return;
	racy_s = c->racy_s;
	ruleset_free(&c->rs);
	free(c->ids);
	rules_cache_init(c);
	c->racy_s = racy_s;
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

int rules_read_set_cached(struct rules_cache *c, const char *rules,
			  const char *dir, int64_t now, char *label,
			  size_t label_len, char *why, size_t why_len,
			  size_t *parsed)
{
	struct safefile_result res;
	struct safefile_id *ids;
	struct rule_files f;
	size_t k;
	int err = rule_files_list(rules, dir, &f, why, why_len);

	*parsed = 0;
	set_label(label, label_len, rules, dir, 1);
	if (err)
		goto fail;
	set_label(label, label_len, rules, dir, f.n);
	ids = realloc(c->ids, f.n * sizeof(*ids));
	if (!ids) {
		snprintf(why, why_len, "%s: %s", rules, strerror(ENOMEM));
		err = -ENOMEM;
		goto fail;
	}
	c->ids = ids;
	k = unchanged_prefix(c, &f, now);
	if (k) {
		ruleset_rewind(&c->rs, k < c->n_ids ? &c->rs.marks[k] : &c->end, k);
	} else {
		ruleset_free(&c->rs);
		ruleset_init(&c->rs);
	}
	c->rs.now = now;
	c->valid = 0;
	for (size_t i = k; !err && i < f.n; i++) {
		err = rules_parse_file(&c->rs, f.paths[i], &res);
		if (err)
			snprintf(why, why_len, "%s: %s", f.paths[i],
				 err == -ENOMEM ? strerror(ENOMEM) : res.why);
		else
			c->ids[i] = res.id;
		/* A file changed within a second of this read may change again
		 * within the same clock tick, same size, same inode: its id would
		 * not move ("racy git").  Such a file is parsed again next time. */
		if (!err && c->racy_s >= 0 && res.id.ctime.tv_sec >= now - c->racy_s)
			c->ids[i].size = -1;
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
	c->valid = 0;
	c->n_ids = 0;
	return err;
}
