// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-probe: watch, from outside the daemon, when a rule takes effect.
 *
 * Run inside the namespace of a veth pair (ip netns exec).  Every
 * --interval-us it sends one frame from --src:--sport out of --tx (a packet
 * socket) and watches --rx with another packet socket: a frame that xdpfw
 * drops in XDP never reaches it, a frame that passes does.
 *
 * Protocol on stdout (CLOCK_MONOTONIC nanoseconds, the clock of Python's
 * time.monotonic_ns()):
 *   READY <ns>         the start state (the opposite of --until) holds:
 *                      --settle probes in a row were in it; act now
 *   FLIP <ns> <seq>    send time of the first probe of the first run of
 *                      --streak probes in the --until state (exit 0)
 *   TIMEOUT <ns>       --timeout-ms passed without it (exit 1)
 * Bounded: it always ends by --timeout-ms.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "pkt.h"

#define MAGIC 0x78627072u /* "xbpr" */
#define MAX_PROBES 200000

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int packet_socket(int ifindex, int proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons((uint16_t)proto),
		.sll_ifindex = ifindex,
	};
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons((uint16_t)proto));

	if (s < 0 || bind(s, (struct sockaddr *)&sll, sizeof(sll)))
		xb_die("packet socket: %s", strerror(errno));
	return s;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-probe --tx IF --rx IF --src ADDR --sport PORT\n"
		"                   --until dropped|passing [--proto udp|tcp]\n"
		"                   [--interval-us 2000] [--streak 20] [--settle 5]\n"
		"                   [--timeout-ms 10000]\n");
	exit(2);
}

struct probe_args {
	const char *tx_if, *rx_if, *src;
	int want_pass, sport, proto, interval_us, streak, settle, timeout_ms;
};

static void parse_args(int argc, char **argv, struct probe_args *a)
{
	static const struct option opts[] = {
		{ "tx", required_argument, NULL, 't' },
		{ "rx", required_argument, NULL, 'r' },
		{ "src", required_argument, NULL, 's' },
		{ "sport", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'P' },
		{ "until", required_argument, NULL, 'u' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "streak", required_argument, NULL, 'k' },
		{ "settle", required_argument, NULL, 'S' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ 0 },
	};
	const char *until = NULL;
	int opt;

	*a = (struct probe_args){ .proto = IPPROTO_UDP, .interval_us = 2000,
				  .streak = 20, .settle = 5, .timeout_ms = 10000 };
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': a->tx_if = optarg; break;
		case 'r': a->rx_if = optarg; break;
		case 's': a->src = optarg; break;
		case 'p': a->sport = atoi(optarg); break;
		case 'P': a->proto = strcmp(optarg, "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
			break;
		case 'u': until = optarg; break;
		case 'i': a->interval_us = atoi(optarg); break;
		case 'k': a->streak = atoi(optarg); break;
		case 'S': a->settle = atoi(optarg); break;
		case 'T': a->timeout_ms = atoi(optarg); break;
		default: usage();
		}
	}
	if (!a->tx_if || !a->rx_if || !a->src || !until || a->sport < 1 ||
	    a->sport > 65535 || a->interval_us < 100 || a->streak < 1 ||
	    a->timeout_ms < 1)
		usage();
	if (!strcmp(until, "dropped"))
		a->want_pass = 0;
	else if (!strcmp(until, "passing"))
		a->want_pass = 1;
	else
		usage();
}

/* The link: the two packet sockets and the MACs. */
struct probe_link {
	int family, txs, rxs, tx_idx;
	uint8_t txmac[6], rxmac[6];
};

static void open_link(const struct probe_args *a, struct probe_link *l)
{
	int rx_idx;

	l->family = strchr(a->src, ':') ? 6 : 4;
	l->tx_idx = (int)if_nametoindex(a->tx_if);
	rx_idx = (int)if_nametoindex(a->rx_if);
	if (!l->tx_idx || !rx_idx)
		xb_die("no interface %s or %s here", a->tx_if, a->rx_if);
	xb_get_mac(a->tx_if, l->txmac);
	xb_get_mac(a->rx_if, l->rxmac);
	l->txs = packet_socket(l->tx_idx, 0); /* send only */
	l->rxs = packet_socket(rx_idx, l->family == 6 ? ETH_P_IPV6 : ETH_P_IP);
}

/* Send probe seq; returns its send time.  Our frames carry the sequence
 * number, then a magic. */
static long long send_probe(const struct probe_args *a,
			    const struct probe_link *l, uint32_t seq)
{
	const uint8_t payload[8] = {
		seq >> 24, (seq >> 16) & 0xff, (seq >> 8) & 0xff, seq & 0xff,
		MAGIC >> 24, (MAGIC >> 16) & 0xff, (MAGIC >> 8) & 0xff,
		MAGIC & 0xff,
	};
	struct pkt_spec fs = {
		.family = l->family, .src = a->src,
		.dst = l->family == 6 ? "2001:2::2" : "198.18.0.2",
		.l4proto = (uint8_t)a->proto, .sport = (uint16_t)a->sport,
		.dport = 9, .payload_len = sizeof(payload),
		.payload = payload,
	};
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_ifindex = l->tx_idx, .sll_halen = 6,
	};
	uint8_t frame[128];
	long long at;
	int len;

	memcpy(fs.src_mac, l->txmac, 6);
	memcpy(fs.dst_mac, l->rxmac, 6);
	memcpy(to.sll_addr, l->rxmac, 6);
	len = pkt_build(&fs, frame, sizeof(frame));
	if (len < 0)
		xb_die("bad probe %s", a->src);
	at = now_ns();
	if (sendto(l->txs, frame, (size_t)len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		xb_die("send: %s", strerror(errno));
	return at;
}

/* Mark in seen[] the probes up to seq that reach the receiver before
 * next (ns). */
static void collect(const struct probe_args *a, const struct probe_link *l,
		    uint32_t seq, long long next, signed char *seen)
{
	for (;;) {
		uint8_t buf[2048];
		long long left = next - now_ns();
		struct pollfd pfd = { .fd = l->rxs, .events = POLLIN };
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left / 1000000LL) + 1) <= 0)
			continue;
		while ((n = recv(l->rxs, buf, sizeof(buf), 0)) > 0) {
			size_t off = 14 + (l->family == 6 ? 40 : 20) +
				     (a->proto == IPPROTO_TCP ? 20 : 8);
			uint32_t s, m;

			if ((size_t)n < off + 8)
				continue;
			m = (uint32_t)buf[off + 4] << 24 | buf[off + 5] << 16 |
			    buf[off + 6] << 8 | buf[off + 7];
			s = (uint32_t)buf[off] << 24 | buf[off + 1] << 16 |
			    buf[off + 2] << 8 | buf[off + 3];
			if (m == MAGIC && s <= seq)
				seen[s] = 1;
		}
	}
}

int main(int argc, char **argv)
{
	static long long sent_at[MAX_PROBES];
	static signed char seen[MAX_PROBES];
	struct probe_args a;
	struct probe_link l;
	long long deadline;
	int ready = 0, run = 0, run_start = -1, settled = 0;
	uint32_t seq;

	parse_args(argc, argv, &a);
	open_link(&a, &l);
	deadline = now_ns() + (long long)a.timeout_ms * 1000000LL;
	for (seq = 0; seq < MAX_PROBES && now_ns() < deadline; seq++) {
		int passed;

		sent_at[seq] = send_probe(&a, &l, seq);
		collect(&a, &l, seq, sent_at[seq] + a.interval_us * 1000LL, seen);
		/* Probe seq is decided now (one interval after its send). */
		passed = seen[seq];
		if (!ready) {
			settled = passed != a.want_pass ? settled + 1 : 0;
			if (settled >= a.settle) {
				ready = 1;
				printf("READY %lld\n", now_ns());
				fflush(stdout);
			}
			continue;
		}
		if (passed != a.want_pass) {
			run = 0;
			continue;
		}
		if (!run)
			run_start = (int)seq;
		if (++run >= a.streak) {
			printf("FLIP %lld %d\n", sent_at[run_start], run_start);
			fflush(stdout);
			return 0;
		}
	}
	printf("TIMEOUT %lld\n", now_ns());
	fflush(stdout);
	return 1;
}
