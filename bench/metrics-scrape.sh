#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# metrics-scrape BUILD_DIR: the scrape bound of issue 16 on a release
# build: test/netns/metrics.sh with 1,048,576 rules of which 10 counted,
# its fastest of five scrapes (curl's time_total) <= 100 ms, <= 100 series.
# The daemon logs each collection's wall and CPU time (log_level = debug),
# which the test prints beside curl's.  Root (netns, XDP).
set -u
b=${1:?usage: metrics-scrape.sh BUILD_DIR (a release build: meson setup BUILD_DIR)}
here=$(cd "$(dirname "$0")" && pwd)
SCRAPE_MS_MAX=${SCRAPE_MS_MAX:-100} XDPFW=$b/agent/xdpfw \
	SENDPKT=$(find "$b" -name xdpfw-sendpkt -type f | head -n1) \
	exec bash "$here/../test/netns/metrics.sh"
