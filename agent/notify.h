/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * systemd's notification protocol (sd_notify(3)): one datagram per call to
 * $NOTIFY_SOCKET; a no-op when the daemon is not run by systemd.
 */
#ifndef XDPFW_NOTIFY_H
#define XDPFW_NOTIFY_H

int notify_send(const char *msg);
int notify_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
