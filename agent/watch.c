// SPDX-License-Identifier: GPL-2.0-only
#include "watch.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"

#define WATCH_MASK                                                        \
	(IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | \
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
		log_warn("cannot watch %s: %s", dir, strerror(errno));
		return -errno;
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
	int err;

	memcpy(old_wd, w->wd, sizeof(old_wd));
	memcpy(old_dir, w->dir, sizeof(old_dir));
	for (size_t i = 0; i < w->n_names; i++)
		free(w->names[i]);
	w->n_dirs = 0;
	w->n_names = 0;
	err = watch_chain(w, w->path, 0);
	for (size_t i = 0; i < n_old; i++) {
		if (old_wd[i] >= 0 && !holds_wd(w, old_wd[i]))
			inotify_rm_watch(w->fd, old_wd[i]);
		free(old_dir[i]);
	}
	return err;
}

int watch_init(struct watch *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	w->path = strdup(path);
	if (!w->path)
		return -ENOMEM;
	return watch_refresh(w);
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
	w->path = NULL;
	w->fd = -1;
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
		if (!strcmp(w->names[i], key))
			return 1;
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
