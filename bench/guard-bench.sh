#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The cost of "never silently off" at 1M rules (docs/bench/round1.md, 5):
# the audit's time per run and its longest event-loop step, the repair of
# one key deleted by another process, the daemon's CPU while another
# process floods bpf() with 100k updates of its own map, and at idle.
#
#   sudo XDPFW=build/agent/xdpfw SENDPKT=build/test/tools/xdpfw-sendpkt \
#        BPFFLOOD=build/test/tools/xdpfw-bpfflood bench/guard-bench.sh [COUNT]
. "$(dirname "$0")/../test/netns/lib.sh"

COUNT=${1:-1000000}
: "${BPFFLOOD:?set BPFFLOOD to xdpfw-bpfflood}"
need_root_and_bpf
setup_net
"$PY" "$(dirname "$0")/gen-rules.py" --count "$COUNT" --seed 1 --out "$RULES" >/dev/null ||
	die "gen-rules.py"
printf '203.0.113.80\n' >>"$RULES"
MAX_RULES=1048576 LOG_LEVEL=debug STATS_INTERVAL=0 write_config "audit_interval = 60"
start_daemon
START=$(now_ms)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat"; }
HZ=$(getconf CLK_TCK)

log "idle: daemon CPU over 10 s (attachment and pin checks every second)"
c0=$(cpu_ticks); sleep 10; c1=$(cpu_ticks)
log "    $((c1 - c0)) ticks in 10 s = $(( (c1 - c0) * 1000 / HZ / 10 )) ms/s"


log "repair of one key deleted by bpftool (its entry made a tombstone)"
MARK=$(log_lines)
t0=$(now_ms)
bpftool map update pinned "$MAPS/xdpfw_v4_oa" $("$PY" "$OA_PY" tomb "$MAPS" 203.0.113.80) ||
	die "tombstone"
line=$(wait_log "$MARK" 'tamper: bpftool.*repaired' 30) || die "no repair line"
t1=$(now_ms)
log "    $line"
log "    delete -> repair line: $((t1 - t0)) ms"
log_since "$MARK" | grep -E 'sync: |audit: [0-9]' | sed 's/^/    /'

log "flood: 100k updates of another process's own map"
c0=$(cpu_ticks); t0=$(now_ms)
out=$("$BPFFLOOD" 100000)
t1=$(now_ms); c1=$(cpu_ticks)
log "    $out; daemon $((c1 - c0)) ticks over $((t1 - t0)) ms" \
	"= $(( (c1 - c0) * 1000 * 1000 / HZ / (t1 - t0) )) per mille of one CPU"
c0=$(cpu_ticks); t0=$(now_ms)
out=$("$BPFFLOOD" 1000000)
t1=$(now_ms); c1=$(cpu_ticks)
log "    $out; daemon $((c1 - c0)) ticks over $((t1 - t0)) ms" \
	"= $(( (c1 - c0) * 1000 * 1000 / HZ / (t1 - t0) )) per mille of one CPU"
log "audit (first run 60 s after start)"
MARK=$(log_lines)
c0=$(cpu_ticks)
line=$(wait_log "$MARK" 'audit: [0-9]+ rules' 120) || die "no audit line"
c1=$(cpu_ticks)
log "    $line"
log "    daemon CPU from the start of the wait to the end of the audit: $((c1 - c0)) ticks"
stop_daemon TERM
finish
