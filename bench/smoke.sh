#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# CI smoke test of the benchmark harness (meson test --suite bench-smoke):
# bench-datapath runs one case (v4-miss, single entry) with a small repeat,
# checks every verdict itself, and must print a sane ns/pkt for the floor
# and for xdpfw.  Exit 77 (skipped) without the privilege to load BPF.
set -u
bin=${1:?usage: smoke.sh BENCH_DATAPATH}
if [ "$(id -u)" != 0 ]; then
	echo "bench-smoke: needs root to load BPF programs; skipped"
	exit 77
fi
out=$("$bin" --case v4-miss --repeat 20000 --rounds 1 --max-rules 1024 --quiet 2>&1)
rc=$?
echo "$out"
if [ $rc -ne 0 ]; then
	echo "bench-smoke: bench-datapath failed (exit $rc)"
	exit 1
fi
# The row: "v4-miss  <floor>  <xdpfw ns> (<ratio>x)"
row=$(printf '%s\n' "$out" | awk '$1 == "v4-miss" { print; exit }')
floor=$(printf '%s\n' "$row" | awk '{ print $2 }')
xdpfw=$(printf '%s\n' "$row" | awk '{ print $3 }')
ratio=$(printf '%s\n' "$row" | awk '{ gsub(/[()x]/, "", $4); print $4 }')
sane() { # value low high
	awk -v v="$1" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(v ~ /^[0-9]+(\.[0-9]+)?$/ && v + 0 > lo && v + 0 < hi) }'
}
if ! sane "$floor" 0 100000 || ! sane "$xdpfw" 0 100000 || ! sane "$ratio" 0.5 1000; then
	echo "bench-smoke: no sane numbers (floor '$floor' ns, xdpfw '$xdpfw' ns, ratio '$ratio')"
	exit 1
fi
echo "bench-smoke: ok (floor $floor ns/pkt, xdpfw $xdpfw ns/pkt, ${ratio}x)"
exit 0
