#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# stalls: the longest time a CPU was kept from user space (bench-stall)
# while xdpfw frees or replaces large maps, COUNT entries (default 1M):
#   idle        nothing happening (the machine's own baseline)
#   all -> 0    a reload of an empty rules file (every key deleted)
#   migration   a restart with twice the max_rules (new maps filled, the
#               links swapped, the old maps freed)
#   detach      `xdpfw detach` (every map freed)
# Issue 15 asks for under 50 ms in each.  Run it on a quiet machine: other
# work on the same CPUs shows up as gaps too.
#
#   sudo XDPFW=build/agent/xdpfw SENDPKT=build/test/tools/xdpfw-sendpkt \
#        STALL=build/bench/bench-stall bench/stalls.sh [COUNT]
#
# STEPS="idle detach" runs only those steps (idle, all0, migration, detach).
#
# PERF_DIR=DIR also records each step with `perf record -a -g` (timestamps
# on CLOCK_MONOTONIC, as bench-stall's mono_s) into DIR/<step>.data: the
# samples on a CPU inside its longest gap say what the kernel did there
# (and DIR/daemon.log, the daemon's log; LOG_LEVEL=debug for more).  With
# it, each step also gets a "longest_run" line: the longest time one task
# kept a CPU (bench/stall-runs.py), what a stall is on a machine shared
# with other work, where bench-stall's gaps are the run queue's length.
. "$(dirname "$0")/../test/netns/lib.sh"

COUNT=${1:-1000000}
: "${STALL:?set STALL to the bench-stall binary}"
need_root_and_bpf
setup_net
mkdir -p "$TMP/etc/rules.d"
"$PY" "$(dirname "$0")/gen-rules.py" --count "$COUNT" --seed 1 --out "$TMP/full.txt" \
	>/dev/null || die "gen-rules.py"
max=1048576
while [ "$max" -lt $((COUNT + COUNT / 20)) ]; do max=$((max * 2)); done
cp "$TMP/full.txt" "$RULES"
MAX_RULES=$max STATS_INTERVAL=0 write_config "audit_interval = 0"
start_daemon

# probe LABEL CMD...: bench-stall around CMD (and the second after it, for
# work the kernel defers: map freeing runs in a workqueue); prints a line.
RESULTS=()
probe() {
	local label=$1 out=$TMP/stall.$RANDOM p perf=
	shift
	if [ -n "${PERF_DIR:-}" ]; then
		perf record -q -a -g -k CLOCK_MONOTONIC \
			-o "$PERF_DIR/${label//[^a-z0-9]/_}.data" 2>/dev/null &
		perf=$!
		BG_PIDS+=("$perf") # (the clean-up ends them if a step dies)
	fi
	"$STALL" >"$out" 2>/dev/null &
	p=$!
	BG_PIDS+=("$p")
	sleep 0.5
	"$@" || die "$label: $*"
	sleep 1
	kill -INT "$p"
	wait "$p"
	if [ -n "$perf" ]; then
		kill -INT "$perf"
		wait "$perf"
	fi
	RESULTS+=("$(printf '%-10s %s' "$label" "$(grep '^longest_ms' "$out")")")
	log "$label: $(tr '\n' ' ' <"$out")"
	if [ -n "$perf" ]; then
		# The longest time one task held a CPU (bench/stall-runs.py):
		# unlike the gap, not lengthened by other work on the machine.
		RESULTS+=("$(printf '%-10s longest_run %s' "$label" \
			"$("$PY" "$(dirname "$0")/stall-runs.py" \
				"$PERF_DIR/${label//[^a-z0-9]/_}.data" 1)")")
	fi
}

reload_to() { # reload_to FILE COUNT: the rules file becomes FILE; wait
	local mark
	mark=$(log_lines)
	cp "$1" "$TMP/etc/.r" && mv -f "$TMP/etc/.r" "$RULES" || return 1
	wait_log "$mark" "reload \\(inotify\\): .* $2 in force" 120 >/dev/null
}
restart_bigger() {
	stop_daemon TERM
	MAX_RULES=$((max * 2)) STATS_INTERVAL=0 write_config "audit_interval = 0"
	start_daemon
}
map_ids() { # the ids of the maps pinned under $MAPS
	local m
	for m in "$MAPS"/*; do
		bpftool map show pinned "$m" 2>/dev/null | sed -n 's/^\([0-9]*\): .*/\1/p'
	done
}
maps_gone() { # maps_gone ID...: wait until the kernel has freed them all
	local i id left
	for ((i = 0; i < 600; i++)); do
		left=0
		for id in "$@"; do
			bpftool map show id "$id" >/dev/null 2>&1 && left=1
		done
		[ "$left" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}
detach_all() {
	local -a ids
	mapfile -t ids < <(map_ids)
	stop_daemon TERM
	xdpfw detach -c "$CONF" >/dev/null && maps_gone "${ids[@]}"
}

: >"$TMP/empty.txt"
STEPS=${STEPS:-idle all0 migration detach}
step() { [[ " $STEPS " == *" $1 "* ]]; }
step idle && probe idle sleep 3
if step all0; then
	probe "all -> 0" reload_to "$TMP/empty.txt" 0
	reload_to "$TMP/full.txt" "$COUNT" || die "reload back to $COUNT"
fi
step migration && probe migration restart_bigger
step detach && probe detach detach_all
printf '%s\n' "${RESULTS[@]}"
[ -n "${PERF_DIR:-}" ] && cp "$DLOG" "$PERF_DIR/daemon.log"
finish
