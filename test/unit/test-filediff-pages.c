// SPDX-License-Identifier: GPL-2.0-only
/*
 * A summary of a mapped text lets its reader drop the pages it has read
 * through (filediff_sum_update_cb's done(), as the daemon's splice does
 * with safefile_map_drop_range): after an edit at the start of a 14 MB
 * text, which is read whole for its chunks and again from the end back
 * for the text both versions end with, at most a few MiB of it
 * stays resident.  (The read from the end told nothing: a one-line edit
 * at the top of a 1M-line file held its 22 MB mapped to the end of the
 * read, VmHWM 102 MB against 89.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "filediff.h"
#include "testlib.h"

enum { LINES = 800000 };

static char *map;

static void drop(void *ctx, size_t from, size_t upto)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	(void)ctx;
	from = (from + pg - 1) / pg * pg;
	upto = upto / pg * pg;
	if (upto > from)
		madvise(map + from, upto - from, MADV_DONTNEED);
}

/* The resident KiB of the mapping that starts at addr, from smaps. */
static long rss_kb(const void *addr)
{
	char line[256], want[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	long kb = -1;
	int in = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want, strlen(want)))
			in = 1;
		else if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* A text of LINES lines, its first line `first`, into a file; mapped. */
static size_t write_text(const char *path, const char *first)
{
	FILE *f = fopen(path, "w");
	long len;

	CHECK(f != NULL);
	if (!f)
		exit(1);
	fprintf(f, "%s\n", first);
	for (int i = 1; i < LINES; i++)
		fprintf(f, "10.%d.%d.%d:%d\n", i >> 16, (i >> 8) & 255, i & 255,
			1024 + i % 50000);
	len = ftell(f);
	fclose(f);
	return (size_t)len;
}

int main(void)
{
	char path[] = "/tmp/xdpfw-test-filediff-pages-XXXXXX";
	struct filediff_sum old, now;
	size_t len_old, len;
	char *text;
	long kb;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return 1;
	close(fd);
	len_old = write_text(path, "192.0.2.1");
	fd = open(path, O_RDONLY);
	text = mmap(NULL, len_old, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(text != MAP_FAILED);
	CHECK_INT(filediff_sum_of(&old, text, len_old), 0);
	munmap(text, len_old);
	close(fd);

	len = write_text(path, "192.0.2.22");
	CHECK(len > (size_t)12 << 20);
	fd = open(path, O_RDONLY);
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(map != MAP_FAILED);
	CHECK_INT(filediff_sum_update_cb(&now, map, len, &old, NULL, drop, NULL),
		  0);
	CHECK_INT(now.lines, LINES);
	kb = rss_kb(map);
	CHECK_MSG(kb >= 0 && kb <= 9 * 1024,
		  "%ld KiB of the %zu KiB text still resident", kb, len / 1024);
	munmap(map, len);
	close(fd);
	unlink(path);
	filediff_sum_free(&old);
	filediff_sum_free(&now);
	return tl_finish("test-filediff-pages");
}
