#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tamper: never silently off (SPEC §5).  While blocked packets flow, the
# link pin is removed, the link detached with bpftool, another program put
# on the interface, a key deleted and a foreign key inserted with bpftool,
# the map pins removed: each time the daemon restores the state within 2 s
# and logs a warning naming the event (and, for a bpf() write, the writer).
# With the daemon stopped, `verify` names each difference and `list` omits
# the rule whose key is gone.  The audit alone (guard off) finds a deleted
# key.  Another process's bpf() flood costs the daemon nothing.
. "$(dirname "$0")/lib.sh"

: "${BPFFLOOD:?set BPFFLOOD to xdpfw-bpfflood}"
: "${XDP_PASS_OBJ:?set XDP_PASS_OBJ to a small XDP object}"

need_root_and_bpf
setup_net
nft_setup
write_rules "# tamper.sh" "203.0.113.80" "198.51.100.0/24" "203.0.113.90:5353/udp"
STATS_INTERVAL=1 write_config
start_daemon

nft_watch blocked ip saddr 203.0.113.80
nft_watch blocked24 ip saddr 198.51.100.7
# The flows last the whole test (200 s here, longer in a slow guest: the
# steps below need packets to count, and stopped_after would pass on a flow
# that had ended).
send_bg "$TMP/sent" 203.0.113.80 --rate 1000 --duration "$(tscale 200)"
send_bg "$TMP/sent24" 198.51.100.7 --rate 1000 --duration "$(tscale 200)"
settle 0.5
assert_eq "$(nft_count blocked)" 0 "203.0.113.80 blocked before any tampering"
assert_rc 0 "verify in sync" -- xdpfw verify -c "$CONF"

# stopped_after NAME T0 BEFORE: wait until nft counter NAME (BEFORE at T0)
# has not grown for 0.5 s; print the ms from T0 to the first sample after
# its last growth (0: it never grew).  (Both times, and the bounds on the
# result below, by the time scale of lib.sh's tscale.)
stopped_after() {
	local name=$1 t0=$2 prev=$3 cur last end
	last=$t0
	end=$(($(now_ms) + 6000 * TIME_SCALE))
	while [ "$(now_ms)" -lt "$end" ]; do
		sleep 0.1
		cur=$(nft_count "$name")
		if [ "$cur" != "$prev" ]; then last=$(now_ms); prev=$cur; fi
		[ $(($(now_ms) - last)) -ge $((500 * TIME_SCALE)) ] && break
	done
	echo $((last - t0))
}
# The flows still run (else stopped_after proves nothing).
flows_on() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || { fail "a flow ended before step $1"; return; }
	done
}

link_id() { bpftool link show pinned "$PIN/link-$FW_IF" | sed -n 's/^\([0-9]*\): .*/\1/p'; }
tamper_count() { # KIND events|repairs
	stats_json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["tamper_events" if sys.argv[2] == "events" else "repairs"][sys.argv[1]])' "$1" "$2"
}

log "1. the link pin removed"
flows_on 1
MARK=$(log_lines)
before=$(nft_count blocked)
T0=$(now_ms)
rm -f "$PIN/link-$FW_IF"
line=$(wait_log "$MARK" "pins under .* had been removed \(link-$FW_IF\); pinned again" 2) &&
	pass "warning: $line" || fail "no warning naming link-$FW_IF within 2 s"
[ -e "$PIN/link-$FW_IF" ] && pass "link-$FW_IF pinned again" || fail "link-$FW_IF not pinned again"
assert_le "$(stopped_after blocked "$T0" "$before")" 0 "not a packet passed when the link pin went"
assert_eq "$(xdp_attached)" yes "still attached"

log "2. the link detached with bpftool"
flows_on 2
old=$(link_id)
before=$(nft_count blocked)
MARK=$(log_lines)
T0=$(now_ms)
bpftool link detach id "$old" || fail "bpftool link detach id $old"
ms=$(stopped_after blocked "$T0" "$before")
line=$(wait_log "$MARK" "$FW_IF: xdpfw's XDP program had been detached" 2) &&
	pass "warning: $line" || fail "no 'had been detached' warning within 2 s"
log "    $(($(nft_count blocked) - before)) blocked packets passed while the hook was free"
assert_le "$ms" $((2000 * TIME_SCALE)) "blocked packets stop passing after the detach (ms)"
new=$(link_id)
[ -n "$new" ] && [ "$new" != "$old" ] && pass "a new link ($old -> $new) pinned" ||
	fail "link pin after re-attach: '$old' -> '$new'"
wait_log "$MARK" "tamper: bpftool \(pid [0-9]+\) called BPF_LINK_DETACH on link-$FW_IF" 2 >/dev/null &&
	pass "the guard named bpftool and BPF_LINK_DETACH" || fail "no guard line for BPF_LINK_DETACH"

log "3. another program attached with ip link after a detach (daemon stopped meanwhile)"
flows_on 3
kill -STOP "$DAEMON_PID"
bpftool link detach id "$(link_id)" || fail "bpftool link detach"
ip -n "$FW_NS" link set dev "$FW_IF" xdp obj "$XDP_PASS_OBJ" sec xdp ||
	fail "ip link set xdp obj"
foreign=$(ip -n "$FW_NS" -d link show dev "$FW_IF" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n1)
before=$(nft_count blocked)
sleep "$(tscale 0.5)"
[ "$(nft_count blocked)" -gt "$before" ] && pass "with the foreign program, blocked packets pass" ||
	fail "the foreign program did not let packets through"
MARK=$(log_lines)
before=$(nft_count blocked)
T0=$(now_ms)
kill -CONT "$DAEMON_PID"
ms=$(stopped_after blocked "$T0" "$before")
line=$(wait_log "$MARK" "another XDP program \(id $foreign\) had replaced xdpfw's" 2) &&
	pass "warning: $line" || fail "no warning naming the foreign program id $foreign"
assert_le "$ms" $((2000 * TIME_SCALE)) "blocked packets stop passing (ms)"

log "4. a key deleted with bpftool"
flows_on 4
MARK=$(log_lines)
before=$(nft_count blocked)
T0=$(now_ms)
# (IPv4 hosts live in the open addressing table: its entry made a tombstone)
A=$("$PY" "$OA_PY" tomb "$MAPS" 203.0.113.80) || fail "203.0.113.80 not in xdpfw_v4_oa"
bpftool map update pinned "$MAPS/xdpfw_v4_oa" $A &
BPID=$!
wait "$BPID" || fail "bpftool map update (tombstone)"
ms=$(stopped_after blocked "$T0" "$before")
line=$(wait_log "$MARK" "tamper: bpftool \(pid $BPID\) called BPF_MAP_UPDATE_ELEM on xdpfw_v4_oa.*repaired" 2) &&
	pass "warning: $line" || fail "no warning naming bpftool (pid $BPID) within 2 s"
assert_le "$ms" $((2000 * TIME_SCALE)) "blocked packets stop passing (ms)"
"$PY" "$OA_PY" index "$MAPS" 203.0.113.80 >/dev/null &&
	pass "the key is back" || fail "the key is still missing"
assert_eq "$(tamper_count map events)" 1 "tamper_events{kind=map}"
assert_eq "$(tamper_count map repairs)" 1 "repairs{kind=map}"

log "5. a foreign key inserted with bpftool"
MARK=$(log_lines)
A=$("$PY" "$OA_PY" put "$MAPS" 203.0.113.99 0) || fail "no free entry for 203.0.113.99"
bpftool map update pinned "$MAPS/xdpfw_v4_oa" $A &
BPID=$!
wait "$BPID" || fail "bpftool map update"
line=$(wait_log "$MARK" "tamper: bpftool \(pid $BPID\) called BPF_MAP_UPDATE_ELEM on xdpfw_v4_oa.*repaired" 2) &&
	pass "warning: $line" || fail "no warning naming bpftool (pid $BPID) within 2 s"
"$PY" "$OA_PY" index "$MAPS" 203.0.113.99 >/dev/null &&
	fail "the foreign key is still there" || pass "the foreign key is gone"
assert_eq "$(tamper_count map events)" 2 "tamper_events{kind=map}"
assert_eq "$(tamper_count map repairs)" 2 "repairs{kind=map}"

log "5b. a prefix deleted from the LPM trie"
flows_on 5b
MARK=$(log_lines)
before=$(nft_count blocked24)
T0=$(now_ms)
bpftool map delete pinned "$MAPS/xdpfw_v4_lpm" key hex 18 00 00 00 c6 33 64 00 &
BPID=$!
wait "$BPID" || fail "bpftool map delete (trie)"
ms=$(stopped_after blocked24 "$T0" "$before")
line=$(wait_log "$MARK" "tamper: bpftool \(pid $BPID\) called BPF_MAP_DELETE_ELEM on xdpfw_v4_lpm.*repaired with 1 key write" 2) &&
	pass "warning: $line" || fail "no warning naming bpftool (pid $BPID) for the trie"
assert_le "$ms" $((2000 * TIME_SCALE)) "198.51.100.7 stops passing (ms)"
assert_eq "$(tamper_count map repairs)" 3 "repairs{kind=map}"

log "5c. a word of the IPv4 /24 table zeroed (the /24 reads as empty)"
flows_on 5c
MARK=$(log_lines)
before=$(nft_count blocked)
T0=$(now_ms)
# 203.0.113.80: /24 word 0xcb0071, two words an element: key 0x658038
# (little-endian), the second half of the value.
bpftool map update pinned "$MAPS/xdpfw_v4_tbl" key hex 38 80 65 00 \
	value hex 00 00 00 00 00 00 00 00 &
BPID=$!
wait "$BPID" || fail "bpftool map update (/24 table)"
ms=$(stopped_after blocked "$T0" "$before")
line=$(wait_log "$MARK" "tamper: bpftool \(pid $BPID\) called BPF_MAP_UPDATE_ELEM on xdpfw_v4_tbl.*repaired" 2) &&
	pass "warning: $line" || fail "no warning naming bpftool (pid $BPID) for the /24 table"
assert_le "$ms" $((2000 * TIME_SCALE)) "203.0.113.80 stops passing after the table write (ms)"
assert_eq "$(bpftool -j map lookup pinned "$MAPS/xdpfw_v4_tbl" key hex 38 80 65 00 |
	"$PY" -c 'import json,sys; print(any(int(b, 16) for b in json.load(sys.stdin)["value"][4:]))')" \
	True "the /24 table word is set again"
xdpfw verify -c "$CONF" >/dev/null 2>&1 && pass "verify: in sync after the repair" ||
	fail "verify after the repair: $(xdpfw verify -c "$CONF" 2>&1 | head -3)"

log "6. the map pins removed"
MARK=$(log_lines)
rm -f "$MAPS"/*
line=$(wait_log "$MARK" "pins under .* had been removed \(xdpfw_" 2) &&
	pass "warning: $line" || fail "no warning about the map pins within 2 s"
[ -e "$MAPS/xdpfw_rules" ] && [ -e "$MAPS/xdpfw_v4" ] && pass "map pins restored" ||
	fail "map pins not restored: $(ls "$MAPS" 2>&1)"
assert_eq "$(xdpfw list -c "$CONF" | sort | tr '\n' ' ')" \
	"198.51.100.0/24 203.0.113.80 203.0.113.90:5353/udp " "list after the pins came back"
assert_eq "$(nft_count blocked)" "$(nft_count blocked)" "counter readable"

log "7. with the daemon stopped: verify and list see the tampering"
kill -STOP "$DAEMON_PID"
bpftool map update pinned "$MAPS/xdpfw_v4_oa" $("$PY" "$OA_PY" tomb "$MAPS" 203.0.113.80) ||
	fail "bpftool map update (tombstone)"
bpftool map update pinned "$MAPS/xdpfw_v4_oa" $("$PY" "$OA_PY" put "$MAPS" 203.0.113.99 0) ||
	fail "bpftool map update"
out=$(xdpfw verify -c "$CONF" 2>&1)
rc=$?
assert_eq "$rc" 1 "verify exit status with two differences"
printf '%s\n' "$out" | sed 's/^/    /'
printf '%s\n' "$out" | qgrep "rule 203.0.113.80: key 203.0.113.80 missing from xdpfw_v4" &&
	pass "verify names the missing key of 203.0.113.80" || fail "verify does not name the missing key"
printf '%s\n' "$out" | qgrep "foreign key 203.0.113.99.*xdpfw_v4" &&
	pass "verify names the foreign key" || fail "verify does not name the foreign key"
assert_eq "$(printf '%s\n' "$out" | grep -c .)" 2 "one line per difference"
assert_eq "$(xdpfw list -c "$CONF" | sort | tr '\n' ' ')" \
	"198.51.100.0/24 203.0.113.90:5353/udp " "list omits the rule whose key is gone"
assert_eq "$(xdpfw verify -c "$CONF" --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["in_sync"], d["count"], " ".join(sorted(x["kind"] for x in d["differences"])))')" \
	"False 2 key key" "verify --json"
assert_eq "$(xdpfw list -c "$CONF" --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d["count"], " ".join(sorted(r["rule"] for r in d["rules"])))')" \
	"2 198.51.100.0/24 203.0.113.90:5353/udp" "list --json"
MARK=$(log_lines)
kill -CONT "$DAEMON_PID"
wait_log "$MARK" "repaired" 3 >/dev/null && pass "repaired after SIGCONT" || fail "no repair after SIGCONT"
assert_rc 0 "verify after the repair" -- xdpfw verify -c "$CONF"

log "7a. with the daemon stopped: verify sees a wrong word of the /24 table"
kill -STOP "$DAEMON_PID"
# 203.0.112.0/24 (nothing) and 203.0.113.0/24 (a host, an endpoint) zeroed
bpftool map update pinned "$MAPS/xdpfw_v4_tbl" key hex 38 80 65 00 \
	value hex 00 00 00 00 00 00 00 00 || fail "bpftool map update (/24 table)"
out=$(xdpfw verify -c "$CONF" 2>&1)
assert_eq "$?" 1 "verify exit status with a wrong /24 word"
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "$(printf '%s\n' "$out" | grep -c 'xdpfw_v4_tbl word of 203.0.113.0/24 is 0x00000000')" 1 \
	"verify names the wrong word, and only it"
MARK=$(log_lines)
kill -CONT "$DAEMON_PID"
wait_log "$MARK" "repaired" 3 >/dev/null && pass "repaired after SIGCONT" || fail "no repair after SIGCONT"
assert_rc 0 "verify after the repair" -- xdpfw verify -c "$CONF"

log "7b. with the daemon stopped: verify sees a detached program; list reads through the program without map pins"
kill -STOP "$DAEMON_PID"
bpftool link detach id "$(link_id)" || fail "bpftool link detach"
nsverify() { ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" verify -c "$CONF"; }
out=$(nsverify 2>&1)
assert_eq "$?" 1 "verify (in the namespace) exit status with the program detached"
printf '%s\n' "$out" | sed 's/^/    /'
printf '%s\n' "$out" | qgrep "interface $FW_IF: no XDP program attached" &&
	pass "verify names the interface" || fail "verify does not name $FW_IF"
mkdir -p "$TMP/saved"
mv "$MAPS"/* "$TMP/saved/" 2>/dev/null
out=$(xdpfw list -c "$CONF" 2>"$TMP/err" | sort | tr '\n' ' ')
assert_eq "$out" "198.51.100.0/24 203.0.113.80 203.0.113.90:5353/udp " "list without map pins"
grep -q "pins under .* are gone; reading the maps of the program" "$TMP/err" &&
	pass "list says where it read from" || fail "list stderr: $(cat "$TMP/err")"
assert_eq "$(rule_packets 203.0.113.80)" "$(rule_packets 203.0.113.80)" "stats without map pins"
[[ "$(rule_packets 203.0.113.80)" =~ ^[0-9]+$ ]] && pass "stats reads counters without map pins" ||
	fail "stats without map pins: $(rule_packets 203.0.113.80)"
rm -rf "$TMP/saved"
MARK=$(log_lines)
kill -CONT "$DAEMON_PID"
wait_log "$MARK" "had been detached" 3 >/dev/null && pass "re-attached after SIGCONT" || fail "no re-attach after SIGCONT"
wait_log "$MARK" "pins under .* had been removed \(xdpfw_" 3 >/dev/null && pass "map pins restored after SIGCONT" ||
	fail "map pins not restored after SIGCONT"
out=$(nsverify 2>&1)
assert_eq "$?" 0 "verify (in the namespace) after the repair: $out"

log "8. another process's bpf() flood costs the daemon nothing"
# The daemon also serves the flows and a stats collection a second: its
# CPU during 1M foreign updates is compared with the same length of time
# just before (ticks are 10 ms: a long window).
MARK=$(log_lines)
ticks() { awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat"; }
hz=$(getconf CLK_TCK)
c0=$(ticks); T0=$(now_ms)
out=$("$BPFFLOOD" 1000000) || fail "xdpfw-bpfflood"
T1=$(now_ms); c1=$(ticks)
sleep "$(( (T1 - T0) / 1000 )).$(( (T1 - T0) % 1000 / 100 ))"
T2=$(now_ms); c2=$(ticks)
flood=$(( (c1 - c0) * 1000 * 100 / hz / (T1 - T0 > 0 ? T1 - T0 : 1) ))
base=$(( (c2 - c1) * 1000 * 100 / hz / (T2 - T1 > 0 ? T2 - T1 : 1) ))
log "    $out; daemon CPU $((c1 - c0)) ticks over $((T1 - T0)) ms = $flood %," \
	"then $((c2 - c1)) ticks over $((T2 - T1)) ms without it = $base %"
assert_le "$flood" $((base + 4)) "daemon CPU (%) during 1M foreign map updates, <= idle + 4"
sleep 0.3
if log_since "$MARK" | qgrep "tamper"; then fail "the flood triggered: $(log_since "$MARK" | grep tamper | head -1)"
else pass "no tamper line for the flood"; fi
stop_daemon TERM

log "9. the audit alone (guard off) repairs a deleted key"
flows_on 9
write_config "audit_interval = 1"
MARK=$(log_lines)
ip netns exec "$FW_NS" env XDPFW_NO_GUARD=1 XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$CONF" >>"$DLOG" 2>&1 &
DAEMON_PID=$!
wait_log "$MARK" ' running: ' 30 >/dev/null || die "the daemon did not start"
wait_log "$MARK" "tamper guard .*off" 2 >/dev/null && pass "the log says the guard is off" ||
	fail "no line about the guard being off"
MARK=$(log_lines)
before=$(nft_count blocked)
T0=$(now_ms)
bpftool map update pinned "$MAPS/xdpfw_v4_oa" $("$PY" "$OA_PY" tomb "$MAPS" 203.0.113.80) ||
	fail "bpftool map update (tombstone)"
ms=$(stopped_after blocked "$T0" "$before")
line=$(wait_log "$MARK" "audit: the lookup maps had drifted .*1 keys missing" 3) &&
	pass "warning: $line" || fail "the audit did not find the deleted key within 3 s"
assert_le "$ms" $((2500 * TIME_SCALE)) "blocked packets stop passing, audit_interval = 1 (ms)"
# a word of the /24 table zeroed: 203.0.113.0/24 (a host, an endpoint)
MARK=$(log_lines)
bpftool map update pinned "$MAPS/xdpfw_v4_tbl" key hex 38 80 65 00 \
	value hex 00 00 00 00 00 00 00 00 || fail "bpftool map update (/24 table)"
line=$(wait_log "$MARK" "audit: the lookup maps had drifted .*1 /24 table words" 3) &&
	pass "warning: $line" || fail "the audit did not find the /24 table word within 3 s"
assert_rc 0 "verify after the audit's repair" -- xdpfw verify -c "$CONF"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status"
if grep -q "ERROR: AddressSanitizer\|LeakSanitizer" "$DLOG"; then fail "sanitizer report in the daemon log"
else pass "no sanitizer report"; fi
finish
