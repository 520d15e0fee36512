#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# rulesd: the rules are the union of the rules file and every *.txt of
# rules_dir, in name order, with feeds as they are published (Spamhaus DROP
# with ';' comments, FireHOL .netset, test/feeds/):
#   - every entry of every file is enforced; a cross-file duplicate is one
#     rule and a warning naming both places; other names are ignored;
#   - a feed renamed into rules_dir is enforced within reload_delay_ms
#     (+ 100 ms, + the log's polling period); deleting it lifts exactly
#     its entries; a file others own is refused (the rules stay);
#   - rules_dir deleted (none), then created again: watched without a
#     signal.
. "$(dirname "$0")/lib.sh"

FEEDS=$(cd "$(dirname "$0")/../feeds" && pwd)
RELOAD_DELAY_MS=100
POLL_MS=50 # the log is polled every 20 ms; 50 ms of slack for a busy host

need_root_and_bpf
setup_net
nft_setup
RD=$TMP/etc/rules.d
mkdir -p "$RD"
cp "$FEEDS/spamhaus-drop.txt" "$RD/10-spamhaus.txt"
cp "$FEEDS/spamhaus-dropv6.txt" "$RD/11-spamhausv6.txt"
cp "$FEEDS/firehol_level1.netset" "$RD/20-firehol.txt"
printf 'not a rule\n' >"$RD/README"
printf 'not a rule either\n' >"$RD/.20-firehol.txt.swp"
write_rules "# rulesd.sh" 203.0.113.90 203.0.113.91
write_config

MARK=$(log_lines)
start_daemon
# 2 + 9 + 4 + 8, less 203.0.113.90 listed twice.
assert_eq "$(xdpfw list -c "$CONF" | wc -l)" 22 "entries in force (rules.txt and 3 feeds)"
if log_since "$MARK" | qgrep "20-firehol.txt:30:1: warning: duplicate of $RULES:2: 203.0.113.90"; then
	pass "the cross-file duplicate is a warning naming both places"
else
	fail "no warning '20-firehol.txt:30:1: ... duplicate of $RULES:2: 203.0.113.90'"
	log_since "$MARK" | sed 's/^/    /'
fi
if log_since "$MARK" | qgrep "$RULES and 3 files of $RD"; then
	pass "the reload line names the files"
else
	fail "the reload line does not say '$RULES and 3 files of $RD'"
fi
xdpfw check -c "$CONF" >"$TMP/check.out" 2>&1
assert_eq "$?" 0 "xdpfw check -c CONF (the union)"
sed 's/^/    /' "$TMP/check.out"

# One source of each file, and one no file holds.
nft_watch spamhaus ip saddr 198.51.100.7
nft_watch spamhaus6 ip6 saddr 2001:db8:dead::5
nft_watch firehol ip saddr 192.0.2.9
nft_watch main ip saddr 203.0.113.90
nft_watch open ip saddr 203.0.113.99
for s in 198.51.100.7 2001:db8:dead::5 192.0.2.9 203.0.113.90 203.0.113.99; do
	send_from "$s" --count 10 >/dev/null
done
settle
assert_eq "$(nft_count spamhaus) $(nft_count spamhaus6) $(nft_count firehol) $(nft_count main)" \
	"0 0 0 0" "packets behind XDP from a source of each file"
assert_eq "$(nft_count open)" 10 "203.0.113.99 (no file holds it) passes"
J=$(stats_json)
assert_eq "$(rule_packets 198.51.100.0/24 "$J") $(rule_packets 2001:db8:dead::/48 "$J") $(rule_packets 192.0.2.0/24 "$J") $(rule_packets 203.0.113.90 "$J")" \
	"10 10 10 10" "counted under 198.51.100.0/24, 2001:db8:dead::/48, 192.0.2.0/24, 203.0.113.90"

log "--- a new feed renamed into $RD"
nft_watch new ip saddr 203.0.113.95
printf '; a new feed\n203.0.113.95 ; SBL900003\n' >"$RD/.30-new.tmp"
MARK=$(log_lines)
t0=$(now_ms)
mv "$RD/.30-new.tmp" "$RD/30-new.txt"
# The reload's line is written once the maps hold the change: its arrival
# (polled every 20 ms) is when the entry is enforced.
wait_log "$MARK" 'reload \(inotify\): .* 1 added' 5 >/dev/null ||
	fail "no reload after the rename"
t=$(($(now_ms) - t0))
log "    30-new.txt enforced $t ms after the rename"
assert_le "$t" $((RELOAD_DELAY_MS + 100 + POLL_MS)) "ms from the rename to enforcement"
sent=$(send_from 203.0.113.95 --count 5)
settle
assert_eq "$(nft_count new) $(rule_packets 203.0.113.95)" "0 $sent" \
	"203.0.113.95 (the new feed): behind XDP, counted"

log "--- the FireHOL file deleted"
xdpfw list -c "$CONF" | sort >"$TMP/before"
MARK=$(log_lines)
rm "$RD/20-firehol.txt"
wait_log "$MARK" 'reload \(inotify\): .* removed' 5 >/dev/null ||
	fail "no reload after deleting the feed"
xdpfw list -c "$CONF" | sort >"$TMP/after"
# Lifted: the feed's entries but 203.0.113.90, which rules.txt holds too.
grep -v '^#' "$FEEDS/firehol_level1.netset" | grep -vx 203.0.113.90 | sort >"$TMP/want"
assert_eq "$(comm -23 "$TMP/before" "$TMP/after" | tr '\n' ' ')" "$(tr '\n' ' ' <"$TMP/want")" \
	"entries lifted by deleting 20-firehol.txt"
assert_eq "$(comm -13 "$TMP/before" "$TMP/after" | wc -l)" 0 "entries added by deleting it"
nft_reset() { ip netns exec "$FW_NS" nft reset counters table inet xdpfw_t >/dev/null; }
nft_reset
send_from 192.0.2.9 --count 5 >/dev/null
send_from 203.0.113.90 --count 5 >/dev/null
settle
assert_eq "$(nft_count firehol) $(nft_count main)" "5 0" "192.0.2.9 passes now; 203.0.113.90 (rules.txt) still dropped"

log "--- a file in $RD that another user owns"
n_before=$(xdpfw list -c "$CONF" | wc -l)
MARK=$(log_lines)
printf '0.0.0.0/0\n' >"$RD/40-evil.txt"
chown nobody "$RD/40-evil.txt"
wait_log "$MARK" 'keeping [0-9]+ rules in force' 5 >/dev/null
assert_eq "$?" 0 "a file owned by nobody: refused, rules kept (logged)"
assert_eq "$(xdpfw list -c "$CONF" | wc -l)" "$n_before" "entries in force after it"
rm -f "$RD/40-evil.txt"

log "--- $RD deleted, then created again"
MARK=$(log_lines)
rm -rf "$RD"
wait_log "$MARK" "reload \\(inotify\\): $RULES: .* 2 in force" 5 >/dev/null
assert_eq "$?" 0 "without $RD only rules.txt is in force"
MARK=$(log_lines)
mkdir "$RD"
printf '203.0.113.96\n' >"$RD/50-back.txt"
wait_log "$MARK" "reload \\(inotify\\): $RULES and 1 file of $RD: 1 added" 5 >/dev/null
assert_eq "$?" 0 "the re-created $RD is watched again (its file applied)"
assert_eq "$(xdpfw list -c "$CONF" | sort | tr '\n' ' ')" "203.0.113.90 203.0.113.91 203.0.113.96 " \
	"entries in force at the end"

stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
finish
