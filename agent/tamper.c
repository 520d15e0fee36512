// SPDX-License-Identifier: GPL-2.0-only
#include "tamper.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const tamper_kind_name[TAMPER_KIND_N] = {
	[TAMPER_ATTACH] = "attach",
	[TAMPER_PIN] = "pin",
	[TAMPER_MAP] = "map",
	[TAMPER_LINK] = "link",
};

void tamper_print_prometheus(FILE *f, const struct tamper_counts *c)
{
	fputs("# HELP xdpfw_tamper_events_total Changes to xdpfw's kernel state "
	      "made by something else, by kind.\n"
	      "# TYPE xdpfw_tamper_events_total counter\n", f);
	for (int k = 0; k < TAMPER_KIND_N; k++)
		fprintf(f, "xdpfw_tamper_events_total{kind=\"%s\"} %lu\n",
			tamper_kind_name[k], c->events[k]);
	fputs("# HELP xdpfw_repairs_total Repairs of xdpfw's kernel state, by kind.\n"
	      "# TYPE xdpfw_repairs_total counter\n", f);
	for (int k = 0; k < TAMPER_KIND_N; k++)
		fprintf(f, "xdpfw_repairs_total{kind=\"%s\"} %lu\n",
			tamper_kind_name[k], c->repairs[k]);
}

static void json_obj(FILE *f, const char *name, const unsigned long *v)
{
	fprintf(f, "\"%s\": {", name);
	for (int k = 0; k < TAMPER_KIND_N; k++)
		fprintf(f, "%s\"%s\": %lu", k ? ", " : "", tamper_kind_name[k], v[k]);
	fputc('}', f);
}

void tamper_print_json(FILE *f, const struct tamper_counts *c)
{
	json_obj(f, "tamper_events", c->events);
	fputs(", ", f);
	json_obj(f, "repairs", c->repairs);
}

int tamper_state_path(char *buf, size_t len, const char *pid_path)
{
	size_t n = strlen(pid_path);

	if (n < 4 || strcmp(pid_path + n - 4, ".pid") || n + 3 > len)
		return -EINVAL;
	memcpy(buf, pid_path, n - 4);
	memcpy(buf + n - 4, ".tamper", 8);
	return 0;
}

int tamper_save(const char *path, const struct tamper_counts *c)
{
	char tmp[4200];
	FILE *f;
	int fd, err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	for (int k = 0; k < TAMPER_KIND_N; k++)
		fprintf(f, "%s %lu %lu\n", tamper_kind_name[k], c->events[k],
			c->repairs[k]);
	if (fflush(f))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && chmod(tmp, 0644))
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int tamper_load(const char *path, struct tamper_counts *c)
{
	char name[32];
	unsigned long e, r;
	FILE *f = fopen(path, "re");

	memset(c, 0, sizeof(*c));
	if (!f)
		return -errno;
	while (fscanf(f, "%31s %lu %lu", name, &e, &r) == 3) {
		for (int k = 0; k < TAMPER_KIND_N; k++) {
			if (strcmp(name, tamper_kind_name[k]))
				continue;
			c->events[k] = e;
			c->repairs[k] = r;
		}
	}
	fclose(f);
	return 0;
}
