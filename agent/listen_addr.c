// SPDX-License-Identifier: GPL-2.0-only
#include "listen_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define LISTEN_EXAMPLE "e.g. 127.0.0.1:9740 or [::1]:9740"

/* Decimal 1..65535, no sign, no leading zero. */
static int parse_port(const char *s, in_port_t *out)
{
	unsigned v = 0;

	if (!*s || s[0] == '0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	*out = htons((in_port_t)v);
	return 0;
}

static int split(const char *text, char *host, size_t hostlen,
		 const char **port, int *v6, char *why, size_t whylen)
{
	const char *colon, *end;

	if (text[0] == '[') {
		end = strchr(text, ']');
		if (!end || end[1] != ':') {
			snprintf(why, whylen, "\"%s\": an IPv6 address goes in "
				 "brackets before the port (%s)", text,
				 LISTEN_EXAMPLE);
			return -EINVAL;
		}
		*v6 = 1;
		text++;
		*port = end + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon) {
			snprintf(why, whylen, "\"%s\": expected ADDRESS:PORT "
				 "(%s)", text, LISTEN_EXAMPLE);
			return -EINVAL;
		}
		*v6 = 0;
		end = colon;
		*port = colon + 1;
	}
	if ((size_t)(end - text) >= hostlen || end == text) {
		snprintf(why, whylen, "\"%s\": no valid address (%s)", text,
			 LISTEN_EXAMPLE);
		return -EINVAL;
	}
	memcpy(host, text, (size_t)(end - text));
	host[end - text] = '\0';
	return 0;
}

int listen_addr_parse(const char *text, struct listen_addr *out, char *why,
		      size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	in_port_t nport;
	int v6, err;

	memset(out, 0, sizeof(*out));
	err = split(text, host, sizeof(host), &port, &v6, why, whylen);
	if (err)
		return err;
	if (parse_port(port, &nport)) {
		snprintf(why, whylen, "\"%s\": the port must be 1..65535 (%s)",
			 port, LISTEN_EXAMPLE);
		return -EINVAL;
	}
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = nport;
		err = inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
		out->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;

		s4->sin_family = AF_INET;
		s4->sin_port = nport;
		err = inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -EINVAL;
		out->len = sizeof(*s4);
	}
	if (err)
		snprintf(why, whylen, "\"%s\" is not a literal IPv%d address "
			 "(names are not resolved; %s)", host, v6 ? 6 : 4,
			 LISTEN_EXAMPLE);
	return err;
}

void listen_addr_format(const struct listen_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&a->ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)&a->ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}
