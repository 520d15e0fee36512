// SPDX-License-Identifier: GPL-2.0-only
#include "tamper.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safefile.h"

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

static int fill_counts(FILE *f, void *ctx)
{
	const struct tamper_counts *c = ctx;

	for (int k = 0; k < TAMPER_KIND_N; k++)
		fprintf(f, "%s %lu %lu\n", tamper_kind_name[k], c->events[k],
			c->repairs[k]);
	return ferror(f) ? -EIO : 0;
}

/* Like every file the daemon writes: O_EXCL temp, fchmod, rename. */
int tamper_save(const char *path, const struct tamper_counts *c)
{
	return safefile_write(path, 0644, fill_counts, (void *)c);
}

int tamper_load(const char *path, struct tamper_counts *c)
{
	struct safefile_result res;
	char name[32], *buf;
	unsigned long e, r;
	size_t len;
	FILE *f;
	int err;

	memset(c, 0, sizeof(*c));
	err = safefile_read(path, 4096, &buf, &len, &res);
	if (err)
		return err;
	f = fmemopen(buf, len, "r");
	if (!f) {
		free(buf);
		return -errno;
	}
	while (fscanf(f, "%31s %lu %lu", name, &e, &r) == 3) {
		for (int k = 0; k < TAMPER_KIND_N; k++) {
			if (strcmp(name, tamper_kind_name[k]))
				continue;
			c->events[k] = e;
			c->repairs[k] = r;
		}
	}
	fclose(f);
	free(buf);
	return 0;
}
