/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interface appearance and disappearance, from rtnetlink link notifications
 * (RTMGRP_LINK), so the daemon attaches to an interface that shows up after
 * start-up and notes one that goes away.
 */
#ifndef XDPFW_IFMON_H
#define XDPFW_IFMON_H

#include <net/if.h>

enum ifmon_event {
	IFMON_NEW, /* RTM_NEWLINK: exists (new, or changed) */
	IFMON_DEL, /* RTM_DELLINK */
};

typedef void (*ifmon_fn)(void *ctx, enum ifmon_event ev, const char *ifname,
			 int ifindex);

/* A non-blocking netlink socket subscribed to link events, or -errno. */
int ifmon_open(void);

/* Read every pending message and report link events.  0 or -errno. */
int ifmon_read(int fd, ifmon_fn fn, void *ctx);

#endif
