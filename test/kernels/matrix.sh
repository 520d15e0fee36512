#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The whole kernel matrix (docs/KERNELS.md) in one command: every test of
# the suites 'kernels' and 'kernels-full' (test/kernels/meson.build), then a
# kernel x suite table from meson's log.
#
#   test/kernels/matrix.sh [BUILD_DIR] [MESON TEST OPTION...]
#   test/kernels/matrix.sh --table LOG.json...   (the table of earlier runs,
#                                                 e.g. one kernel's row each)
#
# BUILD_DIR (default build-test) is configured and built when it does not
# exist yet, the way scripts/test.sh builds it.  Exit: 0 when every cell
# passed, 1 otherwise.
set -uo pipefail

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

# table LOG.json...: the kernel x suite table of meson's JSON test logs.
table() {
	"$PY" - "$(uname -r)" "$@" <<'PYEOF'
import json, sys
cells, kernels, suites = {}, [], []
for path in sys.argv[2:]:
    with open(path) as f:
        tests = [json.loads(line) for line in f if line.strip()]
    for t in tests:
        # "xdpfw:kernels-full+kernels-5.10 / 5.10-basic"
        k, _, s = t["name"].split(" / ")[-1].partition("-")
        if k not in kernels:
            kernels.append(k)
        if s not in suites:
            suites.append(s)
        r = {"OK": "pass", "SKIP": "skip", "TIMEOUT": "timeout"}.get(t["result"], "FAIL")
        cells[k, s] = "%s %ds" % (r, round(t["duration"]))
label = {"host": "host " + sys.argv[1]}
w = max(len(c) for c in list(cells.values()) + suites) + 3
print("| kernel".ljust(24) + "".join(("| " + s).ljust(w) for s in suites) + "|")
print("|" + "-" * 23 + ("|" + "-" * (w - 1)) * len(suites) + "|")
for k in kernels:
    print(("| " + label.get(k, k)).ljust(24) +
          "".join(("| " + cells.get((k, s), "-")).ljust(w) for s in suites) + "|")
sys.exit(0 if all(c.startswith("pass") for c in cells.values()) else 1)
PYEOF
}

if [ "${1:-}" = --table ]; then
	shift
	table "$@"
	exit
fi

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
BUILD=${1:-build-test}
[ $# -gt 0 ] && shift
if [ ! -f "$BUILD/build.ninja" ]; then
	# shellcheck source=scripts/lib-deps.sh
	. scripts/lib-deps.sh
	xdpfw_build "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false || exit 1
else
	ninja -C "$BUILD" || exit 1
fi

t0=$(date +%s)
meson test -C "$BUILD" --no-rebuild --print-errorlogs --logbase kernels-matrix \
	--suite kernels --suite kernels-full "$@"
rc=$?
echo "== kernel matrix ($(($(date +%s) - t0)) s, commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))"

table "$BUILD/meson-logs/kernels-matrix.json" || rc=1
exit "$rc"
