/* SPDX-License-Identifier: GPL-2.0-only */
/* The exit statuses of xdpfw (README "Commands"), for the CLI and the
 * daemon alike. */
#ifndef XDPFW_EXITCODE_H
#define XDPFW_EXITCODE_H

enum {
	EXIT_OK = 0,
	EXIT_INVALID = 1, /* invalid input: config or rules */
	EXIT_USAGE = 2,
	EXIT_RUNTIME = 3, /* kernel refused, interface missing, no permission */
};

#endif
