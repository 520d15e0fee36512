// SPDX-License-Identifier: GPL-2.0-only
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prefault.h"

__attribute__((format(printf, 3, 4)))
static int refuse(struct safefile_result *res, enum safefile_refusal why,
		  const char *fmt, ...)
{
	va_list ap;

	res->refusal = why;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	return why == SAFEFILE_BEING_WRITTEN ? -EBUSY : -EINVAL;
}

static int fail(struct safefile_result *res, int err, const char *what)
{
	res->refusal = SAFEFILE_ERRNO;
	snprintf(res->why, sizeof(res->why), "cannot %s: %s", what,
		 strerror(-err));
	return err;
}

static const char *type_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* Type, owner, mode and size: everything that can be judged from stat. */
static int judge(const char *path, const struct stat *st, size_t max,
		 struct safefile_result *res)
{
	if (!S_ISREG(st->st_mode))
		return refuse(res, SAFEFILE_NOT_REGULAR,
			      "not a regular file (%s); refusing to read it",
			      type_name(st->st_mode));
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return refuse(res, SAFEFILE_INSECURE,
			      "owned by uid %u, not by root: whoever owns it "
			      "controls the firewall (chown root %s)",
			      (unsigned)st->st_uid, path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return refuse(res, SAFEFILE_INSECURE,
			      "writable by %s (mode %04o): whoever can write it "
			      "controls the firewall (chmod go-w %s)",
			      (st->st_mode & S_IWOTH) ? "others" : "its group",
			      (unsigned)(st->st_mode & 07777), path);
	if ((unsigned long long)st->st_size > max)
		return refuse(res, SAFEFILE_TOO_LARGE,
			      "too large (%lld bytes; at most %zu are read)",
			      (long long)st->st_size, max);
	return 0;
}

/* Read up to max bytes (+1 to notice a file that grew past it). */
static int read_bounded(int fd, size_t size_hint, size_t max, char **out,
			size_t *outlen, struct safefile_result *res)
{
	size_t cap = size_hint < max ? size_hint + 1 : max + 1, n = 0;
	char *buf;

	if (cap < 4096)
		cap = max + 1 < 4096 ? max + 1 : 4096;
	buf = malloc(cap + 1);
	if (!buf)
		return fail(res, -ENOMEM, "allocate memory");
	prefault(buf, cap); /* read() writes it whole */
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nbuf;

			if (cap > max) {
				free(buf);
				return refuse(res, SAFEFILE_TOO_LARGE,
					      "too large (more than %zu bytes)",
					      max);
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf) {
				free(buf);
				return fail(res, -ENOMEM, "allocate memory");
			}
			buf = nbuf;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			free(buf);
			return fail(res, err, "read it");
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		return refuse(res, SAFEFILE_TOO_LARGE,
			      "too large (more than %zu bytes)", max);
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

/*
 * A read lease is granted only while nobody has the file open for writing
 * (EAGAIN otherwise), and holding it makes a writer's open() wait until it
 * is released: the content read is what the last writer closed.  The lease
 * break signal (SIGIO) is ignored by main().  Where leases are not granted
 * (another owner without CAP_LEASE, NFS, leases disabled), the inotify
 * side (IN_CLOSE_WRITE) is the only guard.
 */
static int take_lease(int fd, struct safefile_result *res, int *held)
{
	*held = 0;
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
		*held = 1;
		return 0;
	}
	if (errno == EAGAIN || errno == EBUSY)
		return refuse(res, SAFEFILE_BEING_WRITTEN,
			      "open for writing by another process; it is read "
			      "once the writer closes it");
	return 0;
}

static void id_of(const struct stat *st, struct safefile_id *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
	id->ctime = st->st_ctim;
}

int safefile_id_get(const char *path, struct safefile_id *id)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	id_of(&st, id);
	return 0;
}

int safefile_id_equal(const struct safefile_id *a, const struct safefile_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Judged, opened, judged again, leased: the descriptor, or -errno with
 * res set. */
static int open_judged(const char *path, size_t max, struct stat *st,
		       int *lease, struct safefile_result *res)
{
	struct stat before;
	int fd, err;

	res->refusal = SAFEFILE_OK;
	res->why[0] = '\0';
	*lease = 0;
	/* Judge first, open after: opening a FIFO blocks, opening some
	 * devices has effects (a watchdog, a tape). */
	if (stat(path, &before))
		return fail(res, -errno, "stat it");
	err = judge(path, &before, max, res);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail(res, -errno, "open it");
	if (fstat(fd, st)) {
		err = fail(res, -errno, "stat it");
		goto out;
	}
	/* Swapped between stat and open: judge what was opened. */
	err = judge(path, st, max, res);
	if (!err)
		err = take_lease(fd, res, lease);
	/* A writer may have closed it between fstat and the lease. */
	if (!err && *lease && fstat(fd, st))
		err = fail(res, -errno, "stat it");
	if (!err && *lease)
		err = judge(path, st, max, res);
	if (!err)
		return fd;
	if (*lease)
		fcntl(fd, F_SETLEASE, F_UNLCK);
out:
	close(fd);
	return err;
}

int safefile_read(const char *path, size_t max, char **buf, size_t *len,
		  struct safefile_result *res)
{
	struct stat st;
	int fd, err, lease;

	*buf = NULL;
	*len = 0;
	fd = open_judged(path, max, &st, &lease, res);
	if (fd < 0)
		return fd;
	err = read_bounded(fd, (size_t)st.st_size, max, buf, len, res);
	if (lease)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	if (!err)
		id_of(&st, &res->id);
	close(fd);
	return err;
}

int safefile_map(const char *path, size_t max, struct safefile_map *m,
		 struct safefile_result *res)
{
	struct stat st;
	size_t len;
	void *p;
	int fd, err, lease;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->buf = "";
	fd = open_judged(path, max, &st, &lease, res);
	if (fd < 0)
		return fd;
	len = (size_t)st.st_size;
	/* No lease, nothing to map: a copy. */
	if (!lease || !len) {
		err = read_bounded(fd, len, max, &m->copy, &m->len, res);
		if (lease)
			fcntl(fd, F_SETLEASE, F_UNLCK);
		close(fd);
		if (err)
			return err;
		m->buf = m->copy;
		id_of(&st, &res->id);
		return 0;
	}
	/* Not populated: the pages come in as they are read (64 KiB at a
	 * fault), and a reader may let those it is done with go
	 * (safefile_map_drop): a 22 MB file mapped whole counted 22 MB in
	 * the daemon's RSS while it was hashed. */
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		err = fail(res, -errno, "map it");
		fcntl(fd, F_SETLEASE, F_UNLCK);
		close(fd);
		return err;
	}
	m->buf = p;
	m->len = len;
	m->fd = fd;
	id_of(&st, &res->id);
	return 0;
}

void safefile_map_drop(const struct safefile_map *m, size_t upto)
{
	safefile_map_drop_range(m, 0, upto);
}

void safefile_map_drop_range(const struct safefile_map *m, size_t from,
			     size_t upto)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	if (m->fd < 0 || upto > m->len)
		return;
	/* whole pages only: the ones around may be another reader's */
	from = (from + pg - 1) / pg * pg;
	upto = upto / pg * pg;
	/* Clean pages of a file never written through this mapping: they
	 * stay in the page cache, and fault in again if read again. */
	if (upto > from)
		madvise((char *)m->buf + from, upto - from, MADV_DONTNEED);
}

void safefile_unmap(struct safefile_map *m)
{
	if (!m)
		return;
	if (m->fd >= 0) {
		munmap((void *)m->buf, m->len);
		fcntl(m->fd, F_SETLEASE, F_UNLCK);
		close(m->fd);
	}
	free(m->copy);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

int safefile_write(const char *path, mode_t mode,
		   int (*fill)(FILE *f, void *ctx), void *ctx)
{
	char tmp[4096];
	FILE *f;
	int fd, err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	/* O_CREAT | O_EXCL: a name that exists, a symlink included, is
	 * never opened. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode)) {
		err = -errno;
		close(fd);
		goto fail;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	err = fill(f, ctx);
	if (!err && (fflush(f) || fsync(fileno(f))))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (!err)
		return 0;
fail:
	unlink(tmp);
	return err;
}
