#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# safety: operator safety, end to end with real packets.
#   1. exceptions: "!ENTRY" saves a source from every blocking entry (IPv4,
#      IPv6 with a bracketed port exception), counted under the exception;
#      removing it re-blocks the source with no gap for the other rules;
#   2. the lock-out guard: a TCP session from the peer to port 22, then
#      0.0.0.0/0 saved: the peer still passes (ping and the session), the
#      log and `check` warn naming the line and the address, a spoofed
#      neighbour is dropped;
#   3. `explain` on a blocked, an excepted, a protected and a clean source:
#      verdict and PATH:LINE, the kernel agrees, no counter moves.
. "$(dirname "$0")/lib.sh"

need_root_and_bpf
setup_net
nft_setup
nft_watch v4_7 ip saddr 198.51.100.7
nft_watch v4_8 ip saddr 198.51.100.8
nft_watch v6_7 ip6 saddr 2001:db8:51::7
nft_watch v6_8 ip6 saddr 2001:db8:51::8
nft_watch peer ip saddr "$PEER_IP"
nft_watch spoof ip saddr 198.18.0.99

BASE=("# safety.sh"
	198.51.100.0/24
	198.51.100.0/24:53/udp
	2001:db8:51::/48
	"[2001:db8:51::/48]:53/udp"
	"![2001:db8:51::7]:53/udp")
EXC='!198.51.100.7'
write_rules "${BASE[@]}" "$EXC"
PROTECT="ssh-peers resolvers gateways" write_config
start_daemon

# ---- 1. exceptions ---------------------------------------------------------
n=0
for p in "--proto udp --sport 53" "--proto tcp --sport 80" "--proto icmp"; do
	# shellcheck disable=SC2086
	n=$((n + $(send_from 198.51.100.7 --count 5 $p)))
done
d8=$(send_from 198.51.100.8 --count 5 --proto udp --sport 53)
t8=$(send_from 198.51.100.8 --count 5 --proto tcp --sport 80)
settle
J=$(stats_json)
assert_eq "$(nft_count v4_7) $(rule_packets "$EXC" "$J")" "$n $n" \
	"198.51.100.7 (udp/53, tcp/80, icmp): passed, counted under $EXC"
assert_eq "$(nft_count v4_8)" 0 "198.51.100.8: dropped"
assert_eq "$(rule_packets 198.51.100.0/24:53/udp "$J") $(rule_packets 198.51.100.0/24 "$J")" \
	"$d8 $t8" "198.51.100.8 counted under the most specific blocking entry"

u7=$(send_from 2001:db8:51::7 --count 5 --proto udp --sport 53)
t7=$(send_from 2001:db8:51::7 --count 5 --proto tcp --sport 53)
u8=$(send_from 2001:db8:51::8 --count 5 --proto udp --sport 53)
settle
J=$(stats_json)
assert_eq "$(nft_count v6_7) $(rule_packets '![2001:db8:51::7]:53/udp' "$J")" "$u7 $u7" \
	"2001:db8:51::7 udp/53: passed, counted under the bracketed port exception"
assert_eq "$(rule_packets 2001:db8:51::/48 "$J") $(rule_packets '[2001:db8:51::/48]:53/udp' "$J")" \
	"$t7 $u8" "2001:db8:51::7 tcp/53 (not excepted) and ::8 udp/53: dropped, counted"
assert_eq "$(nft_count v6_8)" 0 "2001:db8:51::8: dropped"

# JSON and list show exceptions with "!" and every rule's source.
src=$(printf '%s' "$J" | "$PY" -c '
import json, sys
print(" ".join(sorted(r["rule"] + "@" + r.get("source", "-").rsplit("/", 1)[-1]
                      for r in json.load(sys.stdin)["rules"])))')
want="!198.51.100.7@rules.txt:7 ![2001:db8:51::7]:53/udp@rules.txt:6 198.51.100.0/24:53/udp@rules.txt:3 198.51.100.0/24@rules.txt:2 2001:db8:51::/48@rules.txt:4 [2001:db8:51::/48]:53/udp@rules.txt:5"
assert_eq "$(printf '%s' "$src" | tr ' ' '\n' | grep -v '@protect:' | tr '\n' ' ')" "$want " \
	"stats --json: rules with \"!\" and their PATH:LINE"
xdpfw list -c "$CONF" | grep -v '# protect:' >"$TMP/list.txt"
assert_eq "$(grep -c '^!' "$TMP/list.txt")" 2 "xdpfw list prints the two exceptions with !"
xdpfw check -c "$CONF" "$TMP/list.txt" >/dev/null 2>&1
assert_eq "$?" 0 "xdpfw list > f; xdpfw check f (exceptions round-trip)"
if xdpfw stats -c "$CONF" --prometheus | qgrep -F 'rule="!198.51.100.7"'; then
	pass "Prometheus shows the exception with !"
else
	fail "no rule=\"!198.51.100.7\" series in stats --prometheus"
fi

# Removing the exception re-blocks .7; the others are enforced throughout.
before=$(rule_packets 198.51.100.0/24:53/udp)
send_bg "$TMP/bg8" 198.51.100.8 --proto udp --sport 53 --rate 2000 --duration 2
P=$!
sleep 0.5
MARK=$(log_lines)
write_rules "${BASE[@]}"
wait_log "$MARK" 'reload \(inotify\): .* 1 removed' 15 >/dev/null ||
	fail "removing the exception was not applied"
wait "$P"
settle
sent8=$(cat "$TMP/bg8")
assert_eq "$(nft_count v4_8)" 0 "198.51.100.8 during the reload: not one packet leaked"
assert_eq "$(($(rule_packets 198.51.100.0/24:53/udp) - before))" "$sent8" \
	"198.51.100.8 during the reload: every packet counted"
before=$(nft_count v4_7)
r7=$(send_from 198.51.100.7 --count 5 --proto tcp --sport 80)
settle
assert_eq "$(nft_count v4_7)" "$before" "198.51.100.7 without its exception: dropped"
assert_eq "$(rule_packets "$EXC")" absent "the exception's rule is gone from stats"
assert_ge "$(rule_packets 198.51.100.0/24)" "$((t8 + r7))" "198.51.100.7 counted under the /24 again"

# ---- 2. the lock-out guard ---------------------------------------------------
# An "ssh" server on the firewall's port 22 that echoes lines, and a client
# in the peer that sends one every 100 ms and logs each echo, until
# $TMP/stop exists (at most 60 s), idle (connected) while $TMP/pause does.
cat >"$TMP/echo.py" <<'EOF'
import os, socket, sys, time
if sys.argv[1] == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 22)); s.listen(1); c, _ = s.accept()
    while True:
        d = c.recv(100)
        if not d: break
        c.sendall(d)
else:
    c = socket.create_connection((sys.argv[2], 22), timeout=2)
    end = time.time() + 60
    with open(sys.argv[3], "w") as out:
        while time.time() < end and not os.path.exists(sys.argv[4] + "/stop"):
            time.sleep(0.1)
            if os.path.exists(sys.argv[4] + "/pause"):
                continue
            c.sendall(b"x\n")
            try:
                if c.recv(100): print("%.3f" % time.time(), file=out, flush=True)
            except socket.timeout:
                pass
EOF
ip netns exec "$FW_NS" "$PY" "$TMP/echo.py" server &
SRV=$!
BG_PIDS+=("$SRV")
sleep 0.5
ip netns exec "$PEER_NS" "$PY" "$TMP/echo.py" client "$FW_IP" "$TMP/echoes" "$TMP" &
CLI=$!
sleep 1
MARK=$(log_lines)
t_save=$(date +%s.%N)
write_rules "${BASE[@]}" 0.0.0.0/0
line=$(wait_log "$MARK" 'reload \(inotify\): ' 15) || fail "0.0.0.0/0 was not applied"
case $line in *", 1 protected"*|*", 2 protected"*|*", 3 protected"*) pass "the reload line counts the protected addresses" ;;
*) fail "the reload line does not count protected addresses: $line" ;; esac
if log_since "$MARK" | qgrep -E "rules\.txt:7:1: warning: 0\.0\.0\.0/0 covers protected address $PEER_IP \(protect: ssh-peers\)"; then
	pass "the log warns: rules.txt:7, 0.0.0.0/0 covers the ssh peer $PEER_IP"
else
	fail "no warning naming rules.txt:7 and $PEER_IP in the log: $(log_since "$MARK" | head -5)"
fi
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" check -c "$CONF" >"$TMP/check.out" 2>&1
if grep -qE "rules\.txt:7:1: warning: 0\.0\.0\.0/0 covers protected address $PEER_IP \(protect: ssh-peers\)" "$TMP/check.out"; then
	pass "xdpfw check prints the same warning"
else
	fail "xdpfw check does not warn about $PEER_IP: $(cat "$TMP/check.out")"
fi
if ip netns exec "$PEER_NS" ping -c 3 -i 0.2 -W 1 "$FW_IP" >/dev/null; then
	pass "ping from the ssh peer passes under 0.0.0.0/0"
else
	fail "ping from the ssh peer is dropped under 0.0.0.0/0"
fi
sleep 3
after_save=$(awk -v t="$t_save" '$1 > t + 0.3' "$TMP/echoes" | wc -l)
assert_ge "$after_save" 20 "echoes of the TCP session after 0.0.0.0/0 was saved"
sp=$(send_from 198.18.0.99 --count 5 --proto tcp --sport 2222)
settle
assert_eq "$(nft_count spoof)" 0 "a spoofed neighbour (198.18.0.99) is dropped"
J=$(stats_json)
assert_ge "$(rule_packets "!$PEER_IP" "$J")" 3 "the peer's saved packets count under !$PEER_IP"
if printf '%s' "$J" | "$PY" -c '
import json, sys
d = {r["rule"]: r for r in json.load(sys.stdin)["rules"]}
sys.exit(d.get("!" + sys.argv[1], {}).get("source") != "protect:ssh-peers")' "$PEER_IP"; then
	pass "stats --json: the peer's source is protect:ssh-peers"
else
	fail "stats --json: no \"source\": \"protect:ssh-peers\" for !$PEER_IP"
fi
assert_ge "$(rule_packets 0.0.0.0/0 "$J")" "$sp" "the spoofed neighbour counts under 0.0.0.0/0"

# ---- 3. explain ----------------------------------------------------------------
# explain ADDRESS [PORT]: its JSON, run in the firewall's namespace (the
# protected addresses are resolved there, as the daemon does).
explain() {
	ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" explain -c "$CONF" --json "$@"
}
# summary JSON: "verdict decided_by@file:line agrees" per packet.
summary() {
	"$PY" -c '
import json, sys
d = json.load(sys.stdin)
for p in d["packets"]:
    by = p["decided_by"]
    src = by["source"].rsplit("/", 1)[-1] if by else "-"
    print(p["verdict"], (by["rule"] if by else "-") + "@" + src,
          "agrees" if p["kernel"] and p["kernel"]["agrees"] else "DISAGREES")'
}
write_rules "${BASE[@]}" 0.0.0.0/0 "$EXC"
MARK=$(log_lines)
wait_log "$MARK" 'reload \(inotify\): .* 1 added' 15 >/dev/null || fail "the exception is not back"
# Every rule's counters and the drops (ARP and neighbour discovery may
# pass meanwhile; the ssh session idles).
counters() { stats_json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(sorted((r["rule"], r["packets"], r["bytes"]) for r in d["rules"]),
      d["total"]["dropped_packets"], d["total"]["dropped_bytes"])'; }
touch "$TMP/pause"
sleep 0.5
c0=$(counters)
assert_eq "$(explain 198.51.100.8 | summary)" "drop 198.51.100.0/24@rules.txt:2 agrees" \
	"explain 198.51.100.8 (blocked)"
assert_eq "$(explain 198.51.100.8 53/udp | summary)" "drop 198.51.100.0/24:53/udp@rules.txt:3 agrees" \
	"explain 198.51.100.8 53/udp (blocked by the port entry)"
assert_eq "$(explain 198.51.100.7 53/udp | summary)" "pass !198.51.100.7@rules.txt:8 agrees" \
	"explain 198.51.100.7 53/udp (excepted)"
assert_eq "$(explain 2001:db8:51::7 53 | summary | tr '\n' ' ')" \
	"drop 2001:db8:51::/48@rules.txt:4 agrees pass ![2001:db8:51::7]:53/udp@rules.txt:6 agrees " \
	"explain 2001:db8:51::7 53 (tcp blocked, udp excepted)"
assert_eq "$(explain "$PEER_IP" | summary)" "pass !$PEER_IP@protect:ssh-peers agrees" \
	"explain $PEER_IP (protected)"
assert_eq "$(explain 203.0.113.99 | summary)" "drop 0.0.0.0/0@rules.txt:7 agrees" \
	"explain 203.0.113.99 (0.0.0.0/0)"
assert_eq "$(counters)" "$c0" "no counter moved during the explains"
write_rules "${BASE[@]}" "# (0.0.0.0/0 was here)" "$EXC"
MARK=$(log_lines)
wait_log "$MARK" 'reload \(inotify\): .* 1 removed' 15 >/dev/null || fail "0.0.0.0/0 was not removed"
c0=$(counters)
assert_eq "$(explain 203.0.113.99 | summary)" "pass -@- agrees" "explain 203.0.113.99 (clean)"
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" explain -c "$CONF" 198.51.100.7 53/udp >"$TMP/explain.txt"
assert_eq "$?" 0 "explain (text): exit status"
if grep -q '^198.51.100.7 port 53/udp: pass' "$TMP/explain.txt" &&
	grep -qE 'saved by +!198\.51\.100\.7 +.*rules\.txt:8' "$TMP/explain.txt" &&
	grep -qE 'blocked by +198\.51\.100\.0/24:53/udp +.*rules\.txt:3' "$TMP/explain.txt" &&
	grep -qE 'also matches +198\.51\.100\.0/24 ' "$TMP/explain.txt" &&
	grep -q 'kernel .*agrees: pass, counted under !198.51.100.7' "$TMP/explain.txt"; then
	pass "explain (text) names the verdict, the saver, the blocker, the others, the kernel"
else
	fail "explain (text): $(cat "$TMP/explain.txt")"
fi
assert_eq "$(counters)" "$c0" "no counter moved during explain"

touch "$TMP/stop"
wait "$CLI"

# The kernel disagreeing is caught: with the daemon gone (it would repair
# it), delete the exception's key from the pinned trie, as another bpf()
# user could: prefixlen 64 (port, proto, pad + /32), port 0, 198.51.100.7.
stop_daemon
bpftool map delete pinned "$MAPS/xdpfw_v4_xcpt" \
	key 64 0 0 0 0 0 0 0 198 51 100 7 || fail "bpftool map delete"
out=$(explain 198.51.100.7 53/udp)
assert_eq "$?" 1 "explain exits 1 when the kernel disagrees"
assert_eq "$(printf '%s' "$out" | summary)" "pass !198.51.100.7@rules.txt:8 DISAGREES" \
	"explain 198.51.100.7 53/udp with the exception's key gone"
finish
