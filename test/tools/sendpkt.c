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

struct send_args {
	struct pkt_spec spec;
	const char *iface, *proto;
	unsigned long count, rate;
	uint16_t vlan_id[PKT_MAX_VLAN];
	int have_count, have_src_mac;
	double duration;
};

/* The options that take a number: 0, or 2 (usage error, said). */
static int parse_number(int c, const char *arg, struct send_args *a)
{
	unsigned long v;
	char *end;

	switch (c) {
	case OPT_SPORT:
	case OPT_DPORT:
		if (parse_ulong(arg, 65535, &v))
			break;
		if (c == OPT_SPORT)
			a->spec.sport = (uint16_t)v;
		else
			a->spec.dport = (uint16_t)v;
		return 0;
	case 'n':
		a->have_count = 1;
		return parse_ulong(arg, ~0UL, &a->count) ? 2 : 0;
	case 'r':
		return parse_ulong(arg, 100000000UL, &a->rate) ? 2 : 0;
	case 't':
		errno = 0;
		a->duration = strtod(arg, &end);
		return errno || *end || a->duration <= 0 ? 2 : 0;
	case OPT_VLAN:
		if (a->spec.n_vlan == PKT_MAX_VLAN || parse_ulong(arg, 4095, &v))
			break;
		a->vlan_id[a->spec.n_vlan++] = (uint16_t)v;
		return 0;
	case OPT_PAYLOAD:
		if (parse_ulong(arg, 9000, &v))
			break;
		a->spec.payload_len = v;
		return 0;
	}
	return 2;
}

static const char *number_name(int c)
{
	switch (c) {
	case OPT_SPORT:
	case OPT_DPORT: return "port";
	case 'n': return "count";
	case 'r': return "rate";
	case 't': return "duration";
	default: return "payload";
	}
}

/* Options into a.  0, or the exit status: 0 after --help (*done set), 2
 * after a usage error. */
static int parse_args(int argc, char **argv, struct send_args *a, int *done)
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
	int c;

	while ((c = getopt_long(argc, argv, "i:s:d:p:n:r:t:h", opts, NULL)) != -1) {
		if (c == 'i') {
			a->iface = optarg;
		} else if (c == 's') {
			a->spec.src = optarg;
		} else if (c == 'd') {
			a->spec.dst = optarg;
		} else if (c == 'p') {
			a->proto = optarg;
		} else if (c == OPT_DST_MAC || c == OPT_SRC_MAC) {
			if (parse_mac(optarg, c == OPT_DST_MAC ? a->spec.dst_mac :
								 a->spec.src_mac)) {
				fprintf(stderr, "xdpfw-sendpkt: bad MAC '%s'\n", optarg);
				return 2;
			}
			a->have_src_mac |= c == OPT_SRC_MAC;
		} else if (c == 'h') {
			usage(stdout);
			*done = 1;
			return 0;
		} else if (c == '?' || c == ':') {
			usage(stderr);
			return 2;
		} else if (parse_number(c, optarg, a)) {
			if (c == OPT_VLAN)
				fprintf(stderr, "xdpfw-sendpkt: bad or too many --vlan "
						"'%s' (0..4095, at most %d)\n",
					optarg, PKT_MAX_VLAN);
			else
				fprintf(stderr, "xdpfw-sendpkt: bad %s '%s'\n",
					number_name(c), optarg);
			return 2;
		}
	}
	if (optind != argc || !a->iface || !a->spec.src || !a->spec.dst) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* The family from the addresses, the protocol, the count.  0 or 2. */
static int finish_args(struct send_args *a)
{
	struct pkt_spec *s = &a->spec;
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s->src, &a4) == 1 &&
	    inet_pton(AF_INET, s->dst, &a4) == 1) {
		s->family = 4;
	} else if (inet_pton(AF_INET6, s->src, &a6) == 1 &&
		   inet_pton(AF_INET6, s->dst, &a6) == 1) {
		s->family = 6;
	} else {
		fprintf(stderr, "xdpfw-sendpkt: --src and --dst must be addresses of "
				"one family, got '%s' and '%s'\n", s->src, s->dst);
		return 2;
	}
	if (!strcmp(a->proto, "tcp"))
		s->l4proto = IPPROTO_TCP;
	else if (!strcmp(a->proto, "udp"))
		s->l4proto = IPPROTO_UDP;
	else if (!strcmp(a->proto, "icmp"))
		s->l4proto = s->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	else {
		fprintf(stderr, "xdpfw-sendpkt: --proto takes tcp, udp or icmp, "
				"got '%s'\n", a->proto);
		return 2;
	}
	if (!a->have_count)
		a->count = a->duration > 0 ? ~0UL : 1;
	return 0;
}

/* The socket (and IFACE's MAC as the source, unless given).  The fd, or
 * -1 after a message (exit 3). */
static int open_socket(struct send_args *a)
{
	struct ifreq ifr;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "xdpfw-sendpkt: AF_PACKET socket: %s\n",
			strerror(errno));
		return -1;
	}
	if (a->have_src_mac)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "xdpfw-sendpkt: MAC of %s: %s\n", a->iface,
			strerror(errno));
		close(fd);
		return -1;
	}
	memcpy(a->spec.src_mac, ifr.ifr_hwaddr.sa_data, 6);
	return fd;
}

/* Send one frame; a full queue is waited for and retried so that the
 * count stays exact.  1 sent, 0 to retry, -1 stop (the queue stays
 * full), -2 a send failed (exit 1); both said. */
static int send_one(int fd, const struct sockaddr_ll *sll, const uint8_t *frame,
		    int len, const char *iface, unsigned long *failed)
{
	struct timespec ts = { 0, 100000 };

	if (sendto(fd, frame, (size_t)len, 0, (const struct sockaddr *)sll,
		   sizeof(*sll)) == len) {
		*failed = 0;
		return 1;
	}
	if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
		fprintf(stderr, "xdpfw-sendpkt: send on %s: %s\n", iface,
			strerror(errno));
		return -2;
	}
	nanosleep(&ts, NULL);
	if (++*failed > 20000) { /* 2 s */
		fprintf(stderr, "xdpfw-sendpkt: %s keeps refusing frames: %s\n",
			iface, strerror(errno));
		return -1;
	}
	return 0;
}

/* Frames paced by --rate until --count or --duration; *sent counts them.
 * 0, or 1 when a send failed. */
static int send_loop(int fd, const struct sockaddr_ll *sll,
		     const uint8_t *frame, int len, const struct send_args *a,
		     unsigned long *sent)
{
	unsigned long failed = 0;
	double t0 = now_s(), deadline = a->duration > 0 ? t0 + a->duration : 0;

	while (*sent < a->count && !stop) {
		double now = now_s();
		int r;

		if (deadline && now >= deadline)
			break;
		if (a->rate) {
			/* Frame k leaves at t0 + k / rate: no drift, no bursts
			 * beyond what the sleep granularity forces. */
			double due = t0 + (double)*sent / (double)a->rate;

			if (due > now) {
				if (deadline && due >= deadline)
					break;
				sleep_until(due);
				if (stop)
					break;
			}
		}
		r = send_one(fd, sll, frame, len, a->iface, &failed);
		if (r == -2)
			return 1;
		if (r < 0)
			break;
		*sent += (unsigned long)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct send_args a = { .proto = "udp" };
	struct sockaddr_ll sll = { 0 };
	struct sigaction sa = { 0 };
	unsigned long sent = 0;
	uint8_t frame[16384];
	int done = 0, rc, fd, len, ifindex;

	a.spec.sport = 40000;
	a.spec.dport = 9;
	a.spec.payload_len = 18;
	memset(a.spec.dst_mac, 0xff, 6);
	rc = parse_args(argc, argv, &a, &done);
	if (rc || done)
		return rc;
	rc = finish_args(&a);
	if (rc)
		return rc;
	ifindex = (int)if_nametoindex(a.iface);
	if (!ifindex) {
		fprintf(stderr, "xdpfw-sendpkt: no interface %s: %s\n", a.iface,
			strerror(errno));
		return 3;
	}
	fd = open_socket(&a);
	if (fd < 0)
		return 3;
	len = pkt_build(&a.spec, frame, sizeof(frame));
	if (len < 0) {
		fprintf(stderr, "xdpfw-sendpkt: cannot build the frame: %s\n",
			strerror(-len));
		close(fd);
		return 2;
	}
	/* pkt_spec has no VLAN ID: write each tag's TCI (priority 0, VID). */
	for (int i = 0; i < a.spec.n_vlan; i++) {
		frame[14 + 4 * i] = (uint8_t)(a.vlan_id[i] >> 8);
		frame[15 + 4 * i] = (uint8_t)a.vlan_id[i];
	}
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, frame, 6);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = send_loop(fd, &sll, frame, len, &a, &sent);
	close(fd);
	printf("%lu\n", sent);
	return rc;
}
