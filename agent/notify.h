/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * systemd's notification protocol (sd_notify(3)): one datagram per call to
 * $NOTIFY_SOCKET; a no-op when the daemon is not run by systemd.
 */
#ifndef XDPFW_NOTIFY_H
#define XDPFW_NOTIFY_H

#include <stdint.h>

int notify_send(const char *msg);

/* systemd's watchdog period for this process (WATCHDOG_USEC, when
 * WATCHDOG_PID is unset or names us), or 0: no watchdog. */
uint64_t notify_watchdog_usec(void);
int notify_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
