// SPDX-License-Identifier: GPL-2.0-only
#include "watch.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* No IN_MODIFY: a file is re-read once its writer closed it
 * (IN_CLOSE_WRITE) or it was renamed or linked into place, never while a
 * slow writer (`curl URL > rules.txt`) is half-way. */
#define WATCH_MASK                                                     \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |      \
	 IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

static void clear(struct watch *w)
{
	for (size_t i = 0; i < w->n_dirs; i++) {
		if (w->wd[i] >= 0)
			inotify_rm_watch(w->fd, w->wd[i]);
		free(w->dir[i]);
	}
	for (size_t i = 0; i < w->n_names; i++)
		free(w->names[i]);
	w->n_dirs = 0;
	w->n_names = 0;
}

static int add_dir(struct watch *w, const char *dir)
{
	int wd;

	for (size_t i = 0; i < w->n_dirs; i++)
		if (!strcmp(w->dir[i], dir))
			return (int)i;
	if (w->n_dirs == WATCH_MAX_DIRS)
		return -E2BIG;
	wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
	if (wd < 0) {
		int err = -errno;

		if (err != -ENOENT && err != -ENOTDIR)
			log_warn_errno(err, "cannot watch %s", dir);
		return err;
	}
	w->wd[w->n_dirs] = wd;
	w->dir[w->n_dirs] = strdup(dir);
	if (!w->dir[w->n_dirs])
		return -ENOMEM;
	return (int)w->n_dirs++;
}

/* Remember that name in the directory of watch index di matters. */
static int add_name(struct watch *w, int di, const char *name)
{
	char *n;

	if (w->n_names == WATCH_MAX_NAMES)
		return -E2BIG;
	if (asprintf(&n, "%d/%s", w->wd[di], name) < 0)
		return -ENOMEM;
	w->names[w->n_names++] = n;
	return 0;
}

/*
 * dir does not exist (deleted, or not created yet): watch its nearest
 * existing ancestor for the component that leads to it, so that its
 * return is seen without a signal.
 */
static int watch_missing(struct watch *w, const char *dir)
{
	char cur[PATH_MAX], up[PATH_MAX], name[PATH_MAX];
	int di;

	strcpy(cur, dir);
	for (int depth = 0; depth < 64; depth++) {
		strcpy(up, cur);
		strcpy(name, cur);
		di = add_dir(w, dirname(up));
		if (di >= 0) {
			if (!w->missing)
				log_info("%s does not exist; watching %s for it",
					 dir, w->dir[di]);
			w->missing = 1;
			return add_name(w, di, basename(name));
		}
		if ((di != -ENOENT && di != -ENOTDIR) || !strcmp(up, cur))
			return di;
		strcpy(cur, up);
	}
	return -ELOOP;
}

/* Watch dir(p) for base(p); when p is a symlink, follow it (up to 8
 * levels), watching each hop's directory and first component. */
static int watch_chain(struct watch *w, const char *p, int depth)
{
	char dbuf[PATH_MAX], bbuf[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
	ssize_t n;
	int di, err;

	if (depth > 8 || strlen(p) >= PATH_MAX)
		return 0;
	strcpy(dbuf, p);
	strcpy(bbuf, p);
	di = add_dir(w, dirname(dbuf));
	if (di == -ENOENT || di == -ENOTDIR)
		return watch_missing(w, dbuf);
	if (di < 0)
		return di;
	err = add_name(w, di, basename(bbuf));
	if (err)
		return err;

	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return 0; /* not a symlink (or missing): done */
	target[n] = '\0';
	if (target[0] == '/') {
		strcpy(next, target);
	} else {
		strcpy(dbuf, p);
		if ((size_t)snprintf(next, sizeof(next), "%s/%s", dirname(dbuf),
				     target) >= sizeof(next))
			return -ENAMETOOLONG;
		/* A relative target's first component may itself be a symlink
		 * in the same directory (ConfigMap: ..data -> ..2024_x). */
		{
			char first[PATH_MAX], *slash;

			strcpy(first, target);
			slash = strchr(first, '/');
			if (slash) {
				*slash = '\0';
				err = add_name(w, di, first);
				if (err)
					return err;
			}
		}
	}
	/* The directory the file really lives in. */
	{
		char real[PATH_MAX];

		if (realpath(next, real)) {
			strcpy(dbuf, real);
			strcpy(bbuf, real);
			di = add_dir(w, dirname(dbuf));
			if (di >= 0)
				add_name(w, di, basename(bbuf));
		}
	}
	return watch_chain(w, next, depth + 1);
}

/* rules_dir: the directory itself (it may be created, removed, swapped),
 * and, while it exists, its entries: any "*.txt", and "..data" (a
 * ConfigMap mounted there swaps that symlink). */
static int watch_rules_dir(struct watch *w)
{
	int di, err = watch_chain(w, w->dirpath, 0);

	w->dir_watched = 0;
	if (err)
		return err;
	di = add_dir(w, w->dirpath);
	if (di == -ENOENT || di == -ENOTDIR)
		return 0; /* none yet: its parent's watch sees it come */
	if (di < 0)
		return di;
	err = add_name(w, di, "*");
	if (!err)
		w->dir_watched = 1;
	return err;
}

static int holds_wd(const struct watch *w, int wd)
{
	for (size_t i = 0; i < w->n_dirs; i++)
		if (w->wd[i] == wd)
			return 1;
	return 0;
}

/* Resolve the chain again, keeping the watches of directories that are
 * still on it (inotify_add_watch on a watched inode returns its wd): a
 * removed-and-re-added watch would queue IN_IGNORED (a spurious reload, in
 * a loop) and drop the events still queued under the old wd. */
int watch_refresh(struct watch *w)
{
	int old_wd[WATCH_MAX_DIRS];
	char *old_dir[WATCH_MAX_DIRS];
	size_t n_old = w->n_dirs;
	int err, was_missing = w->missing, was_dir_watched = w->dir_watched;

	memcpy(old_wd, w->wd, sizeof(old_wd));
	memcpy(old_dir, w->dir, sizeof(old_dir));
	for (size_t i = 0; i < w->n_names; i++)
		free(w->names[i]);
	w->n_dirs = 0;
	w->n_names = 0;
	w->missing = 0;
	err = watch_chain(w, w->path, 0);
	if (!err && w->dirpath)
		err = watch_rules_dir(w);
	for (size_t i = 0; i < n_old; i++) {
		if (old_wd[i] >= 0 && !holds_wd(w, old_wd[i]))
			inotify_rm_watch(w->fd, old_wd[i]);
		free(old_dir[i]);
	}
	if (err)
		return err;
	if (was_missing && !w->missing) {
		log_info("the directory of %s is back; watching it again",
			 w->path);
		return 1;
	}
	if (!was_dir_watched && w->dir_watched) {
		log_info("watching %s", w->dirpath);
		return 1;
	}
	return 0;
}

int watch_init(struct watch *w, const char *path, const char *dir)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	w->path = strdup(path);
	if (!w->path)
		return -ENOMEM;
	if (dir) {
		w->dirpath = strdup(dir);
		if (!w->dirpath)
			return -ENOMEM;
	}
	err = watch_refresh(w);
	return err < 0 ? err : 0;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		clear(w);
		close(w->fd);
	}
	free(w->path);
	free(w->dirpath);
	w->path = NULL;
	w->dirpath = NULL;
	w->fd = -1;
}

/* The directory a watch descriptor watches, or NULL. */
static const char *wd_dir(const struct watch *w, int wd)
{
	for (size_t i = 0; i < w->n_dirs; i++)
		if (w->wd[i] == wd)
			return w->dir[i];
	return NULL;
}

/* A regular file that was just created is still being written: its
 * IN_CLOSE_WRITE follows.  A symlink (ln -sf) or a directory (one that
 * leads to the rules) is complete at once. */
static int created_complete(const struct watch *w,
			    const struct inotify_event *ev)
{
	const char *dir = wd_dir(w, ev->wd);
	char path[PATH_MAX];
	struct stat st;

	if (ev->mask & IN_ISDIR)
		return 1;
	if (!dir || (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     ev->name) >= sizeof(path))
		return 1;
	return lstat(path, &st) || !S_ISREG(st.st_mode);
}

/* Is names entry n the wildcard of rules_dir's watch wd (WD, "/", "*")? */
static int in_rules_dir(const char *n, int wd)
{
	char key[32];

	snprintf(key, sizeof(key), "%d/*", wd);
	return !strcmp(n, key);
}

/* A name in rules_dir that can change the rule set. */
static int rules_dir_name(const char *name)
{
	size_t len = strlen(name);

	return !strcmp(name, "..data") ||
	       (name[0] != '.' && len > 4 && !strcmp(name + len - 4, ".txt"));
}

static int relevant(const struct watch *w, const struct inotify_event *ev)
{
	char key[PATH_MAX + 16];

	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW))
		return 1; /* a watched directory went away, or we lost events */
	if (ev->mask & IN_IGNORED)
		return holds_wd(w, ev->wd); /* not a watch we removed ourselves */
	if (!ev->len)
		return 0;
	snprintf(key, sizeof(key), "%d/%s", ev->wd, ev->name);
	for (size_t i = 0; i < w->n_names; i++)
		if (!strcmp(w->names[i], key) ||
		    (in_rules_dir(w->names[i], ev->wd) && rules_dir_name(ev->name)))
			return !(ev->mask & IN_CREATE) || created_complete(w, ev);
	return 0;
}

int watch_read(struct watch *w)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	int hit = 0;

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EAGAIN)
				return hit;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if (relevant(w, ev)) {
				log_debug("watch: %s%s0x%x", ev->len ? ev->name : "",
					  ev->len ? " " : "", ev->mask);
				hit = 1;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}
