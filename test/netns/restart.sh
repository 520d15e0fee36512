#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# restart: SIGTERM leaves the firewall attached and enforcing (not one packet
# of a blocked flow leaks while the daemon is down); a restarted daemon adopts
# the pinned state without touching it and the counters carry on; `xdpfw
# detach` lets the traffic through and removes the pins.
. "$(dirname "$0")/lib.sh"

need_root_and_bpf
setup_net
nft_setup
write_rules "# restart.sh" "203.0.113.70" "198.51.100.0/24:53/udp" "2001:db8::70"
# debug: the start-up sync's "sync: read N of M files"
LOG_LEVEL=debug write_config
start_daemon

nft_watch blocked ip saddr 203.0.113.70
nft_watch blocked6 ip6 saddr 2001:db8::70
nft_watch open ip saddr 203.0.113.71

assert_eq "$(xdp_attached)" yes "XDP program on $FW_IF"
pre=$(send_from 203.0.113.70 --count 100)
settle
assert_eq "$(rule_packets 203.0.113.70)" "$pre" "203.0.113.70 dropped before the restart"

log "blocked flows for 6 s; SIGTERM after 1 s, restart after 3 s"
send_bg "$TMP/sent" 203.0.113.70 --proto tcp --sport 22 --rate 1000 --duration 6
P1=$!
send_bg "$TMP/sent6" 2001:db8::70 --proto udp --sport 53 --rate 500 --duration 6
P2=$!
sleep 1
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
if grep -q 'stays attached' "$DLOG"; then pass "the exit line says the firewall stays attached"
else fail "no 'stays attached' in the exit log line"; fi
assert_eq "$(xdp_attached)" yes "XDP program on $FW_IF with the daemon stopped"
if [ -e "$PIN/prog" ] && ls "$PIN"/link-* >/dev/null 2>&1; then pass "prog and link pinned under $PIN"
else fail "expected $PIN/prog and $PIN/link-*: $(ls -la "$PIN" 2>&1)"; fi

# While it is down, counters are readable and keep counting.
c1=$(rule_packets 203.0.113.70)
sleep 1
c2=$(rule_packets 203.0.113.70)
if [[ "$c1" =~ ^[0-9]+$ && "$c2" =~ ^[0-9]+$ ]] && [ "$c2" -gt "$c1" ]; then
	pass "counters readable and growing while the daemon is down ($c1 -> $c2)"
else
	fail "counters while the daemon is down: $c1 -> $c2"
fi
assert_eq "$(nft_count blocked)" 0 "203.0.113.70 behind XDP while the daemon is down"
assert_eq "$(xdpfw list -c "$CONF" | sort)" \
	"$(printf '%s\n' 203.0.113.70 198.51.100.0/24:53/udp 2001:db8::70 | sort)" \
	"xdpfw list while the daemon is down"
# A detach is refused while a daemon runs; here none does, so test the
# refusal after the restart.

sleep 1
MARK=$(log_lines)
start_daemon
line=$(wait_log "$MARK" 'reload \(startup\)' 1)
log "    $line"
if [[ "$line" == *" 0 added, 0 removed, 3 unchanged,"*" 0 key writes"* ]]; then
	pass "restart adopts the pinned state: 0 added, 0 removed, 0 key writes"
else
	fail "restart: '$line'"
fi
if log_since "$MARK" | qgrep 'adopted'; then pass "the restart adopted the pinned XDP link"
else fail "no 'adopted' in the restart log"; fi
# The rules file is seconds old: the sync trusts the read made beside the
# maps' creation moments before (the file's identity), not hashing its
# text once more.
if log_since "$MARK" | qgrep 'sync: read 0 of 1 files'; then
	pass "the start-up sync did not read the file the start had just read"
else
	fail "the start-up sync read the file again: $(log_since "$MARK" | grep 'sync: read')"
fi

wait "$P1"; wait "$P2"
BG_PIDS=()
settle
sent=$(cat "$TMP/sent")
sent6=$(cat "$TMP/sent6")
log "sent: $sent (v4), $sent6 (v6)"
assert_ge "$sent" 5000 "packets sent by 203.0.113.70"
assert_eq "$(nft_count blocked)" 0 "203.0.113.70 behind XDP across the restart"
assert_eq "$(nft_count blocked6)" 0 "2001:db8::70 behind XDP across the restart"
assert_eq "$(rule_packets 203.0.113.70)" $((pre + sent)) "203.0.113.70 counter: not reset, nothing missed"
assert_eq "$(rule_packets 2001:db8::70)" "$sent6" "2001:db8::70 counter"

# After a restart the daemon still reloads.
MARK=$(log_lines)
write_rules "203.0.113.70" "198.51.100.0/24:53/udp" "2001:db8::70" "203.0.113.71"
wait_log "$MARK" 'reload \(inotify\): .* 1 added' 5 >/dev/null
assert_eq "$?" 0 "the restarted daemon applies a save"
o0=$(nft_count open)
send_from 203.0.113.71 --count 10 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.71)" 10 "203.0.113.71 dropped after the reload"
assert_eq "$(nft_count open)" "$o0" "203.0.113.71 behind XDP"

# An upgrade from the previous layout (this layout's maps directory renamed
# to stand for it): the counts carry over.  From a layout older than
# XDPFW_COUNTERS_SINCE_LAYOUT (whose slot table or counters read otherwise)
# they start from zero, and the log says so.
HDR=$(dirname "$0")/../../shared/xdpfw_shared.h
LAYOUT=${MAPS##*maps-v}
SINCE=$(sed -n 's/^#define XDPFW_COUNTERS_SINCE_LAYOUT \([0-9]*\).*/\1/p' "$HDR")
log "--- an upgrade from layout $((LAYOUT - 1)), then from layout $((SINCE - 1))"
c70=$(rule_packets 203.0.113.70)
assert_ge "$c70" 1 "203.0.113.70 has a count to carry"
stop_daemon TERM
mv "$MAPS" "$PIN/maps-v$((LAYOUT - 1))" || fail "cannot rename $MAPS"
MARK=$(log_lines)
start_daemon
line=$(wait_log "$MARK" "upgrade from layout $((LAYOUT - 1)): carried the counters of [0-9]+ rules over" 1) &&
	pass "log: $line" || fail "no carry line: $(log_since "$MARK" | head -5)"
wait_log "$MARK" "removed the maps of an older layout .*maps-v$((LAYOUT - 1))\); their counters were carried over" 1 >/dev/null &&
	pass "the old layout's maps removed, the log says the counters went along" ||
	fail "no removal line for maps-v$((LAYOUT - 1))"
assert_eq "$(rule_packets 203.0.113.70)" "$c70" "203.0.113.70's count carried over the upgrade"
assert_eq "$(rule_packets 203.0.113.71)" 10 "203.0.113.71's count carried over the upgrade"
assert_eq "$(xdpfw verify -c "$CONF" >/dev/null 2>&1; echo $?)" 0 "verify after the upgrade"
# A crash between the carry and the removal leaves the old directory
# beside this layout's maps (here: the same maps pinned there too): the
# next start adopts the pinned maps and carries nothing twice.
stop_daemon TERM
mkdir "$PIN/maps-v$((LAYOUT - 1))" || fail "cannot create maps-v$((LAYOUT - 1))"
for f in "$MAPS"/*; do
	bpftool map pin pinned "$f" "$PIN/maps-v$((LAYOUT - 1))/${f##*/}" ||
		fail "cannot pin ${f##*/} again"
done
MARK=$(log_lines)
start_daemon
wait_log "$MARK" "maps-v$((LAYOUT - 1))\); their counters are gone" 1 >/dev/null &&
	pass "a start on pinned maps removes the old directory without a carry" ||
	fail "no removal line: $(log_since "$MARK" | head -5)"
assert_eq "$(rule_packets 203.0.113.70)" "$c70" "203.0.113.70's count not carried twice"
stop_daemon TERM
mv "$MAPS" "$PIN/maps-v$((SINCE - 1))" || fail "cannot rename $MAPS"
MARK=$(log_lines)
start_daemon
wait_log "$MARK" "maps-v$((SINCE - 1))\); their counters are gone" 1 >/dev/null &&
	pass "from layout $((SINCE - 1)): the log says the counters are gone" ||
	fail "no 'counters are gone' line: $(log_since "$MARK" | head -5)"
if log_since "$MARK" | qgrep "upgrade from layout"; then
	fail "counters carried from layout $((SINCE - 1)), older than $SINCE"
else
	pass "nothing carried from layout $((SINCE - 1))"
fi
assert_eq "$(rule_packets 203.0.113.70)" 0 "203.0.113.70 counts from zero"

stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"

log "--- xdpfw detach"
xdpfw detach -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "xdpfw detach: exit status"
sed 's/^/    /' "$TMP/out"
assert_eq "$(xdp_attached)" no "XDP program on $FW_IF after detach"
if [ -e "$PIN" ] && [ -n "$(find "$PIN" -mindepth 1 2>/dev/null)" ]; then
	fail "pins left under $PIN: $(find "$PIN" -mindepth 1 | tr '\n' ' ')"
else
	pass "no pins left under $PIN"
fi
b0=$(nft_count blocked)
n=$(send_from 203.0.113.70 --count 50)
settle
assert_eq "$(nft_count blocked)" $((b0 + n)) "203.0.113.70 reaches the stack after detach"
xdpfw stats -c "$CONF" --json >"$TMP/out" 2>&1
assert_eq "$?" 3 "xdpfw stats after detach: exit status (nothing pinned)"
xdpfw detach -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "a second detach: exit status"

# detach while the daemon runs: it stops the daemon first, then detaches.
log "--- xdpfw detach with the daemon running"
start_daemon
assert_eq "$(xdp_attached)" yes "attached again after a fresh start"
xdpfw detach -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "xdpfw detach with the daemon running: exit status"
sed 's/^/    /' "$TMP/out"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "the daemon exited 0 (stopped by detach)"
assert_eq "$(xdp_attached)" no "XDP program on $FW_IF after detach"
assert_eq "$(find "$PIN" -mindepth 1 2>/dev/null | wc -l)" 0 "no pins left"
finish
