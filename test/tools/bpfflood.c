// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpfw-bpfflood N: another process's bpf() traffic, for tamper.sh and the
 * benchmark: create a private array map and update it N times.  The tamper
 * guard must not report any of it (the map is not xdpfw's).
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	struct timespec t0, t1;
	__u32 key = 0;
	__u64 val = 0;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "flood", sizeof(key),
			    sizeof(val), 1, NULL);
	if (fd < 0) {
		fprintf(stderr, "bpf_map_create: %s\n", strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		val = (__u64)i;
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY)) {
			fprintf(stderr, "update: %s\n", strerror(errno));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld updates in %.3f s\n", n,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(fd);
	return 0;
}
