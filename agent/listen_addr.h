/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `[stats] listen`: the address the metrics endpoint binds, written
 * ADDRESS:PORT (IPv4) or [ADDRESS]:PORT (IPv6).  Literal addresses only:
 * no name is resolved, so the config means the same on every boot.
 */
#ifndef XDPFW_LISTEN_ADDR_H
#define XDPFW_LISTEN_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* 0, or -EINVAL with the reason in why (it names the fix). */
int listen_addr_parse(const char *text, struct listen_addr *out, char *why,
		      size_t whylen);

/* The canonical text ("127.0.0.1:9740", "[::1]:9740") for log lines. */
void listen_addr_format(const struct listen_addr *a, char *buf, size_t len);

#endif
