#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A one-line `xdpfw add` into rules_dir/dynamic.txt beside a 1M-entry
# rules.txt, against a one-line edit of rules.txt itself (docs/bench/round1.md):
# for each, ROUNDS times, the time from the command (or the save) to the
# daemon's reload line, and the daemon's own reload time.  LOG_LEVEL=debug
# KEEP_LOG=FILE keep the daemon's log with the stages of each reload.
#
#   sudo XDPFW=build/agent/xdpfw SENDPKT=build/test/tools/xdpfw-sendpkt \
#        bench/add-vs-edit.sh [COUNT] [ROUNDS]
. "$(dirname "$0")/../test/netns/lib.sh"

COUNT=${1:-1000000}
ROUNDS=${2:-5}
need_root_and_bpf
setup_net
mkdir -p "$TMP/etc/rules.d"
"$PY" "$(dirname "$0")/gen-rules.py" --count "$COUNT" --seed 1 --out "$RULES" >/dev/null ||
	die "gen-rules.py"
cp "$RULES" "$TMP/base.txt"
MAX_RULES=1048576 STATS_INTERVAL=0 LOG_LEVEL=${LOG_LEVEL:-info} write_config "audit_interval = 0"
start_daemon

# measure LABEL CMD...: run CMD, wait for the reload line; print
# "observed_ms daemon_ms".
measure() {
	local mark t0 line
	mark=$(log_lines)
	t0=$(now_ms)
	"$@" >/dev/null || die "$*"
	line=$(wait_log "$mark" 'reload \(inotify\): .* 1 (added|removed)' 60) ||
		die "no reload line after $*"
	echo "$(($(now_ms) - t0)) $(printf '%s' "$line" | sed -n 's/.* \([0-9.]*\) ms.*/\1/p')"
}
edit_add() { { cat "$TMP/base.txt"; echo "$1"; } >"$TMP/etc/.r" && mv -f "$TMP/etc/.r" "$RULES"; }
edit_del() { cp "$TMP/base.txt" "$TMP/etc/.r" && mv -f "$TMP/etc/.r" "$RULES"; }

declare -a e_obs e_dmn a_obs a_dmn
# Edits of rules.txt first; then, with rules.txt left alone (a file changed
# within a second of a read is parsed again, rulefiles.h), the adds.
for ((i = 1; i <= ROUNDS; i++)); do
	read -r o d < <(measure edit_add "203.0.113.$((100 + i))")
	e_obs+=("$o"); e_dmn+=("$d")
	measure edit_del >/dev/null
	log "edit $i: ${e_obs[-1]} ms (daemon ${e_dmn[-1]} ms)"
done
sleep 2
for ((i = 1; i <= ROUNDS; i++)); do
	ip=203.0.113.$((100 + i))
	read -r o d < <(measure xdpfw add -c "$CONF" "$ip")
	a_obs+=("$o"); a_dmn+=("$d")
	measure xdpfw del -c "$CONF" "$ip" >/dev/null
	log "add $i: ${a_obs[-1]} ms (daemon ${a_dmn[-1]} ms)"
done
med() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
log "one-line edit of rules.txt ($COUNT entries): observed $(med "${e_obs[@]}") ms, daemon $(med "${e_dmn[@]}") ms (median of $ROUNDS)"
log "xdpfw add into rules.d/dynamic.txt beside it:  observed $(med "${a_obs[@]}") ms, daemon $(med "${a_dmn[@]}") ms (median of $ROUNDS)"
[ -n "${KEEP_LOG:-}" ] && cp "$DLOG" "$KEEP_LOG"
stop_daemon
finish
