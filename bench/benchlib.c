// SPDX-License-Identifier: GPL-2.0-only
#include "benchlib.h"

#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kmaps.h"
#include "loader.h"
#include "rules.h"
#include "sync.h"

void xb_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

int xb_quiet;

void xb_info(const char *fmt, ...)
{
	va_list ap;

	if (xb_quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void xb_get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr))
		xb_die("%s: cannot read its MAC address: %s", ifname,
		       strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double xb_median(const double *v, int n, int max_n, double *mn, double *mx)
{
	double t[256];

	if (mn)
		*mn = NAN;
	if (mx)
		*mx = NAN;
	if (n <= 0 || n > max_n || n > 256)
		return NAN;
	memcpy(t, v, (size_t)n * sizeof(*t));
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	if (mn)
		*mn = t[0];
	if (mx)
		*mx = t[n - 1];
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

void xb_load_xdpfw(struct xdpfw_bpf **skel, struct kmaps *km,
		   uint32_t max_rules)
{
	int err = loader_load(skel, NULL, max_rules);

	if (err)
		xb_die("loading xdpfw (max_rules %u): %s", max_rules, strerror(-err));
	err = kmaps_from_skel(km, *skel);
	if (err)
		xb_die("kmaps_from_skel: %s", strerror(-err));
}

void xb_parse_file(struct ruleset *rs, const char *path)
{
	int err;

	ruleset_init(rs);
	err = rules_parse_file(rs, path, NULL);
	if (err)
		xb_die("%s: %s", path, strerror(-err));
	if (rs->n_errors)
		xb_die("%s: %zu invalid lines", path, rs->n_errors);
}

int xb_apply_rules(struct kmaps *km, const struct xdpfw_rule *rules, size_t n,
		   struct apply_stats *st)
{
	struct sync_result res;
	/* A full sync, as the daemon's start-up makes: the IPv4 /24 table's
	 * blocks (xdpfw_v4_l2) are handed out only by full builds. */
	int err = sync_apply(km, rules, n, NULL, SYNC_FULL, &res);

	if (!err && st)
		*st = res.writes;
	return err;
}
