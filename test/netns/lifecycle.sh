#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# lifecycle: the firewall does not open while its agent restarts, upgrades
# or meets a broken environment (issue 5, SPEC §5 "Restarts are seamless",
# docs/DESIGN.md "Pinned state", "Signals").
#
#   a. a second daemon on the same pin_dir exits 3 naming the pin_dir; the
#      first one keeps running
#   b. SIGKILL while a 200k-entry file is being applied; the next start
#      converges to the file (list = file, probes dropped, removed entry
#      passes, counters of kept rules intact)
#   c. SIGTERM, 1 s down, start, under a 2000 pps blocked flow: no packet
#      behind XDP, the rule counted every packet sent
#   d. upgrade to xdpfw-variant (another program, same maps) and back under
#      traffic: the program on the interface changes through the same link,
#      no leak, counters continue, the old program is released
#   e. max_rules changed under traffic: migration, no leak, counters carried
#      over, the pinned maps have the new size, the old ones are released
#   f. an interface that appears after the start is attached; when it goes
#      away the daemon logs it and goes on enforcing on the other one
#   g. an interface with a foreign XDP program: refused, exit 3, the foreign
#      program stays
#   h. `xdpfw detach` removes the links, program and maps it created, and
#      traffic flows again
. "$(dirname "$0")/lib.sh"

: "${XDPFW_VARIANT:?set XDPFW_VARIANT to the xdpfw-variant binary}"
N_BIG=200000

need_root_and_bpf
command -v clang >/dev/null 2>&1 || skip "needs clang (a foreign XDP program)"
setup_net
nft_setup

# Two more veth pairs: one that appears after the start (f), one that
# carries a foreign XDP program (g).  Their own /24s; the packets are
# matched on their source address, so any destination will do.
FW_IF2=xfb$$
PEER_IF2=xpb$$
FW_IF3=xfc$$
PEER_IF3=xpc$$
FW_IP2=198.18.1.1
PEER_IP2=198.18.1.2

# Fixed entries.  203.0.113.50 is only in the small file (removed by the big
# one); 203.0.113.61 and .70 are in both; the probes only in the big one,
# in a /24 and on a port that the small file does not use (so the filters
# must be widened for them too).
SMALL=("# lifecycle.sh: small" 203.0.113.50 203.0.113.61 203.0.113.70)
FIXED_BIG=(203.0.113.61 203.0.113.70 198.51.100.60 192.0.2.61:5353/udp)
N_TOTAL=$((N_BIG + ${#FIXED_BIG[@]}))

write_rules "${SMALL[@]}"
# 262144 slots for 200k entries; log_level debug for the "sync: parsed" line
# that says a reload is about to write to the kernel.
export MAX_RULES=262144 RELOAD_DELAY_MS=20 LOG_LEVEL=debug
write_config
start_daemon

nft_watch r50 ip saddr 203.0.113.50
nft_watch r61 ip saddr 203.0.113.61
nft_watch r70 iifname "$FW_IF" ip saddr 203.0.113.70
nft_watch p60 ip saddr 198.51.100.60
nft_watch p61 ip saddr 192.0.2.61

# prog_of IFNAME: "ID TAG" of the XDP program on IFNAME, or "none".
prog_of() {
	ip -n "$FW_NS" -j link show dev "$1" 2>/dev/null | "$PY" -c '
import json, sys
try:
    l = json.load(sys.stdin)[0]
    p = l["xdp"]["prog"]
    print(p["id"], p["tag"])
except (ValueError, LookupError):
    print("none")'
}
prog_id() { local p; p=$(prog_of "$1"); echo "${p%% *}"; }
link_id() { bpftool link show pinned "$1" -j 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null || echo none; }
map_field() { bpftool map show pinned "$1" -j 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2" 2>/dev/null || echo none; }
# wait_gone KIND ID [TIMEOUT_S]: until `bpftool KIND show id ID` fails (the
# kernel frees a released object asynchronously); 0 when gone.
wait_gone() {
	local end=$(($(now_ms) + ${3:-5} * 1000 * TIME_SCALE))
	while bpftool "$1" show id "$2" >/dev/null 2>&1; do
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.05
	done
	return 0
}
# flow_bg OUT: a blocked flow out of the first pair, TCP from
# 203.0.113.70:22 at 2000 pps, until flow_end stops it (120 s at most,
# times the time scale).  A flow of a fixed length had to outlast the
# restarts it covers, which take longer on a slower machine (two daemon
# starts at 200k rules: 9 s on one VM, against a 6 s flow).
flow_bg() {
	FLOW_T0=$(now_ms)
	send_bg "$1" 203.0.113.70 --proto tcp --sport 22 --rate 2000 --duration "$(tscale 120)"
}
# flow_end PID WHAT: the flow still runs (so it covered WHAT); then it is
# stopped (SIGINT: it prints what it sent) and reaped, and FLOW_MS is how
# long it ran.
flow_end() {
	if kill -0 "$1" 2>/dev/null; then
		pass "the flow outlasted $2"
	else
		fail "the flow ended before $2 was over"
	fi
	FLOW_MS=$(($(now_ms) - FLOW_T0))
	kill -INT "$1" 2>/dev/null
	wait "$1"
	BG_PIDS=()
}
# assert_flow SENT: the flow sent at least half its rate for as long as it
# ran (less its first second: the sender starting).
assert_flow() {
	assert_ge "$1" $(((FLOW_MS - 1000) * 2000 / 1000 / 2)) \
		"packets sent by 203.0.113.70 in $FLOW_MS ms (half of 2000 pps at least)"
}
# send_if2 SRC COUNT: frames from SRC over the second pair.
send_if2() {
	ip netns exec "$PEER_NS" "$SENDPKT" -i "$PEER_IF2" --dst-mac "$FW_MAC2" \
		--src "$1" --dst "$FW_IP2" --rate 20000 --count "$2"
}
# A daemon run in the foreground with a time bound: sets RC, output in $2.
run_fg() {
	local conf=$1 out=$2
	timeout "$(tscale 60)" ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$3" run -c "$conf" >"$out" 2>&1
	RC=$?
}

# ------------------------------------------------ a. two daemons, one pin_dir
log "--- a. a second daemon on the same pin_dir"
run_fg "$CONF" "$TMP/second.out" "$XDPFW"
assert_eq "$RC" 3 "second daemon: exit status"
sed 's/^/    /' "$TMP/second.out"
if grep -qF "another xdpfw daemon already runs on $PIN" "$TMP/second.out"; then
	pass "the second daemon names the pin_dir it found busy"
else
	fail "the second daemon's message does not say 'another xdpfw daemon already runs on $PIN'"
fi
if kill -0 "$DAEMON_PID" 2>/dev/null; then pass "the first daemon still runs"
else fail "the first daemon is gone"; fi
# The first one still owns the pidfile and still reloads and enforces.
MARK=$(log_lines)
xdpfw reload -c "$CONF" >/dev/null
assert_eq "$?" 0 "xdpfw reload after the refused start: exit status"
wait_log "$MARK" 'reload \(SIGHUP\): .* 0 key writes' 5 >/dev/null
assert_eq "$?" 0 "the first daemon answers SIGHUP (pidfile intact)"
send_from 203.0.113.61 --count 100 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.61) $(nft_count r61)" "100 0" "203.0.113.61: dropped, behind XDP"

# ----------------------------------------- b. SIGKILL during a large reload
log "--- b. SIGKILL while $N_BIG entries are being applied"
"$PY" - "$N_BIG" >"$TMP/big.txt" <<'EOF'
import sys
# Distinct IPv4 addresses from 100.64.0.0 up: half without a port, a quarter
# with a UDP port, a quarter with a port of either protocol (two keys).
n = int(sys.argv[1])
base = (100 << 24) | (64 << 16)
out = []
for i in range(n):
    a = base + i
    s = "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)
    k = i % 4
    if k < 2:
        out.append(s)
    elif k == 2:
        out.append("%s:%d/udp" % (s, 1024 + i % 50000))
    else:
        out.append("%s:%d" % (s, 1024 + i % 50000))
sys.stdout.write("\n".join(out) + "\n")
EOF
printf '%s\n' "${FIXED_BIG[@]}" >>"$TMP/big.txt"
assert_eq "$(sort -u "$TMP/big.txt" | wc -l)" "$N_TOTAL" "distinct entries in the big file"
cp "$TMP/big.txt" "$(dirname "$RULES")/.big.tmp"
# (of the new addresses only: 203.0.113.61 and .70 are in already)
FIRST=$(grep '^100\.64\.[0-9.]*$' "$TMP/big.txt" | "$PY" "$OA_PY" first "$MAPS")
log "    the first new address key to be written: $FIRST"
MARK=$(log_lines)
t_save=$(now_ms)
mv -f "$(dirname "$RULES")/.big.tmp" "$RULES"
# "sync: parsed" comes right before the plan and the writes: counters of
# the new slots, then ~250k keys (~0.3 s here), then the slot table (what
# `xdpfw list` reads), then the deletes.  Kill as soon as one of the first
# new keys is in the kernel: in the middle of the key writes.  The keys go
# in the order of their table windows (kmaps_bulk.c): the address whose
# home entry comes first.  (100.64.0.0 was written anywhere in that order:
# on a loaded machine one 10 ms turn below went past the keys into the
# slot table.)
line=$(wait_log "$MARK" "sync: parsed $N_TOTAL entries" 10)
assert_eq "$?" 0 "the daemon parsed the big file"
# The daemon is stopped while each poll runs and goes on 10 ms between two:
# the kill lands in the writes whatever the speed of the polls relative to
# the daemon's (a slow guest's polls came after the whole reload).
kill -STOP "$DAEMON_PID"
end=$(($(now_ms) + 10000 * TIME_SCALE))
until "$PY" "$OA_PY" index "$MAPS" "$FIRST" >/dev/null 2>&1 ||
	[ "$(now_ms)" -ge "$end" ]; do
	kill -CONT "$DAEMON_PID"
	sleep 0.01
	kill -STOP "$DAEMON_PID"
done
kill -KILL "$DAEMON_PID"
t_kill=$(($(now_ms) - t_save))
wait "$DAEMON_PID" 2>/dev/null
rc=$?
DAEMON_PID=
log "    SIGKILL ${t_kill} ms after the save"
assert_eq "$rc" 137 "daemon exit status (SIGKILL)"
if log_since "$MARK" | qgrep 'reload (inotify)'; then
	fail "the reload finished before the SIGKILL: $(log_since "$MARK" | grep 'reload (inotify)')"
else
	pass "the SIGKILL came before the reload finished"
fi
# The slot table names only rules wholly in force: still the small file's.
assert_eq "$(xdpfw list -c "$CONF" | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "${SMALL[@]:1}" | sort | tr '\n' ' ')" \
	"xdpfw list at the kill: the old rules (the new ones were not complete)"
assert_eq "$(xdp_attached)" yes "XDP program on $FW_IF after the SIGKILL"
# Nothing was loosened: what both files block, and what only the old one
# blocks (its removal had not been applied), is dropped with no daemon.
c70=$(rule_packets 203.0.113.70)
n50=$(nft_count r50)
send_from 203.0.113.70 --count 10 >/dev/null
send_from 203.0.113.50 --count 10 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.70) $(nft_count r70)" "$((c70 + 10)) 0" \
	"203.0.113.70 (in both files) dropped with the daemon killed"
assert_eq "$(rule_packets 203.0.113.50) $(nft_count r50)" "10 $n50" \
	"203.0.113.50 (only in the old file) still dropped with the daemon killed"

MARK=$(log_lines)
start_daemon
line=$(wait_log "$MARK" 'reload \(startup\)' 1)
log "    $line"
writes=$(sed -n 's/.* \([0-9]*\) key writes.*/\1/p' <<<"$line")
assert_ge "$writes" 1 "key writes of the repairing start (the kill left the kernel incomplete)"
if [[ "$line" == *" $((N_TOTAL - 2)) added, 1 removed, 2 unchanged, $N_TOTAL in force,"* ]]; then
	pass "startup: $((N_TOTAL - 2)) added, 1 removed, 2 unchanged"
else fail "startup line: '$line'"; fi
assert_eq "$(xdpfw list -c "$CONF" | wc -l)" "$N_TOTAL" "xdpfw list | wc -l"
if diff <(xdpfw list -c "$CONF" | sort) <(sort "$TMP/big.txt") >"$TMP/diff" 2>&1; then
	pass "xdpfw list = the big file"
else
	fail "xdpfw list differs from the big file: $(head -n 5 "$TMP/diff" | tr '\n' ' ')"
fi
n50=$(nft_count r50)
send_from 198.51.100.60 --count 10 >/dev/null
send_from 192.0.2.61 --proto udp --sport 5353 --count 10 >/dev/null
send_from 203.0.113.50 --count 10 >/dev/null
send_from 100.64.0.2 --proto udp --sport 1026 --count 3 >/dev/null
settle
J=$(stats_json)
assert_eq "$(rule_packets 198.51.100.60 "$J") $(nft_count p60)" "10 0" "probe 198.51.100.60: dropped, behind XDP"
assert_eq "$(rule_packets 192.0.2.61:5353/udp "$J") $(nft_count p61)" "10 0" "probe 192.0.2.61:5353/udp: dropped, behind XDP"
assert_eq "$(rule_packets 100.64.0.2:1026/udp "$J")" 3 "a generated entry (100.64.0.2:1026/udp) dropped"
assert_eq "$(rule_packets 203.0.113.50 "$J")" absent "203.0.113.50 (removed) not in force"
assert_eq "$(nft_count r50)" $((n50 + 10)) "203.0.113.50 (removed) passes"
assert_eq "$(rule_packets 203.0.113.61 "$J")" 100 "203.0.113.61 (kept) keeps its count across the kill"
MARK=$(log_lines)
kill -HUP "$DAEMON_PID"
line=$(wait_log "$MARK" 'reload \(SIGHUP\)' 10)
log "    $line"
if [[ "$line" == *" 0 added, 0 removed, $N_TOTAL unchanged,"*" 0 key writes"* ]]; then
	pass "a forced re-sync afterwards finds nothing to change"
else
	fail "forced re-sync after the repair: '$line'"
fi

# ------------------------------------------------ c. restart under traffic
log "--- c. SIGTERM, 1 s down, start, under a 2000 pps blocked flow"
pre=$(rule_packets 203.0.113.70)
flow_bg "$TMP/sent-c"
P=$!
sleep 1
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
sleep 1
start_daemon
flow_end "$P" "the restart"
settle
sent=$(cat "$TMP/sent-c")
log "    sent $sent"
assert_flow "$sent"
assert_eq "$(nft_count r70)" 0 "203.0.113.70 behind XDP across the restart"
assert_eq "$(rule_packets 203.0.113.70)" $((pre + sent)) "203.0.113.70 counter: every packet sent"

# ------------------------------------------------------------ d. upgrade
log "--- d. upgrade to xdpfw-variant and back under traffic"
read -r id0 tag0 <<<"$(prog_of "$FW_IF")"
lid0=$(link_id "$PIN/link-$FW_IF")
log "    xdpfw: program $id0 (tag $tag0), link $lid0"
pre=$(rule_packets 203.0.113.70)
flow_bg "$TMP/sent-d"
P=$!
sleep 1
stop_daemon TERM
MARK=$(log_lines)
XDPFW=$XDPFW_VARIANT start_daemon
read -r id1 tag1 <<<"$(prog_of "$FW_IF")"
lid1=$(link_id "$PIN/link-$FW_IF")
log "    xdpfw-variant: program $id1 (tag $tag1), link $lid1"
if [ "$id1" != "$id0" ] && [ "$tag1" != "$tag0" ] && [ "$id1" != none ]; then
	pass "xdpfw-variant put another program on $FW_IF ($id0 -> $id1)"
else
	fail "program on $FW_IF: $id0/$tag0 -> $id1/$tag1"
fi
assert_eq "$lid1" "$lid0" "the same bpf_link (replaced in place, not re-attached)"
if log_since "$MARK" | qgrep "$FW_IF: adopted pinned XDP link, program replaced atomically"; then
	pass "the variant's log: program replaced atomically"
else
	fail "no 'adopted pinned XDP link, program replaced atomically' in the variant's log"
fi
wait_gone prog "$id0"
assert_eq "$?" 0 "the old program ($id0) released"
sleep 1
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "xdpfw-variant exit status on SIGTERM"
start_daemon
read -r id2 tag2 <<<"$(prog_of "$FW_IF")"
log "    back to xdpfw: program $id2 (tag $tag2)"
if [ "$id2" != "$id1" ] && [ "$tag2" = "$tag0" ]; then
	pass "back to xdpfw's program ($id1 -> $id2, tag $tag0 again)"
else
	fail "program on $FW_IF after switching back: $id2/$tag2 (expected a new id with tag $tag0)"
fi
assert_eq "$(link_id "$PIN/link-$FW_IF")" "$lid0" "still the same bpf_link"
wait_gone prog "$id1"
assert_eq "$?" 0 "the variant's program ($id1) released"
flow_end "$P" "both swaps"
settle
sent=$(cat "$TMP/sent-d")
log "    sent $sent"
assert_flow "$sent"
assert_eq "$(nft_count r70)" 0 "203.0.113.70 behind XDP across both swaps"
assert_eq "$(rule_packets 203.0.113.70)" $((pre + sent)) "203.0.113.70 counter: every packet sent"

# -------------------------------------------------- e. max_rules migration
log "--- e. max_rules 262144 -> 300000 under traffic"
old_rules_id=$(map_field "$MAPS/xdpfw_rules" id)
old_rstats_id=$(map_field "$MAPS/xdpfw_rstats" id)
assert_eq "$(map_field "$MAPS/xdpfw_rules" max_entries)" 262144 "xdpfw_rules max_entries before"
J=$(stats_json)
pre=$(rule_packets 203.0.113.70 "$J")
pre61=$(rule_packets 203.0.113.61 "$J")
pre60=$(rule_packets 198.51.100.60 "$J")
pre_total=$(total dropped_packets "$J")
MAX_RULES=300000 write_config
flow_bg "$TMP/sent-e"
P=$!
sleep 1
stop_daemon TERM
MARK=$(log_lines)
start_daemon
flow_end "$P" "the migration"
settle
log_since "$MARK" | grep -E 'migrat|differs' | sed 's/^/    /'
if log_since "$MARK" | qgrep -F "migrating the pinned maps under $PIN to max_rules=300000"; then
	pass "the log says it migrates to max_rules=300000"
else
	fail "no 'migrating the pinned maps under $PIN to max_rules=300000' in the log"
fi
if log_since "$MARK" | qgrep 'migration done'; then pass "the log says the migration is done"
else fail "no 'migration done' in the log"; fi
sent=$(cat "$TMP/sent-e")
log "    sent $sent"
assert_flow "$sent"
assert_eq "$(nft_count r70)" 0 "203.0.113.70 behind XDP across the migration"
J=$(stats_json)
assert_eq "$(rule_packets 203.0.113.70 "$J")" $((pre + sent)) "203.0.113.70 counter across the migration: carried over, every packet counted"
assert_eq "$(rule_packets 203.0.113.61 "$J") $(rule_packets 198.51.100.60 "$J")" "$pre61 $pre60" \
	"counters of idle rules carried over"
assert_eq "$(total dropped_packets "$J")" $((pre_total + sent)) "total dropped carried over"
assert_eq "$(map_field "$MAPS/xdpfw_rules" max_entries)" 300000 "xdpfw_rules max_entries after (bpftool map show pinned)"
assert_eq "$(map_field "$MAPS/xdpfw_rstats" max_entries)" $((300000 * $(awk -F- '{ print $NF + 1 }' /sys/devices/system/cpu/possible))) "xdpfw_rstats max_entries after (one counter per CPU and slot)"
assert_eq "$(xdpfw list -c "$CONF" | wc -l)" "$N_TOTAL" "xdpfw list | wc -l after the migration"
wait_gone map "$old_rules_id"
assert_eq "$?" 0 "the old xdpfw_rules ($old_rules_id) released"
wait_gone map "$old_rstats_id"
assert_eq "$?" 0 "the old xdpfw_rstats ($old_rstats_id) released"

# --------------------------------------- f. an interface that appears later
log "--- f. an interface added after the start, then removed"
# A small rules file from here on: the rest is about interfaces.
write_rules "# lifecycle.sh: small again" 203.0.113.61 203.0.113.70 198.51.100.60
stop_daemon TERM
MAX_RULES=300000 write_config
sed -i "s/^interfaces = .*/interfaces = $FW_IF, $FW_IF2/" "$CONF"
MARK=$(log_lines)
start_daemon
log_since "$MARK" | grep -E "$FW_IF2|running:" | sed 's/^/    /'
if log_since "$MARK" | qgrep "$FW_IF2: interface not found; it is attached as soon as it appears"; then
	pass "the missing $FW_IF2 is logged"
else
	fail "no '$FW_IF2: interface not found; it is attached as soon as it appears' in the log"
fi
if log_since "$MARK" | qgrep 'migrat'; then fail "a plain restart after the migration migrated again"
else pass "no second migration"; fi
if log_since "$MARK" | qgrep ' running: 1 interface,'; then pass "running on 1 interface"
else fail "the running line does not say 1 interface"; fi

MARK=$(log_lines)
FW_MAC2=$(add_pair "$FW_IF2" "$PEER_IF2" "$FW_IP2/24" "$PEER_IP2/24") ||
	die "cannot create the second veth pair"
line=$(wait_log "$MARK" "$FW_IF2: attached" 10)
assert_eq "$?" 0 "'$FW_IF2: attached' logged after it appeared"
log "    $line"
nft_watch if2_70 iifname "$FW_IF2" ip saddr 203.0.113.70
nft_watch if2_open iifname "$FW_IF2" ip saddr 203.0.113.99
pre=$(rule_packets 203.0.113.70)
assert_eq "$(send_if2 203.0.113.70 100)" 100 "sent over $FW_IF2"
send_if2 203.0.113.99 10 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.70)" $((pre + 100)) "203.0.113.70 over $FW_IF2: dropped"
assert_eq "$(nft_count if2_70)" 0 "203.0.113.70 over $FW_IF2: behind XDP"
assert_eq "$(nft_count if2_open)" 10 "an unblocked source over $FW_IF2 passes (the path works)"

MARK=$(log_lines)
ip -n "$FW_NS" link del "$FW_IF2"
line=$(wait_log "$MARK" "$FW_IF2: interface disappeared" 10)
assert_eq "$?" 0 "'$FW_IF2: interface disappeared' logged"
log "    $line"
sleep 0.5
if kill -0 "$DAEMON_PID" 2>/dev/null; then pass "the daemon lives on"
else fail "the daemon exited after $FW_IF2 went away"; fi
pre=$(rule_packets 203.0.113.70)
p70=$(nft_count r70)
send_from 203.0.113.70 --count 50 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.70)" $((pre + 50)) "203.0.113.70 over $FW_IF still dropped"
assert_eq "$(nft_count r70)" "$p70" "203.0.113.70 over $FW_IF behind XDP"
# It comes back: attached again (the stale pinned link is replaced).
MARK=$(log_lines)
xn_pair "$FW_NS" "$FW_IF2" "$FW_IP2/24" "$PEER_NS" "$PEER_IF2" "" ||
	die "cannot re-create the second veth pair"
FW_MAC2=$(xn_mac "$FW_NS" "$FW_IF2")
wait_log "$MARK" "$FW_IF2: attached" 10 >/dev/null
assert_eq "$?" 0 "'$FW_IF2: attached' again when it returned"
pre=$(rule_packets 203.0.113.70)
send_if2 203.0.113.70 20 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.70)" $((pre + 20)) "203.0.113.70 over the re-created $FW_IF2: dropped"

# ------------------------------------------- g. a foreign XDP program
log "--- g. an interface that carries a foreign XDP program"
cat >"$TMP/foreign.c" <<'EOF'
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int foreign_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
char _license[] __attribute__((section("license"), used)) = "GPL";
EOF
clang -O2 -target bpf -idirafter "/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" \
	-c "$TMP/foreign.c" -o "$TMP/foreign.o" || die "cannot compile the foreign XDP program"
ip link add "$FW_IF3" netns "$FW_NS" type veth peer name "$PEER_IF3" netns "$PEER_NS" ||
	die "cannot create the third veth pair"
ip -n "$FW_NS" link set "$FW_IF3" up
ip -n "$FW_NS" link set dev "$FW_IF3" xdpgeneric obj "$TMP/foreign.o" sec xdp ||
	die "cannot attach the foreign XDP program"
foreign=$(prog_of "$FW_IF3")
log "    foreign program on $FW_IF3: $foreign"
mkdir -p "$TMP/etc-g"
printf '%s\n' 203.0.113.70 >"$TMP/etc-g/rules.txt"
# g_conf IFACE PIN: a config for IFACE with its own pin_dir.
g_conf() {
	printf '[agent]\ninterfaces = %s\nrules = %s\nrules_dir =\n' "$1" "$TMP/etc-g/rules.txt"
	printf 'pin_dir = %s\nmax_rules = 1024\n[stats]\ninterval = 0\n' "$2"
}
g_conf "$FW_IF3" "$TMP/bpffs/xdpfw-g" >"$TMP/xdpfw-g.conf"
# An xdpfw in another namespace, attached through a bpf_link to an
# interface with $FW_IF3's ifindex: a link says only its ifindex, and the
# message below once named that one (and told to detach it).
X_NS=xdpfw-t-x-$$
EXTRA_NS+=("$X_NS")
g_idx=$(ip -n "$FW_NS" -j link show dev "$FW_IF3" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')
xn_ns_add "$X_NS" && ip -n "$X_NS" link add "xgx$$" index "$g_idx" type veth peer name "xgy$$" &&
	ip -n "$X_NS" link set "xgx$$" up || die "cannot make $X_NS with ifindex $g_idx"
g_conf "xgx$$" "$TMP/bpffs/xdpfw-x" >"$TMP/xdpfw-x.conf"
ip netns exec "$X_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$TMP/xdpfw-x.conf" >"$TMP/x.out" 2>&1 &
BG_PIDS+=($!)
for _ in $(seq 100); do qgrep ' running: ' "$TMP/x.out" && break; sleep 0.05; done
qgrep ' running: ' "$TMP/x.out" || die "the xdpfw in $X_NS did not start: $(cat "$TMP/x.out")"
run_fg "$TMP/xdpfw-g.conf" "$TMP/g.out" "$XDPFW"
sed 's/^/    /' "$TMP/g.out"
assert_eq "$RC" 3 "daemon on $FW_IF3 only: exit status"
if grep -qE "$FW_IF3 already has an XDP program \(id ${foreign%% *}\) that xdpfw did not attach" "$TMP/g.out"; then
	pass "the message names $FW_IF3 and the foreign program"
else
	fail "no '$FW_IF3 already has an XDP program (id ${foreign%% *}) that xdpfw did not attach' in its output"
fi
if qgrep -F "ip link set dev $FW_IF3 xdp off" "$TMP/g.out"; then
	pass "it says how to remove a netlink attachment, not another namespace's link"
else
	fail "the message does not say 'ip link set dev $FW_IF3 xdp off'"
fi
kill "${BG_PIDS[-1]}" 2>/dev/null
wait "${BG_PIDS[-1]}" 2>/dev/null
xn_ns_del "$X_NS"
assert_eq "$(prog_of "$FW_IF3")" "$foreign" "the foreign program stays on $FW_IF3"
XDPFW_RUN_DIR=$TMP/run "$XDPFW" detach -c "$TMP/xdpfw-g.conf" >"$TMP/g-detach.out" 2>&1
assert_eq "$?" 0 "xdpfw detach of that config: exit status"
assert_eq "$(prog_of "$FW_IF3")" "$foreign" "xdpfw detach leaves the foreign program alone"
if kill -0 "$DAEMON_PID" 2>/dev/null; then pass "the main daemon is unaffected"
else fail "the main daemon is gone"; fi

# --------------------------------------------------------------- h. detach
log "--- h. xdpfw detach"
ids_progs="$(prog_id "$FW_IF") $(prog_id "$FW_IF2")"
ids_links="$(link_id "$PIN/link-$FW_IF") $(link_id "$PIN/link-$FW_IF2")"
ids_maps=
for m in "$MAPS"/*; do ids_maps+=" $(map_field "$m" id)"; done
log "    programs $ids_progs; links $ids_links; maps$ids_maps"
n_maps=$(find "$MAPS" -mindepth 1 | wc -l)
if [[ "$ids_progs $ids_links$ids_maps" =~ ^[0-9]+( [0-9]+)*$ ]] &&
	[ "$(wc -w <<<"$ids_maps")" = "$n_maps" ] && [ "$n_maps" -ge 10 ]; then
	pass "ids of the programs, links and $n_maps maps xdpfw created"
else
	fail "ids of the programs, links and maps: '$ids_progs $ids_links$ids_maps'"
fi
# The identity file names the daemon's PID, its start time and its pin_dir.
pidfile=$(grep -l -- " $PIN\$" "$TMP"/run/xdpfw-*.pid 2>/dev/null | head -n1)
if [ -n "$pidfile" ] && read -r f_pid f_start f_pin <"$pidfile" &&
	[ "$f_pid" = "$DAEMON_PID" ] && [ "$f_pin" = "$PIN" ] &&
	[ "$f_start" = "$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$DAEMON_PID/stat")" ]; then
	pass "identity file $pidfile: $(cat "$pidfile")"
else
	fail "no identity file for $PIN under $TMP/run: $(ls "$TMP/run") ${pidfile:+($(cat "$pidfile"))}"
fi
# An older layout's maps an earlier version left behind go too.
OLD_MAPS=$PIN/maps-v$((${MAPS##*maps-v} - 1))
mkdir -p "$OLD_MAPS" &&
	bpftool map create "$OLD_MAPS/xdpfw_v4" type hash key 4 value 4 entries 1 name xdpfw_v4 ||
	fail "cannot create an old layout's map under $OLD_MAPS"
xdpfw detach -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "xdpfw detach: exit status"
sed 's/^/    /' "$TMP/out"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "the daemon stopped by detach exited 0"
assert_eq "$(prog_of "$FW_IF") $(prog_of "$FW_IF2")" "none none" "XDP programs on $FW_IF, $FW_IF2"
assert_eq "$(find "$PIN" -mindepth 1 2>/dev/null | wc -l)" 0 "pins left under $PIN"
if [ -e "$pidfile" ]; then fail "pidfile $pidfile left"; else pass "pidfile removed"; fi
gone=0
for id in $ids_progs; do wait_gone prog "$id" && gone=$((gone + 1)); done
for id in $ids_links; do wait_gone link "$id" && gone=$((gone + 1)); done
for id in $ids_maps; do wait_gone map "$id" && gone=$((gone + 1)); done
assert_eq "$gone" "$(wc -w <<<"$ids_progs $ids_links $ids_maps")" "kernel objects released (programs, links, maps)"
assert_eq "$(prog_of "$FW_IF3")" "$foreign" "the foreign program on $FW_IF3 untouched"
p70=$(nft_count r70)
p60=$(nft_count p60)
q70=$(nft_count if2_70)
send_from 203.0.113.70 --count 50 >/dev/null
send_from 198.51.100.60 --count 10 >/dev/null
send_if2 203.0.113.70 20 >/dev/null
settle
assert_eq "$(nft_count r70) $(nft_count p60) $(nft_count if2_70)" \
	"$((p70 + 50)) $((p60 + 10)) $((q70 + 20))" "traffic flows again (203.0.113.70 on both, 198.51.100.60)"
finish
