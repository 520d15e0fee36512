// SPDX-License-Identifier: GPL-2.0-only
/* safefile_read(): what is refused, what is read, and that nothing blocks. */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static char dir[] = "/tmp/xdpfw-test-safefile.XXXXXX";

static const char *at(const char *name)
{
	static char path[2][128];
	static int i;

	i ^= 1;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static int put(const char *name, const char *text, mode_t mode)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	if (n != (ssize_t)strlen(text) || chmod(at(name), mode))
		return -EIO;
	return 0;
}

/* Expect a refusal (or success when want_err is 0) whose why holds substr. */
static void expect(const char *path, size_t max, int want_err,
		   enum safefile_refusal want, const char *substr)
{
	struct safefile_result res;
	char *buf = (char *)1;
	size_t len = 1;
	int err = safefile_read(path, max, &buf, &len, &res);

	CHECK_MSG(err == want_err && res.refusal == want &&
			  (!substr || strstr(res.why, substr)),
		  "%s: err %d (want %d), refusal %d (want %d), why \"%s\"",
		  path, err, want_err, res.refusal, want, res.why);
	if (err)
		CHECK(buf == NULL && len == 0);
	free(buf);
}

static void test_reads(void)
{
	struct safefile_result res;
	char *buf;
	size_t len;

	CHECK_INT(put("ok", "203.0.113.7\n", 0644), 0);
	CHECK_INT(safefile_read(at("ok"), 100, &buf, &len, &res), 0);
	CHECK_INT(len, 12);
	CHECK_STR(buf, "203.0.113.7\n");
	free(buf);
	/* Exactly at the bound, one past it, and an empty file. */
	expect(at("ok"), 12, 0, SAFEFILE_OK, NULL);
	expect(at("ok"), 11, -EINVAL, SAFEFILE_TOO_LARGE, "too large");
	CHECK_INT(put("empty", "", 0600), 0);
	CHECK_INT(safefile_read(at("empty"), 100, &buf, &len, &res), 0);
	CHECK(len == 0 && buf && buf[0] == '\0');
	free(buf);
	/* A symlink is followed (a ConfigMap's ..data swap). */
	CHECK_INT(symlink(at("ok"), at("link")), 0);
	expect(at("link"), 100, 0, SAFEFILE_OK, NULL);
	expect(at("missing"), 100, -ENOENT, SAFEFILE_ERRNO,
	       "No such file or directory");
}

static void test_refusals(void)
{
	struct timespec t0, t1;

	CHECK_INT(put("g", "x\n", 0664), 0);
	expect(at("g"), 100, -EINVAL, SAFEFILE_INSECURE,
	       "writable by its group (mode 0664)");
	CHECK_INT(put("o", "x\n", 0646), 0);
	expect(at("o"), 100, -EINVAL, SAFEFILE_INSECURE,
	       "writable by others (mode 0646)");
	if (geteuid() == 0) {
		CHECK_INT(put("nobody", "x\n", 0644), 0);
		CHECK_INT(chown(at("nobody"), 65534, 65534), 0);
		expect(at("nobody"), 100, -EINVAL, SAFEFILE_INSECURE,
		       "owned by uid 65534, not by root");
	} else {
		printf("test-safefile: not root, foreign owner not checked\n");
	}
	/* Never opened: a FIFO would block the reader for good, /dev/zero
	 * would fill memory. */
	CHECK_INT(mkfifo(at("fifo"), 0600), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect(at("fifo"), 100, -EINVAL, SAFEFILE_NOT_REGULAR, "a FIFO");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec < 2);
	expect("/dev/zero", 1 << 30, -EINVAL, SAFEFILE_NOT_REGULAR,
	       "a character device");
	expect(dir, 100, -EINVAL, SAFEFILE_NOT_REGULAR, "a directory");
}

/* Open for writing by anyone (here: ourselves): not read until closed. */
static void test_writer(void)
{
	int fd;

	CHECK_INT(put("w", "198.18.0.3\n", 0644), 0);
	fd = open(at("w"), O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	expect(at("w"), 100, -EBUSY, SAFEFILE_BEING_WRITTEN,
	       "open for writing");
	close(fd);
	expect(at("w"), 100, 0, SAFEFILE_OK, NULL);
}

/* safefile_map(): what safefile_read() gives, without a copy; while it is
 * mapped no writer gets in (where a lease is granted). */
static void test_map(void)
{
	struct safefile_result res;
	struct safefile_map m;
	int fd;

	signal(SIGIO, SIG_IGN); /* the lease break's signal, as main() does */
	CHECK_INT(put("m", "203.0.113.8\n10.0.0.0/8\n", 0644), 0);
	CHECK_INT(safefile_map(at("m"), 100, &m, &res), 0);
	CHECK_INT(m.len, 23);
	CHECK(!memcmp(m.buf, "203.0.113.8\n10.0.0.0/8\n", 23));
	if (m.fd >= 0) {
		fd = open(at("m"), O_WRONLY | O_NONBLOCK);
		CHECK_MSG(fd < 0 && errno == EWOULDBLOCK,
			  "a writer got in while the file was mapped");
		if (fd >= 0)
			close(fd);
	} else {
		printf("test-safefile: no lease here, the map is a copy\n");
	}
	safefile_unmap(&m);
	fd = open(at("m"), O_WRONLY | O_NONBLOCK);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(put("empty", "", 0600), 0);
	CHECK_INT(safefile_map(at("empty"), 100, &m, &res), 0);
	CHECK_INT(m.len, 0);
	safefile_unmap(&m);
	CHECK_INT(put("mg", "x\n", 0664), 0);
	CHECK_INT(safefile_map(at("mg"), 100, &m, &res), -EINVAL);
	CHECK_INT(res.refusal, SAFEFILE_INSECURE);
	CHECK_INT(safefile_map(at("m"), 10, &m, &res), -EINVAL);
	CHECK_INT(res.refusal, SAFEFILE_TOO_LARGE);
	unlink(at("m"));
	unlink(at("mg"));
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_reads();
	test_refusals();
	test_writer();
	test_map();
	{
		static const char *names[] = { "ok", "empty", "link", "g", "o",
					       "nobody", "fifo", "w" };

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			unlink(at(names[i]));
		rmdir(dir);
	}
	return tl_finish("test-safefile");
}
