/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading the files that steer the firewall (the config and the rules),
 * fail-closed: whoever can write them controls the firewall, and a file
 * that is not what it should be must never be read as "no rules".
 *
 * A file is read only when it is a regular file (never a FIFO, a device or
 * a directory, which are refused before they are even opened), owned by
 * root or by this process's user, not writable by group or others (like
 * sshd's StrictModes), no larger than the caller's bound, and not open for
 * writing by any process at that moment (a read lease, where the kernel
 * grants one: a slow writer is never read half-written).
 *
 * The files the daemon writes (the Prometheus textfile, its identity file)
 * are written whole to a new name in their directory, created exclusively
 * (never through a symlink someone left there), given their mode through
 * the descriptor (fchmod: never a path-based call after creation), synced
 * and renamed into place.
 */
#ifndef XDPFW_SAFEFILE_H
#define XDPFW_SAFEFILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

enum safefile_refusal {
	SAFEFILE_OK = 0,
	SAFEFILE_ERRNO,        /* open/read failed: the error says why */
	SAFEFILE_NOT_REGULAR,  /* FIFO, device, directory, socket */
	SAFEFILE_INSECURE,     /* owner or mode */
	SAFEFILE_TOO_LARGE,
	SAFEFILE_BEING_WRITTEN,/* open for writing by another process */
};

/* What a file was when it was read: any write, chmod, chown or
 * replacement changes it (ctime at least). */
struct safefile_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct safefile_result {
	enum safefile_refusal refusal;
	char why[256]; /* what is wrong and how to fix it, for PATH: <why> */
	struct safefile_id id; /* of the file read, on success */
};

/* The id of path now (stat, symlinks followed): 0 or -errno. */
int safefile_id_get(const char *path, struct safefile_id *id);
int safefile_id_equal(const struct safefile_id *a, const struct safefile_id *b);

/*
 * The whole file at path (symlinks followed) into *buf (NUL-terminated,
 * *len bytes before the NUL; free() it).  Returns 0, or a negative errno
 * with res->refusal and res->why set: -EINVAL for a file that is refused
 * (not regular, insecure, larger than max), -EBUSY while a writer has it
 * open, the error of open/read otherwise (-ENOENT, -EACCES, ...).
 */
int safefile_read(const char *path, size_t max, char **buf, size_t *len,
		  struct safefile_result *res);

/*
 * The same as safefile_read(), with the file mapped instead of copied (a
 * large file is there in a millisecond, not in tens: no page of a copy
 * to fault in).  The mapping is made only under a read lease, held until
 * safefile_unmap(), so that no writer can change or truncate the file
 * meanwhile; where no lease is granted the file is read into memory.
 */
struct safefile_map {
	const char *buf;
	size_t len;
	int fd;      /* -1: buf is a copy (or empty) */
	char *copy;
};
int safefile_map(const char *path, size_t max, struct safefile_map *m,
		 struct safefile_result *res);
void safefile_unmap(struct safefile_map *m); /* NULL-safe */
/* Let the pages of the mapped file below byte upto go from the process
 * (they stay valid: read again, they come back); nothing for a copy. */
void safefile_map_drop(const struct safefile_map *m, size_t upto);
/* The same for the whole pages of bytes [from, upto). */
void safefile_map_drop_range(const struct safefile_map *m, size_t from,
			     size_t upto);

/*
 * Write path atomically with the given mode: fill(f, ctx) writes the
 * content (returns 0 or -errno).  Returns 0 or -errno; on failure nothing
 * is left behind and path is as it was.
 */
int safefile_write(const char *path, mode_t mode,
		   int (*fill)(FILE *f, void *ctx), void *ctx);

#endif
