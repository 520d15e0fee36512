// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum log_level cur_level = LOG_LVL_INFO;
static int to_journal;
static int libbpf_quiet;

void log_init(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* JOURNAL_STREAM=<dev>:<inode> of the stream systemd connected. */
	to_journal = 0;
	if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && st.st_dev == (dev_t)dev &&
	    st.st_ino == (ino_t)ino)
		to_journal = 1;
}

void log_set_level(enum log_level level)
{
	cur_level = level;
}

static const struct {
	const char *name;
	enum log_level level;
} level_names[] = {
	{ "error", LOG_LVL_ERROR },
	{ "warning", LOG_LVL_WARNING },
	{ "info", LOG_LVL_INFO },
	{ "debug", LOG_LVL_DEBUG },
};

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i].name) == 0) {
			*out = level_names[i].level;
			return 0;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i].level == level)
			return level_names[i].name;
	return "?";
}

__attribute__((format(printf, 2, 0)))
static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	int n;

	if (level > cur_level)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	/* Strip trailing newlines; we add exactly one. */
	n = (int)strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (to_journal)
		fprintf(stderr, "<%d>%s\n", (int)level, buf);
	else if (level <= LOG_LVL_WARNING)
		fprintf(stderr, "xdpfw: %s: %s\n", log_level_name(level), buf);
	else
		fprintf(stderr, "xdpfw: %s\n", buf);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

int log_msg_errno(enum log_level level, int err, const char *fmt, ...)
{
	char msg[3072];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(level, "%s: %s", msg, strerror(err < 0 ? -err : err));
	return err;
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt,
			va_list ap)
{
	enum log_level level;

	if (libbpf_quiet)
		return 0;
	switch (lvl) {
	case LIBBPF_WARN:
		level = LOG_LVL_DEBUG;
		break;
	default:
		/* libbpf info/debug is noise even at debug level unless asked. */
		if (!getenv("XDPFW_LIBBPF_DEBUG"))
			return 0;
		level = LOG_LVL_DEBUG;
		break;
	}
	if (getenv("XDPFW_LIBBPF_DEBUG"))
		level = LOG_LVL_ERROR;
	{
		char fmt2[512];

		snprintf(fmt2, sizeof(fmt2), "libbpf: %s", fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		log_vmsg(level, fmt2, ap);
#pragma GCC diagnostic pop
	}
	return 0;
}

void log_bridge_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

void log_libbpf_quiet(int quiet)
{
	libbpf_quiet = quiet;
}
