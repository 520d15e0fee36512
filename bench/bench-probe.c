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

int main(int argc, char **argv)
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
	const char *tx_if = NULL, *rx_if = NULL, *src = NULL, *until = NULL;
	int sport = 0, proto = IPPROTO_UDP, interval_us = 2000, streak = 20;
	int settle = 5, timeout_ms = 10000, opt;
	int want_pass, txs, rxs, tx_idx, rx_idx, family;
	uint8_t txmac[6], rxmac[6], frame[128];
	static long long sent_at[MAX_PROBES];
	static signed char seen[MAX_PROBES];
	long long t_start, deadline;
	int ready = 0, run = 0, run_start = -1, settled = 0;
	uint32_t seq;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': tx_if = optarg; break;
		case 'r': rx_if = optarg; break;
		case 's': src = optarg; break;
		case 'p': sport = atoi(optarg); break;
		case 'P': proto = strcmp(optarg, "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
			break;
		case 'u': until = optarg; break;
		case 'i': interval_us = atoi(optarg); break;
		case 'k': streak = atoi(optarg); break;
		case 'S': settle = atoi(optarg); break;
		case 'T': timeout_ms = atoi(optarg); break;
		default: usage();
		}
	}
	if (!tx_if || !rx_if || !src || !until || sport < 1 || sport > 65535 ||
	    interval_us < 100 || streak < 1 || timeout_ms < 1)
		usage();
	if (!strcmp(until, "dropped"))
		want_pass = 0;
	else if (!strcmp(until, "passing"))
		want_pass = 1;
	else
		usage();
	family = strchr(src, ':') ? 6 : 4;
	tx_idx = (int)if_nametoindex(tx_if);
	rx_idx = (int)if_nametoindex(rx_if);
	if (!tx_idx || !rx_idx)
		xb_die("no interface %s or %s here", tx_if, rx_if);
	xb_get_mac(tx_if, txmac);
	xb_get_mac(rx_if, rxmac);
	txs = packet_socket(tx_idx, 0); /* send only */
	rxs = packet_socket(rx_idx, family == 6 ? ETH_P_IPV6 : ETH_P_IP);

	t_start = now_ns();
	deadline = t_start + (long long)timeout_ms * 1000000LL;
	for (seq = 0; seq < MAX_PROBES && now_ns() < deadline; seq++) {
		/* Our frames carry the sequence number, then a magic. */
		const uint8_t payload[8] = {
			seq >> 24, (seq >> 16) & 0xff, (seq >> 8) & 0xff, seq & 0xff,
			MAGIC >> 24, (MAGIC >> 16) & 0xff, (MAGIC >> 8) & 0xff,
			MAGIC & 0xff,
		};
		struct pkt_spec fs = {
			.family = family, .src = src,
			.dst = family == 6 ? "2001:2::2" : "198.18.0.2",
			.l4proto = (uint8_t)proto, .sport = (uint16_t)sport,
			.dport = 9, .payload_len = sizeof(payload),
			.payload = payload,
		};
		struct sockaddr_ll to = {
			.sll_family = AF_PACKET, .sll_ifindex = tx_idx, .sll_halen = 6,
		};
		long long next;
		int len;

		memcpy(fs.src_mac, txmac, 6);
		memcpy(fs.dst_mac, rxmac, 6);
		memcpy(to.sll_addr, rxmac, 6);
		len = pkt_build(&fs, frame, sizeof(frame));
		if (len < 0)
			xb_die("bad probe %s", src);
		sent_at[seq] = now_ns();
		if (sendto(txs, frame, (size_t)len, 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0)
			xb_die("send: %s", strerror(errno));
		next = sent_at[seq] + interval_us * 1000LL;

		/* Collect what reaches the receiver until the next send. */
		for (;;) {
			uint8_t buf[2048];
			long long left = next - now_ns();
			struct pollfd pfd = { .fd = rxs, .events = POLLIN };
			ssize_t n;

			if (left <= 0)
				break;
			if (poll(&pfd, 1, (int)(left / 1000000LL) + 1) <= 0)
				continue;
			while ((n = recv(rxs, buf, sizeof(buf), 0)) > 0) {
				size_t off = 14 + (family == 6 ? 40 : 20) +
					     (proto == IPPROTO_TCP ? 20 : 8);
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

		/* Probe seq is decided now (one interval after its send). */
		{
			int passed = seen[seq];

			if (!ready) {
				settled = passed != want_pass ? settled + 1 : 0;
				if (settled >= settle) {
					ready = 1;
					printf("READY %lld\n", now_ns());
					fflush(stdout);
				}
				continue;
			}
			if (passed == want_pass) {
				if (!run)
					run_start = (int)seq;
				run++;
				if (run >= streak) {
					printf("FLIP %lld %d\n", sent_at[run_start],
					       run_start);
					fflush(stdout);
					return 0;
				}
			} else {
				run = 0;
			}
		}
	}
	printf("TIMEOUT %lld\n", now_ns());
	fflush(stdout);
	return 1;
}
