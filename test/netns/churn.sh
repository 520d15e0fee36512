#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# churn (zero leak): a blocked endpoint sends continuously while the rules
# file is rewritten 30+ times with ~1000 other entries changing each time,
# including entries that share its filter words (same /24, same port word).
# Not one of its packets may reach the stack, and every one is counted under
# its rule; an unblocked flow sent meanwhile is received in full.
. "$(dirname "$0")/lib.sh"

# The flow lasts at least DURATION seconds and until WRITES rewrites are
# applied, each before the next: a count, not a rate, so a loaded host (an
# ASan build beside other suites took 25 in 14 s) makes the test longer,
# never failing.  An idle VM applies about 70 in 15 s.
DURATION=15
WRITES=30
RATE=2000

need_root_and_bpf
setup_net
nft_setup

KEEP=(
	"# churn.sh: entries in force in every version"
	"203.0.113.50:4000/udp"
	"2001:db8::50"
)

# gen_set A|B: ~1000 entries that differ between the two sets, of every kind,
# some sharing 203.0.113.50's /24 and port word (4000..4015).
gen_set() {
	local s=$1 base i
	if [ "$s" = A ]; then base=1; else base=2; fi
	for i in $(seq 0 599); do echo "10.$base.$((i / 250)).$((i % 250 + 1))"; done
	for i in $(seq 0 199); do echo "10.$((base + 10)).$i.0/24"; done
	for i in $(seq 0 99); do echo "10.$((base + 20)).0.$((i + 1)):$((5000 + i))/tcp"; done
	for i in $(seq 0 49); do echo "2001:db8:$base::$((i + 1))"; done
	for i in $(seq 0 29); do echo "[2001:db8:$((base + 10))::$((i + 1))]:53/udp"; done
	if [ "$s" = A ]; then
		for i in $(seq 1 15); do echo "203.0.113.51:$((4000 + i))/udp"; done
		echo "203.0.113.60"
		echo "203.0.113.0/28:4000/tcp"
		echo "0.0.0.0/0:4001/udp"
	else
		for i in $(seq 1 15); do echo "203.0.113.$((51 + i)):4000/udp"; done
		echo "203.0.113.61"
		echo "203.0.113.64/26"
		echo "[::/0]:4000/udp"
	fi
}
gen_set A >"$TMP/set-A"
gen_set B >"$TMP/set-B"
log "other entries: $(wc -l <"$TMP/set-A") (A) / $(wc -l <"$TMP/set-B") (B)"

RDIR=$(dirname "$RULES")
# rewrite A|B: temp file in the same directory, renamed over the rules.
rewrite() {
	{ printf '%s\n' "${KEEP[@]}"; cat "$TMP/set-$1"; } >"$RDIR/.rules.new" &&
		mv -f "$RDIR/.rules.new" "$RULES"
}
rewrite A
RELOAD_DELAY_MS=20 MAX_RULES=16384 write_config
start_daemon

nft_watch blocked ip saddr 203.0.113.50 udp sport 4000
nft_watch blocked6 ip6 saddr 2001:db8::50
nft_watch open ip saddr 198.51.100.60
nft_watch open_port ip saddr 203.0.113.50 udp sport 4001

MARK=$(log_lines)
# The senders stop on SIGTERM (and print what they sent); CAP only bounds
# them if this script dies.
CAP=$(tscale 600)
log "senders: 203.0.113.50:4000/udp at $RATE pps, 2001:db8::50 and 198.51.100.60 and 203.0.113.50:4001 at 500 pps, ${DURATION}s and $WRITES rewrites"
FLOW0=$(now_ms)
send_bg "$TMP/sent-blocked" 203.0.113.50 --proto udp --sport 4000 --rate $RATE --duration "$CAP"
P1=$!
send_bg "$TMP/sent-blocked6" 2001:db8::50 --proto tcp --sport 80 --rate 500 --duration "$CAP"
P2=$!
send_bg "$TMP/sent-open" 198.51.100.60 --proto udp --sport 4000 --rate 500 --duration "$CAP"
P3=$!
# Port 4001/udp from 203.0.113.50: blocked in set A (0.0.0.0/0:4001/udp), not in B.
# Counted, not asserted: it shows the churn really flips enforcement.
send_bg "$TMP/sent-port" 203.0.113.50 --proto udp --sport 4001 --rate 500 --duration "$CAP"
P4=$!

# Each rewrite waits for its reload before the next: a writer faster than
# the reload makes the daemon coalesce saves (right, but then the count of
# applied reloads depends on the host's load, not on the daemon).
writes=0
unseen=0
end=$((FLOW0 + DURATION * 1000))
while [ "$writes" -lt $WRITES ] || [ "$(now_ms)" -lt "$end" ]; do
	m=$(log_lines)
	if ((writes % 2)); then rewrite A; else rewrite B; fi
	writes=$((writes + 1))
	wait_log "$m" 'reload \(inotify\)' 5 >/dev/null || unseen=$((unseen + 1))
	sleep 0.05
done
flow_ms=$(($(now_ms) - FLOW0))
kill -TERM $P1 $P2 $P3 $P4
for p in $P1 $P2 $P3 $P4; do wait "$p"; done
BG_PIDS=()
log "rewrote the rules file $writes times in ${flow_ms} ms of flow"
settle 0.5

sent_blocked=$(cat "$TMP/sent-blocked")
sent_blocked6=$(cat "$TMP/sent-blocked6")
sent_open=$(cat "$TMP/sent-open")
sent_port=$(cat "$TMP/sent-port")
log "sent: blocked $sent_blocked, blocked6 $sent_blocked6, open $sent_open, 4001 $sent_port"

reloads=$(log_since "$MARK" | grep -Ec 'reload \(inotify\): .* added')
rejected=$(log_since "$MARK" | grep -Ec 'keeping [0-9]+ rules in force')
log "reloads applied: $reloads, rejected: $rejected"
log_since "$MARK" | grep -E 'reload \(inotify\)' | tail -n 3 | sed 's/^/    /'
assert_eq "$unseen" 0 "rewrites with no reload within 5 s"
# Each rewrite flips the set: a reload that found nothing to do means the
# daemon reloaded without a save, or twice for one.
noop=$(log_since "$MARK" | grep -Ec 'reload \(inotify\): .* 0 added, 0 removed,')
assert_eq "$reloads" "$writes" "reloads applied (one per rewrite)"
assert_eq "$noop" 0 "reloads that changed nothing"
assert_eq "$rejected" 0 "reloads rejected"
assert_ge "$sent_blocked" $((RATE * flow_ms / 1000 * 9 / 10)) "packets sent by the blocked endpoint"

J=$(stats_json)
assert_eq "$(nft_count blocked)" 0 "203.0.113.50:4000/udp behind XDP (leaked)"
assert_eq "$(nft_count blocked6)" 0 "2001:db8::50 behind XDP (leaked)"
assert_eq "$(rule_packets 203.0.113.50:4000/udp "$J")" "$sent_blocked" "rule 203.0.113.50:4000/udp packets"
assert_eq "$(rule_packets 2001:db8::50 "$J")" "$sent_blocked6" "rule 2001:db8::50 packets"
assert_eq "$(nft_count open)" "$sent_open" "unblocked 198.51.100.60 received"
log "203.0.113.50:4001/udp: $(nft_count open_port) of $sent_port passed (blocked only while set A was in force)"

stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
finish
