#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dynamic: `xdpfw add` / `xdpfw del` for scripts (fail2ban, CrowdSec, cron).
#   - 20 concurrent `add --for 60s` of distinct entries: all 20 in
#     rules_dir/dynamic.txt and enforced (none lost to a race);
#   - `del` of each lifts it; `del` of an absent entry is no error;
#   - `add` of an invalid entry exits 1 and changes nothing;
#   - `add --wait` returns once the daemon enforces the entry;
#   - the fail2ban action shipped in packaging/ (actionban/actionunban,
#     run as fail2ban runs them: its tags substituted, through a shell)
#     blocks and unblocks a source, with real packets;
#   - the CrowdSec custom bouncer's script, run as the bouncer runs it
#     (add IP DURATION REASON JSON / del ...), does the same;
#   - the feed refresher (packaging/feeds/xdpfw-feed, what the shipped
#     timer runs) installs a valid feed atomically and keeps the old one
#     when a download does not validate.
. "$(dirname "$0")/lib.sh"

PKG=$(cd "$(dirname "$0")/../../packaging" && pwd)
FEEDS=$(cd "$(dirname "$0")/../feeds" && pwd)
ACTION=$PKG/fail2ban/xdpfw.conf

need_root_and_bpf
setup_net
nft_setup
write_rules "# dynamic.sh" 203.0.113.1
write_config
start_daemon
DYN=$TMP/etc/rules.d/dynamic.txt

log "--- 20 concurrent adds"
pids=()
for i in $(seq 1 20); do
	xdpfw add -c "$CONF" --for 60s "198.51.100.$i" &
	pids+=($!)
done
rcs=0
for p in "${pids[@]}"; do wait "$p" || rcs=$((rcs + 1)); done
assert_eq "$rcs" 0 "adds that failed"
assert_eq "$(grep -c 'expires=' "$DYN")" 20 "entries in $DYN"
# The daemon applies them (in one or several reloads).
for ((i = 0; i < 100; i++)); do
	[ "$(xdpfw list -c "$CONF" | wc -l)" = 21 ] && break
	sleep 0.05
done
assert_eq "$(xdpfw list -c "$CONF" | grep -c '^198\.51\.100\.')" 20 "entries enforced"

log "--- del of each"
for i in $(seq 1 20); do
	xdpfw del -c "$CONF" "198.51.100.$i" || fail "del 198.51.100.$i"
done
xdpfw del -c "$CONF" 198.51.100.200
assert_eq "$?" 0 "del of an absent entry"
for ((i = 0; i < 100; i++)); do
	[ "$(xdpfw list -c "$CONF")" = 203.0.113.1 ] && break
	sleep 0.05
done
assert_eq "$(xdpfw list -c "$CONF")" 203.0.113.1 "in force after deleting the 20"
assert_eq "$(grep -c . "$DYN")" 0 "lines left in $DYN"

log "--- invalid input changes nothing"
xdpfw add -c "$CONF" 198.51.100.30 >/dev/null
before=$(sha256sum "$DYN")
xdpfw add -c "$CONF" 198.51.100.31 10.0.0.1/8 2>"$TMP/err"
assert_eq "$?" 1 "add of an invalid entry: exit status"
sed 's/^/    /' "$TMP/err"
assert_eq "$(sha256sum "$DYN")" "$before" "$DYN after the refused add"
xdpfw add -c "$CONF" --for 5parsecs 198.51.100.31 2>/dev/null
assert_eq "$?" 2 "add --for 5parsecs: exit status"

log "--- add --wait"
nft_watch waited ip saddr 198.51.100.40
xdpfw add -c "$CONF" --wait --for 10m 198.51.100.40
assert_eq "$?" 0 "add --wait: exit status"
sent=$(send_from 198.51.100.40 --count 5)
settle
assert_eq "$(nft_count waited) $(rule_packets 198.51.100.40)" "0 $sent" \
	"198.51.100.40 dropped right after add --wait returned"

log "--- the fail2ban action"
# fail2ban substitutes <ip> and <bantime>, then runs the line with a shell.
# The action names the default config; the test's goes in after the verb.
xdpfw_f2b() { local verb=$1; shift; xdpfw "$verb" -c "$CONF" "$@"; }
f2b() {
	local cmd
	cmd=$(sed -n "s/^$1 = //p" "$ACTION")
	[ -n "$cmd" ] || { fail "no $1 in $ACTION"; return 1; }
	cmd=${cmd//<ip>/$2}
	cmd=${cmd//<bantime>/600}
	eval "${cmd/#xdpfw /xdpfw_f2b }"
}
# wait_listed ENTRY yes|no: until `xdpfw list` holds ENTRY (or not), 5 s.
wait_listed() {
	local i
	for ((i = 0; i < 100; i++)); do
		# (a ban with a bantime lists as "ENTRY expires=TIME")
		if xdpfw list -c "$CONF" | awk -v e="$1" '$1 == e { f = 1 } END { exit !f }'; then
			[ "$2" = yes ] && return 0
		else
			[ "$2" = no ] && return 0
		fi
		sleep 0.05
	done
	return 1
}
nft_watch banned ip saddr 203.0.113.66
send_from 203.0.113.66 --count 3 >/dev/null
f2b actionban 203.0.113.66 || fail "actionban failed"
wait_listed 203.0.113.66 yes || fail "the ban is not enforced within 5 s"
send_from 203.0.113.66 --count 5 >/dev/null
settle
assert_eq "$(nft_count banned)" 3 "203.0.113.66 passes before the ban, not after"
if grep -q '^203.0.113.66 expires=' "$DYN"; then pass "the ban is in $DYN with an expiry"
else fail "the ban is not in $DYN with an expiry"; fi
f2b actionunban 203.0.113.66 || fail "actionunban failed"
wait_listed 203.0.113.66 no || fail "the unban is not applied within 5 s"
send_from 203.0.113.66 --count 4 >/dev/null
settle
assert_eq "$(nft_count banned)" 7 "203.0.113.66 passes again after the unban"

log "--- the CrowdSec custom bouncer's script"
export XDPFW XDPFW_CONFIG=$CONF
nft_watch crowd ip saddr 203.0.113.67
"$PKG/crowdsec/xdpfw-crowdsec" add 203.0.113.67 3600 "crowdsecurity/ssh-bf" '{}' ||
	fail "bouncer add failed"
wait_listed 203.0.113.67 yes || fail "the decision is not enforced within 5 s"
if grep -q '^203.0.113.67 expires=' "$DYN"; then pass "the decision is in $DYN with an expiry"
else fail "the decision is not in $DYN with an expiry"; fi
send_from 203.0.113.67 --count 5 >/dev/null
"$PKG/crowdsec/xdpfw-crowdsec" del 203.0.113.67 3600 "crowdsecurity/ssh-bf" '{}' ||
	fail "bouncer del failed"
wait_listed 203.0.113.67 no || fail "the deletion is not applied within 5 s"
send_from 203.0.113.67 --count 2 >/dev/null
settle
assert_eq "$(nft_count crowd)" 2 "203.0.113.67 dropped while decided, passes after"

log "--- the feed refresher"
RD=$TMP/etc/rules.d
"$PKG/feeds/xdpfw-feed" spamhaus-drop "file://$FEEDS/spamhaus-drop.txt" "$RD"
assert_eq "$?" 0 "xdpfw-feed of a valid feed: exit status"
wait_listed 198.51.100.0/24 yes || fail "the feed is not enforced within 5 s"
assert_eq "$(stat -c %a "$RD/spamhaus-drop.txt")" 644 "mode of the installed feed"
printf '<html>503 Service Unavailable</html>\n' >"$TMP/broken.txt"
"$PKG/feeds/xdpfw-feed" spamhaus-drop "file://$TMP/broken.txt" "$RD" 2>"$TMP/err"
assert_eq "$?" 1 "xdpfw-feed of a broken download: exit status"
assert_eq "$(sha256sum <"$RD/spamhaus-drop.txt")" "$(sha256sum <"$FEEDS/spamhaus-drop.txt")" \
	"the old feed is kept"
assert_eq "$(find "$RD" -name '.spamhaus-drop.*' | wc -l)" 0 "temp files left in $RD"

stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
finish
