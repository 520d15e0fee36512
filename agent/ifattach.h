/* SPDX-License-Identifier: GPL-2.0-only */
/* The configured interfaces as they come and go (ifattach.c). */
#ifndef XDPFW_IFATTACH_H
#define XDPFW_IFATTACH_H

#include <ev.h>
#include <stddef.h>

#include "daemon_int.h"

/* Attach to every configured interface that exists; *attached counts
 * them.  0, or the -errno of an attachment that failed otherwise than
 * with the interface missing. */
int ifattach_all(struct daemon *d, size_t *attached);

/* ev_io callback on the rtnetlink socket (d->ifmon_io). */
void ifattach_on_event(struct ev_loop *loop, ev_io *w, int revents);

#endif
