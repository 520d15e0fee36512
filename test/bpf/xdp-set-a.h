/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rule set A of the XDP program's tests: one or more entries of every
 * kind (test-xdp.c checks every target of it; test-xdp-frames.c sends it
 * malformed and truncated frames).
 */
#ifndef XDPFW_TEST_XDP_SET_A_H
#define XDPFW_TEST_XDP_SET_A_H

static const char rules_a[] =
	"# v4 exact, prefix\n"
	"10.1.0.1\n"
	"10.2.0.0/16\n"
	"# the /24 filter: bits away from word and byte boundaries\n"
	"10.6.45.3\n"
	"10.7.200.0/22\n"
	"10.8.2.0/23\n"
	"# v4 ip:port any / tcp / udp\n"
	"10.3.0.1:1000\n"
	"10.3.0.2:2000/tcp\n"
	"10.3.0.3:3000/udp\n"
	"# a port entry inside an address prefix\n"
	"10.2.7.7:7000/tcp\n"
	"# v4 prefix:port\n"
	"10.4.0.0/24:4000\n"
	"10.4.1.0/24:4001/tcp\n"
	"# from anywhere\n"
	"0.0.0.0/0:11211/udp\n"
	"# v6 exact, prefix\n"
	"2001:db8:1::1\n"
	"2001:db8:2::/48\n"
	"# [v6]:port any / tcp / udp\n"
	"[2001:db8:3::1]:5000\n"
	"[2001:db8:3::2]:5001/tcp\n"
	"[2001:db8:3::3]:5002/udp\n"
	"[2001:db8:2::7]:7000/tcp\n"
	"# [v6/48]:port\n"
	"[2001:db8:4::/48]:6000\n"
	"[::/0]:123/udp\n";
#define RULES_A_N 20

#endif
