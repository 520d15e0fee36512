// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpfw-sendpkt: send crafted frames (test/pkt.h) out of an interface with an
 * AF_PACKET raw socket, paced at a given rate.  The tests run it in the peer
 * namespace of a veth pair, so every frame arrives on the firewall's side
 * with whatever (spoofed) source address the test wants.
 *
 * Prints the number of frames sent (one decimal number on stdout); every
 * diagnostic goes to stderr.  Exit status: 0 all sent, 1 some send failed,
 * 2 usage error, 3 runtime failure (no such interface, no permission).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkt.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpfw-sendpkt -i IFACE --src ADDR --dst ADDR [OPTIONS]\n\n"
		"Send crafted Ethernet frames out of IFACE (AF_PACKET raw socket).\n\n"
		"  -i, --iface IFACE     interface to send on (required)\n"
		"  -s, --src ADDR        source IPv4 or IPv6 address (required)\n"
		"  -d, --dst ADDR        destination address, same family (required)\n"
		"  -p, --proto P         tcp | udp | icmp (default udp)\n"
		"      --sport N         source port (default 40000)\n"
		"      --dport N         destination port (default 9)\n"
		"  -n, --count N         frames to send (default 1; with --duration\n"
		"                        and no --count: until the time is up)\n"
		"  -r, --rate PPS        frames per second (default: as fast as the\n"
		"                        socket takes them)\n"
		"  -t, --duration SEC    stop after SEC seconds (may be fractional)\n"
		"      --vlan ID         add an 802.1Q tag (repeat for QinQ, outermost\n"
		"                        first, at most 3)\n"
		"      --dst-mac MAC     destination MAC (default ff:ff:ff:ff:ff:ff)\n"
		"      --src-mac MAC     source MAC (default: IFACE's address)\n"
		"      --payload N       bytes after the L4 header (default 18)\n"
		"  -h, --help            this help\n\n"
		"Prints the number of frames sent.\n");
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR &&
	       !stop)
		;
}

enum {
	OPT_SPORT = 256,
	OPT_DPORT,
	OPT_VLAN,
	OPT_DST_MAC,
	OPT_SRC_MAC,
	OPT_PAYLOAD,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "proto", required_argument, NULL, 'p' },
		{ "sport", required_argument, NULL, OPT_SPORT },
		{ "dport", required_argument, NULL, OPT_DPORT },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 't' },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
		{ "src-mac", required_argument, NULL, OPT_SRC_MAC },
		{ "payload", required_argument, NULL, OPT_PAYLOAD },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pkt_spec spec = { 0 };
	const char *iface = NULL, *proto = "udp";
	unsigned long count = 0, rate = 0, v;
	uint16_t vlan_id[PKT_MAX_VLAN];
	int have_count = 0, have_src_mac = 0, have_dst_mac = 0;
	double duration = 0;
	struct sockaddr_ll sll = { 0 };
	struct sigaction sa = { 0 };
	unsigned long sent = 0, failed = 0;
	uint8_t frame[16384];
	struct in6_addr a6;
	struct in_addr a4;
	struct ifreq ifr;
	double t0, deadline = 0;
	int c, fd, len, ifindex;
	char *end;

	spec.sport = 40000;
	spec.dport = 9;
	spec.payload_len = 18;
	memset(spec.dst_mac, 0xff, 6);

	while ((c = getopt_long(argc, argv, "i:s:d:p:n:r:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			iface = optarg;
			break;
		case 's':
			spec.src = optarg;
			break;
		case 'd':
			spec.dst = optarg;
			break;
		case 'p':
			proto = optarg;
			break;
		case OPT_SPORT:
		case OPT_DPORT:
			if (parse_ulong(optarg, 65535, &v)) {
				fprintf(stderr, "xdpfw-sendpkt: bad port '%s'\n", optarg);
				return 2;
			}
			if (c == OPT_SPORT)
				spec.sport = (uint16_t)v;
			else
				spec.dport = (uint16_t)v;
			break;
		case 'n':
			if (parse_ulong(optarg, ~0UL, &count)) {
				fprintf(stderr, "xdpfw-sendpkt: bad count '%s'\n", optarg);
				return 2;
			}
			have_count = 1;
			break;
		case 'r':
			if (parse_ulong(optarg, 100000000UL, &rate)) {
				fprintf(stderr, "xdpfw-sendpkt: bad rate '%s'\n", optarg);
				return 2;
			}
			break;
		case 't':
			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || *end || duration <= 0) {
				fprintf(stderr, "xdpfw-sendpkt: bad duration '%s'\n",
					optarg);
				return 2;
			}
			break;
		case OPT_VLAN:
			if (spec.n_vlan == PKT_MAX_VLAN ||
			    parse_ulong(optarg, 4095, &v)) {
				fprintf(stderr, "xdpfw-sendpkt: bad or too many --vlan "
						"'%s' (0..4095, at most %d)\n",
					optarg, PKT_MAX_VLAN);
				return 2;
			}
			vlan_id[spec.n_vlan++] = (uint16_t)v;
			break;
		case OPT_DST_MAC:
		case OPT_SRC_MAC:
			if (parse_mac(optarg, c == OPT_DST_MAC ? spec.dst_mac :
								  spec.src_mac)) {
				fprintf(stderr, "xdpfw-sendpkt: bad MAC '%s'\n", optarg);
				return 2;
			}
			if (c == OPT_DST_MAC)
				have_dst_mac = 1;
			else
				have_src_mac = 1;
			break;
		case OPT_PAYLOAD:
			if (parse_ulong(optarg, 9000, &v)) {
				fprintf(stderr, "xdpfw-sendpkt: bad payload '%s'\n",
					optarg);
				return 2;
			}
			spec.payload_len = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	(void)have_dst_mac;
	if (optind != argc || !iface || !spec.src || !spec.dst) {
		usage(stderr);
		return 2;
	}
	if (inet_pton(AF_INET, spec.src, &a4) == 1 &&
	    inet_pton(AF_INET, spec.dst, &a4) == 1) {
		spec.family = 4;
	} else if (inet_pton(AF_INET6, spec.src, &a6) == 1 &&
		   inet_pton(AF_INET6, spec.dst, &a6) == 1) {
		spec.family = 6;
	} else {
		fprintf(stderr, "xdpfw-sendpkt: --src and --dst must be addresses of "
				"one family, got '%s' and '%s'\n",
			spec.src, spec.dst);
		return 2;
	}
	if (!strcmp(proto, "tcp"))
		spec.l4proto = IPPROTO_TCP;
	else if (!strcmp(proto, "udp"))
		spec.l4proto = IPPROTO_UDP;
	else if (!strcmp(proto, "icmp"))
		spec.l4proto = spec.family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	else {
		fprintf(stderr, "xdpfw-sendpkt: --proto takes tcp, udp or icmp, "
				"got '%s'\n", proto);
		return 2;
	}
	if (!have_count)
		count = duration > 0 ? ~0UL : 1;

	ifindex = (int)if_nametoindex(iface);
	if (!ifindex) {
		fprintf(stderr, "xdpfw-sendpkt: no interface %s: %s\n", iface,
			strerror(errno));
		return 3;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "xdpfw-sendpkt: AF_PACKET socket: %s\n",
			strerror(errno));
		return 3;
	}
	if (!have_src_mac) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
			fprintf(stderr, "xdpfw-sendpkt: MAC of %s: %s\n", iface,
				strerror(errno));
			return 3;
		}
		memcpy(spec.src_mac, ifr.ifr_hwaddr.sa_data, 6);
	}

	len = pkt_build(&spec, frame, sizeof(frame));
	if (len < 0) {
		fprintf(stderr, "xdpfw-sendpkt: cannot build the frame: %s\n",
			strerror(-len));
		return 2;
	}
	/* pkt_spec has no VLAN ID: write each tag's TCI (priority 0, VID). */
	for (int i = 0; i < spec.n_vlan; i++) {
		frame[14 + 4 * i] = (uint8_t)(vlan_id[i] >> 8);
		frame[15 + 4 * i] = (uint8_t)vlan_id[i];
	}

	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, frame, 6);

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	t0 = now_s();
	if (duration > 0)
		deadline = t0 + duration;
	while (sent < count && !stop) {
		double now = now_s();

		if (deadline && now >= deadline)
			break;
		if (rate) {
			/* Frame k leaves at t0 + k / rate: no drift, no bursts
			 * beyond what the sleep granularity forces. */
			double due = t0 + (double)sent / (double)rate;

			if (due > now) {
				if (deadline && due >= deadline)
					break;
				sleep_until(due);
				if (stop)
					break;
			}
		}
		if (sendto(fd, frame, (size_t)len, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) != len) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
				/* Queue full: wait a little and retry the
				 * same frame, so the count stays exact. */
				struct timespec ts = { 0, 100000 };

				nanosleep(&ts, NULL);
				if (++failed > 20000) { /* 2 s */
					fprintf(stderr, "xdpfw-sendpkt: %s keeps "
							"refusing frames: %s\n",
						iface, strerror(errno));
					break;
				}
				continue;
			}
			fprintf(stderr, "xdpfw-sendpkt: send on %s: %s\n", iface,
				strerror(errno));
			printf("%lu\n", sent);
			close(fd);
			return 1;
		}
		sent++;
		failed = 0;
	}
	close(fd);
	printf("%lu\n", sent);
	return 0;
}
