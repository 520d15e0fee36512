#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# expiry: "ENTRY expires=TIME" is enforced until TIME, then lifted by the
# daemon within a second without any change to the file (one timer on the
# earliest expiry), with a log line; the other rules are untouched: a
# blocked flow sent throughout is counted, every packet, under its rule.
. "$(dirname "$0")/lib.sh"

utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

need_root_and_bpf
setup_net
nft_setup
nft_watch temp ip saddr 203.0.113.60
nft_watch steady ip saddr 203.0.113.61
write_rules "# expiry.sh" 203.0.113.61 \
	"203.0.113.62 expires=$(utc $(($(date +%s) - 60)))"
write_config
start_daemon
# The expiring entry is saved once the daemon runs (a slow start must not
# eat its lifetime): 4 s from now.
T=$(($(date +%s) + 4))
MARK=$(log_lines)
write_rules "# expiry.sh" "203.0.113.60 expires=$(utc "$T")" 203.0.113.61 \
	"203.0.113.62 expires=$(utc $(($(date +%s) - 60)))"
wait_log "$MARK" 'reload \(inotify\): .* 1 added' 5 >/dev/null ||
	fail "the expiring entry was not applied"

assert_eq "$(xdpfw list -c "$CONF" | sort | tr '\n' ' ')" \
	"203.0.113.60 expires=$(utc "$T") 203.0.113.61 " \
	"in force before the expiry, the temporary one with its expires= (the entry that expired a minute ago is not)"
assert_eq "$(xdpfw list -c "$CONF" --json | python3 -c '
import json, sys
print(" ".join(r["rule"] + "=" + r.get("expires", "-") for r in sorted(json.load(sys.stdin)["rules"], key=lambda r: r["rule"])))')" \
	"203.0.113.60=$(utc "$T") 203.0.113.61=-" "xdpfw list --json: expires"
xdpfw check -c "$CONF" >"$TMP/check.out" 2>&1
assert_eq "$?" 0 "xdpfw check with an expired entry (not an error)"
if grep -q ", 1 expired" "$TMP/check.out"; then pass "check counts the expired entry"
else fail "check's summary does not count the expired entry: $(cat "$TMP/check.out")"; fi

# A steady blocked flow across the expiry: its rule must count every packet.
send_bg "$TMP/sent-steady" 203.0.113.61 --rate 200 --duration 8
P=$!
sent=$(send_from 203.0.113.60 --count 5)
settle
assert_eq "$(nft_count temp) $(rule_packets 203.0.113.60)" "0 $sent" \
	"203.0.113.60 before its expiry: behind XDP, counted"

while [ "$(date +%s)" -lt "$T" ]; do sleep 0.05; done
t0=$(now_ms)
wait_log "$MARK" 'reload \(expiry\): .* 1 removed' 3 >/dev/null
assert_eq "$?" 0 "a reload at the expiry removed the entry (logged)"
t=$(($(now_ms) - t0))
log "    lifted $t ms after $(utc "$T")"
assert_le "$t" 1000 "ms from the expiry to the entry lifted"
# Both expired entries of the file (this one, and the one of a minute ago).
if log_since "$MARK" | qgrep 'reload (expiry): .*, 2 expired'; then pass "the log says they expired"
else fail "the expiry's reload line does not say ', 2 expired'"; fi
assert_eq "$(xdpfw list -c "$CONF")" 203.0.113.61 "in force after the expiry"
n=$(send_from 203.0.113.60 --count 5)
settle
assert_eq "$(nft_count temp)" "$n" "203.0.113.60 passes after its expiry"

wait "$P"
BG_PIDS=()
settle
assert_eq "$(nft_count steady)" 0 "203.0.113.61 behind XDP throughout"
assert_eq "$(rule_packets 203.0.113.61)" "$(cat "$TMP/sent-steady")" \
	"203.0.113.61 counted every packet across the expiry"

stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
finish
