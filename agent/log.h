/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One severity contract for the whole program (this comment is where it
 * is written down):
 *   error   something failed; at start-up that is fatal, at run time the
 *           daemon survives it and keeps the rules in force
 *   warning input or state the operator should look at
 *   info    what changed (one line per reload), start, stop
 *   debug   detail for developers
 * A failure is logged once, where it is decided (what to do about it is
 * known there), not again by every caller it passes through; errors travel
 * as negative errno values, unchanged.  log_*_errno log the message with
 * ": <strerror>" appended and return the error, so that
 *	return log_error_errno(err, "cannot pin %s", path);
 * logs and forwards in one statement.
 * Lines go to stderr.  When stderr is the journal (JOURNAL_STREAM matches
 * it), each line gets its syslog priority prefix (<3>, <4>, <6>, <7>).
 */
#ifndef XDPFW_LOG_H
#define XDPFW_LOG_H

enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void log_init(void);
void log_set_level(enum log_level level);
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

/* Route libbpf's own messages through the log, one level lower than libbpf
 * rates them (its warnings are our debug unless we are debugging). */
void log_bridge_libbpf(void);
/* Silence libbpf around a probe that is expected to fail. */
void log_libbpf_quiet(int quiet);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Log fmt followed by ": strerror(-err)"; returns err (negative errno). */
int log_msg_errno(enum log_level level, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_error_errno(err, ...) log_msg_errno(LOG_LVL_ERROR, err, __VA_ARGS__)
#define log_warn_errno(err, ...) \
	log_msg_errno(LOG_LVL_WARNING, err, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
