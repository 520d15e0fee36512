#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The xdpfw benchmarks, side by side, in one command (docs/BENCHMARKS.md):
#
#   sudo bench/run.sh [--quick] [--parts 1,2,3,4,5] [--variant LABEL=OBJ]
#
# --quick: fewer rounds and sizes, under 5 minutes; the full run, under 20.
# Installs what it needs from Debian (only what is missing), builds the tree
# into $XB_BUILD (default build-bench/ at the top of the repo), runs
# bench/bench.py, prints the tables and writes bench/results/latest.json and
# docs/bench-scaling.png.  All traffic stays in network namespaces it
# creates (xb-dp, xb-dq, xb-fl, xb-cp), removed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${XB_BUILD:-$repo/build-bench}

if [ "$(id -u)" != 0 ]; then
	echo "bench/run.sh: run as root (sudo bench/run.sh)" >&2
	exit 2
fi

# 1. Debian packages: the build, the peers (xdp-tools, nftables), the
#    measurement (time, iproute2), the plot (python3-matplotlib).
pkgs=(gcc clang llvm meson ninja-build pkg-config bpftool libbpf-dev
      libelf-dev zlib1g-dev libinih-dev libev-dev iproute2 xdp-tools nftables
      time python3 python3-matplotlib linux-perf)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench/run.sh: installing ${missing[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

# 2. Build (the bench tools are part of the meson tree).
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$repo" >&2
fi
ninja -C "$build" >&2

# 3. Run.  bench.py removes what it creates; this trap is the safety net
#    for a harness killed without a chance to clean up.
# shellcheck source=scripts/lib-netns.sh
. "$repo/scripts/lib-netns.sh"
cleanup() {
	xn_ns_del xb-dp xb-dq xb-fl xb-cp
}
trap cleanup EXIT
/usr/bin/python3 "$here/bench.py" --build "$build" "$@"
