#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run-fuzz.sh FUZZER SEED_DIR ARTIFACT_DIR [LIBFUZZER OPTION...]
#
# One bounded libFuzzer run for `meson test --suite fuzz`: the seeds are
# copied to a temporary corpus first (the tree is never written), every seed
# runs, then FUZZER mutates for XDPFW_FUZZ_SECONDS (default 20).  A finding
# (crash, leak, UB, timeout, a failed oracle) exits 1 and leaves its input in
# ARTIFACT_DIR; 77 (the target could not run, e.g. not root) is a skip.
set -eu

fuzzer=$1
seeds=$2
artifacts=$3
shift 3

work=$(mktemp -d "${TMPDIR:-/tmp}/xdpfw-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$seeds"/* "$work"/
mkdir -p "$artifacts"

rc=0
# libFuzzer's own default exit status for a finding is 77, which meson
# would count as a skip: make every finding 1.
"$fuzzer" -max_total_time="${XDPFW_FUZZ_SECONDS:-20}" \
	-error_exitcode=1 -timeout_exitcode=1 -timeout=10 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" \
	"$@" "$work" || rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
	echo "run-fuzz: $(basename "$fuzzer") failed (exit $rc); inputs in $artifacts" >&2
fi
exit "$rc"
