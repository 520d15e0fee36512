/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "Never silently off" (docs/DESIGN.md) in the daemon: the attachment and pin
 * watch (attachwatch.c, every second), the bpf() tamper guard (guard.c,
 * as reports arrive) and the periodic audit (audit.c, every
 * audit_interval, a piece at a time).  Whatever they find is restored and
 * logged as one warning; counts go to the daemon's metrics.
 */
#ifndef XDPFW_INTEGRITY_H
#define XDPFW_INTEGRITY_H

struct daemon;

/* Once the daemon is up: hold the links, load the guard, start the
 * timers; the state lives in d->integ, which only integrity.c reads.
 * Never fails the daemon: what is unavailable is logged. */
void integrity_start(struct daemon *d);
void integrity_stop(struct daemon *d);
/* An rtnetlink link notification arrived: check the attachments soon. */
void integrity_link_event(struct daemon *d);

#endif
