#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The one command that installs, builds and runs every test suite of xdpfw
# on a fresh Debian 12 (or Ubuntu 22.04) machine, as root:
#
#   sudo scripts/test.sh            # BUILD_DIR=build-test by default
#
# Exits non-zero on any failure.  With CI=true a skipped test (exit 77: no
# root, no BPF) is a failure too, since CI has every privilege.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib-deps.sh

BUILD=${BUILD_DIR:-build-test}

echo "== packages"
xdpfw_install_pkgs "${XDPFW_BUILD_PKGS[@]}" "${XDPFW_RUN_PKGS[@]}" "${XDPFW_TEST_PKGS[@]}" \
	"${XDPFW_PKG_PKGS[@]}"

if [ "$(id -u)" = 0 ]; then
	xdpfw_mount_bpffs
else
	echo "xdpfw: not root: the network-namespace tests will be skipped" >&2
fi

# Tests run on an AddressSanitizer + UBSan build: a memory error or leak in
# the daemon fails the test that started it (its exit status).
echo "== build ($BUILD, with sanitizers)"
xdpfw_build "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false

echo "== test"
rc=0
meson test -C "$BUILD" --print-errorlogs "$@" || rc=$?
LOGS=("$BUILD/meson-logs/testlog.json")

# The libFuzzer targets (docs/FUZZING.md) need clang: a second build of
# only them, each run for XDPFW_FUZZ_SECONDS (default 20) on a copy of its
# seed corpus.  Skipped when arguments select tests, or with XDPFW_FUZZ=0.
FUZZ_BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
if [ $# -eq 0 ] && [ "${XDPFW_FUZZ:-1}" != 0 ]; then
	echo "== fuzz ($FUZZ_BUILD, clang, ${XDPFW_FUZZ_SECONDS:-20} s per target)"
	rm -f "$FUZZ_BUILD/meson-logs/testlog.json"
	LOGS+=("$FUZZ_BUILD/meson-logs/testlog.json")
	if CC=clang xdpfw_configure "$FUZZ_BUILD" -Db_sanitize=address,undefined \
		-Db_lundef=false -Dfuzz=true &&
		ninja -C "$FUZZ_BUILD" test/fuzz/fuzz-rules test/fuzz/fuzz-config \
			test/fuzz/fuzz-xdp test/fuzz/fuzz-splice; then
		meson test -C "$FUZZ_BUILD" --no-rebuild --suite fuzz \
			--print-errorlogs || { [ "$rc" = 0 ] && rc=1; }
	else
		echo "xdpfw: the fuzz build failed" >&2
		[ "$rc" = 0 ] && rc=1
	fi
else
	echo "== fuzz: not run (tests selected by arguments, or XDPFW_FUZZ=0)"
fi

# The daemon's threads (the tries written beside the tables; a full
# sync's keys read on two, its filters built beside them or beside a
# first load's key writes, with the /24 table; a large file hashed in two
# halves and parsed on two threads) under
# ThreadSanitizer: a third build of the tests that drive them.  -Dwerror=false: gcc warns that TSan does
# not model the release fence the /24 table's writer needs.  Skipped like
# the fuzz build.
TSAN_BUILD=${TSAN_BUILD_DIR:-build-tsan}
if [ $# -eq 0 ] && [ "${XDPFW_TSAN:-1}" != 0 ]; then
	echo "== threads ($TSAN_BUILD, ThreadSanitizer)"
	rm -f "$TSAN_BUILD/meson-logs/testlog.json"
	LOGS+=("$TSAN_BUILD/meson-logs/testlog.json")
	if xdpfw_configure "$TSAN_BUILD" -Db_sanitize=thread -Db_lundef=false \
		-Dwerror=false &&
		ninja -C "$TSAN_BUILD" test/bpf/test-xdp test/bpf/test-dump \
			test/bpf/test-oa test/bpf/test-fresh \
			test/unit/test-rulesplice test/unit/test-rules-file; then
		meson test -C "$TSAN_BUILD" --no-rebuild --suite bpf --suite unit \
			xdp dump oa fresh rulesplice rules-file --print-errorlogs ||
			{ [ "$rc" = 0 ] && rc=1; }
	else
		echo "xdpfw: the ThreadSanitizer build failed" >&2
		[ "$rc" = 0 ] && rc=1
	fi
else
	echo "== threads: not run (tests selected by arguments, or XDPFW_TSAN=0)"
fi

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
summary=$("$PY" - "${LOGS[@]}" <<'PYEOF'
import collections, json, sys
counts = collections.Counter()
skipped = []
failures = []
missing = False
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                t = json.loads(line)
                counts[t["result"]] += 1
                if t["result"] == "SKIP":
                    skipped.append(t["name"])
                elif t["result"] not in ("OK", "EXPECTEDFAIL"):
                    failures.append(t)
    except OSError as e:
        print("no test log: %s" % e)
        missing = True
passed = counts["OK"] + counts["EXPECTEDFAIL"]
failed = sum(n for r, n in counts.items() if r not in ("OK", "EXPECTEDFAIL", "SKIP"))
# The plain closing line CI reads: "N passed, N failed, N skipped".
print("tests: %d passed, %d failed, %d skipped" % (passed, failed, counts["SKIP"]))
if skipped:
    print("skipped: " + " ".join(skipped))
# A CI log is often read from its end: name each failure there, with the
# last lines it printed.
for t in failures:
    print("failed: %s (%s)" % (t["name"], t["result"]))
    out = (t.get("stdout") or "").rstrip("\n").split("\n")
    for line in out[-25:]:
        print("  | " + line)
if failures:
    print("failed: " + " ".join(t["name"] for t in failures))
sys.exit(2 if missing else 1 if skipped else 0)
PYEOF
) && skips=0 || skips=$?

echo "$summary"
if [ "$skips" = 2 ]; then
	rc=${rc:-1}
	[ "$rc" = 0 ] && rc=1
elif [ "$skips" = 1 ] && [ "${CI:-}" = true ]; then
	echo "xdpfw: CI=true and some tests were skipped: failing" >&2
	[ "$rc" = 0 ] && rc=1
fi
if [ "$rc" = 0 ]; then echo "== PASS"; else echo "== FAIL (exit $rc)"; fi
exit "$rc"
