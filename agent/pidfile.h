/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's identity file: which process is the daemon of a pin_dir,
 * so that `reload` and `detach` signal it and nothing else.
 *
 * <run dir>/xdpfw-<pin_dir, escaped>.pid holds "PID STARTTIME PIN_DIR".
 * The escaping is one-to-one ('/' and every byte but [A-Za-z0-9.-] become
 * _XX), so two pin_dirs never share a file; the pin_dir inside is checked
 * too.  The start time (field 22 of /proc/PID/stat) tells the daemon apart
 * from a process that was given its PID after it died (kill -9).  Signals
 * go through a pidfd opened before that check, so the PID cannot be
 * recycled between the check and the signal.  The run dir is /run/xdpfw
 * ($XDPFW_RUN_DIR overrides it, for tests).
 */
#ifndef XDPFW_PIDFILE_H
#define XDPFW_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

int pidfile_path(char *buf, size_t len, const char *pin_dir);

/* The daemon side: this process runs on pin_dir.  Creates the run dir
 * (0755) when missing and refuses one that is not a directory owned by
 * root (or us) and closed to group and others.  0 or -errno. */
int pidfile_write(const char *path, const char *pin_dir);

/* The CLI side: a pidfd of the daemon running on pin_dir (>= 0, *pid set),
 * -ESRCH when none runs (no file, a dead or recycled PID, another
 * pin_dir's file), or another -errno. */
int pidfile_open_daemon(const char *pin_dir, pid_t *pid);

/* Signal the process of a pidfd.  0 or -errno (-EPERM: not ours to signal). */
int pidfile_signal(int pidfd, int sig);

/* Wait up to ms for the process of a pidfd to exit: 0, or -ETIMEDOUT. */
int pidfile_wait_exit(int pidfd, int ms);

#endif
