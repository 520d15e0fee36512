/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The long-running agent: one libev loop owns the inotify watch of the rules
 * file, the debounce timer and the signals.  Reloads run synchronously in
 * the loop, so they never overlap; events that arrive during one are
 * coalesced into the next.
 */
#ifndef XDPFW_DAEMON_H
#define XDPFW_DAEMON_H

#include "config.h"

/* Returns an exit code of exitcode.h. */
int daemon_run(struct xdpfw_config *cfg);

#endif
