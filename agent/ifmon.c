// SPDX-License-Identifier: GPL-2.0-only
#include "ifmon.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int ifmon_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void parse_link(struct nlmsghdr *nh, ifmon_fn fn, void *ctx)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	char name[IF_NAMESIZE] = "";

	if (len < 0)
		return;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME) {
			size_t n = RTA_PAYLOAD(a);

			if (n > sizeof(name) - 1)
				n = sizeof(name) - 1;
			memcpy(name, RTA_DATA(a), n);
			name[n] = '\0';
		}
	}
	if (name[0])
		fn(ctx, nh->nlmsg_type == RTM_DELLINK ? IFMON_DEL : IFMON_NEW,
		   name, ifi->ifi_index);
}

int ifmon_read(int fd, ifmon_fn fn, void *ctx)
{
	char buf[32768] __attribute__((aligned(__alignof__(struct nlmsghdr))));

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			/* ENOBUFS: we lost events; the caller re-checks. */
			return -errno;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		     NLMSG_OK(nh, (unsigned int)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == RTM_NEWLINK ||
			    nh->nlmsg_type == RTM_DELLINK)
				parse_link(nh, fn, ctx);
		}
	}
}
