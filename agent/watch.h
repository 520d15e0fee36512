/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Watching the rules file so that every way of saving it is seen: in-place
 * writes and appends, write-to-temp-and-rename, cp over it, delete and
 * re-create, and a symlink swap (a Kubernetes ConfigMap's ..data).
 *
 * inotify watches directories, not the file: the directory of the
 * configured path, and the directory the path resolves to through its
 * symlinks.  An event counts when its name is the file's name or a name
 * that the symlink chain passes through in a watched directory.  After
 * each reload the chain is resolved again (a ConfigMap swap moves the
 * real directory).  A directory of the path that does not exist is
 * replaced by its nearest existing ancestor until it returns.  A regular
 * file is re-read once its writer closed it, never on IN_MODIFY alone.
 */
#ifndef XDPFW_WATCH_H
#define XDPFW_WATCH_H

#include <stddef.h>

#define WATCH_MAX_DIRS 8
#define WATCH_MAX_NAMES 16

struct watch {
	int fd;                           /* inotify, non-blocking */
	char *path;                       /* the rules path as configured */
	char *dirpath;                    /* rules_dir, or NULL */
	int dir_watched;                  /* rules_dir's entries are watched */
	int wd[WATCH_MAX_DIRS];
	char *dir[WATCH_MAX_DIRS];
	size_t n_dirs;
	char *names[WATCH_MAX_NAMES];     /* "wd/name" pairs that matter */
	size_t n_names;
	int missing; /* a directory on the path is missing: its nearest
		      * existing ancestor is watched instead */
};

/* Watch the rules file at path and, when dir is not NULL, the *.txt files
 * of the directory dir (rules_dir; it may come and go). */
int watch_init(struct watch *w, const char *path, const char *dir);
void watch_free(struct watch *w); /* NULL-safe */

/* Resolve the symlink chain again and move the watches.  Returns 0, 1 when
 * a directory that was missing is back, or rules_dir appeared (a file may
 * have been written before its watch existed: read again), or -errno. */
int watch_refresh(struct watch *w);

/* Drain the inotify fd.  Returns 1 when a relevant event was seen, 0 when
 * none, -errno on failure. */
int watch_read(struct watch *w);

#endif
