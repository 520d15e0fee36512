// SPDX-License-Identifier: GPL-2.0-only
#include "pidfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "safefile.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static const char *run_dir(void)
{
	const char *dir = getenv("XDPFW_RUN_DIR");

	return dir && *dir ? dir : "/run/xdpfw";
}

int pidfile_path(char *buf, size_t len, const char *pin_dir)
{
	size_t o;
	int n;

	n = snprintf(buf, len, "%s/xdpfw-", run_dir());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	o = (size_t)n;
	for (const unsigned char *s = (const void *)pin_dir; *s; s++) {
		if (o + 8 >= len)
			return -ENAMETOOLONG;
		if (isalnum(*s) || *s == '.' || *s == '-')
			buf[o++] = (char)*s;
		else
			o += (size_t)sprintf(buf + o, "_%02x", *s);
	}
	if (o + 5 >= len || o - (size_t)n + 10 > 255) /* NAME_MAX */
		return -ENAMETOOLONG;
	memcpy(buf + o, ".pid", 5);
	return 0;
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks. */
static int proc_starttime(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces and ')' */
	if (!p)
		return -EINVAL;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	return sscanf(p, " %llu", out) == 1 ? 0 : -EINVAL;
}

struct identity {
	pid_t pid;
	unsigned long long start;
	const char *pin_dir;
};

static int fill_identity(FILE *f, void *ctx)
{
	const struct identity *id = ctx;

	fprintf(f, "%d %llu %s\n", (int)id->pid, id->start, id->pin_dir);
	return ferror(f) ? -EIO : 0;
}

/* Our own directory: not a symlink, ours, closed to others. */
static int check_run_dir(const char *path)
{
	char dir[4096], *slash;
	struct stat st;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -EINVAL;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || (st.st_uid && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

int pidfile_write(const char *path, const char *pin_dir)
{
	struct identity id = { getpid(), 0, pin_dir };
	int err = check_run_dir(path);

	if (!err)
		err = proc_starttime(id.pid, &id.start);
	if (!err)
		err = safefile_write(path, 0644, fill_identity, &id);
	return err;
}

/* "PID STARTTIME PIN_DIR\n" for this pin_dir. */
static int read_identity(const char *pin_dir, pid_t *pid,
			 unsigned long long *start)
{
	struct safefile_result res;
	char path[4096], *buf, *dir;
	size_t len;
	long p;
	int n = 0, err;

	err = pidfile_path(path, sizeof(path), pin_dir);
	if (err)
		return err;
	err = safefile_read(path, 8192, &buf, &len, &res);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	if (sscanf(buf, "%ld %llu %n", &p, start, &n) != 2 || !n || p <= 0) {
		free(buf);
		return -ESRCH;
	}
	dir = buf + n;
	dir[strcspn(dir, "\n")] = '\0';
	err = strcmp(dir, pin_dir) ? -ESRCH : 0;
	*pid = (pid_t)p;
	free(buf);
	return err;
}

int pidfile_open_daemon(const char *pin_dir, pid_t *pid)
{
	unsigned long long want, now;
	int fd, err;

	err = read_identity(pin_dir, pid, &want);
	if (err)
		return err;
	fd = (int)syscall(SYS_pidfd_open, *pid, 0);
	if (fd < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	/* The pidfd holds the PID: from here on it names one process. */
	err = proc_starttime(*pid, &now);
	if (err || now != want) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int pidfile_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0))
		return -errno;
	return 0;
}

int pidfile_wait_exit(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}
