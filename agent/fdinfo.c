// SPDX-License-Identifier: GPL-2.0-only
#include "fdinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value of the line "key:\t..." in text, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, kl))
			return p + kl;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int fdinfo_bpf_read(uint32_t pid, int fd, struct fdinfo_bpf *out)
{
	char path[64], buf[4096];
	const char *v;
	ssize_t n;
	int f;

	memset(out, 0, sizeof(*out));
	if (pid)
		snprintf(path, sizeof(path), "/proc/%u/fdinfo/%d", pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	n = read(f, buf, sizeof(buf) - 1);
	if (n < 0)
		n = -errno;
	close(f);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	if ((v = field(buf, "map_id:")))
		out->map_id = (uint32_t)strtoul(v, NULL, 10);
	if ((v = field(buf, "link_id:")))
		out->link_id = (uint32_t)strtoul(v, NULL, 10);
	if ((v = field(buf, "memlock:")))
		out->memlock = strtoull(v, NULL, 10);
	return 0;
}
