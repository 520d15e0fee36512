#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# boot: boot order varies, so a daemon whose configured interface does not
# exist yet keeps running (an exit would walk systemd into its start limit):
# it loads the rules, says which interface it waits for, and attaches and
# enforces as soon as the interface appears.
. "$(dirname "$0")/lib.sh"

need_root_and_bpf
setup_net
nft_setup
LATE=xbt$$
LATE_PEER=xbp$$
write_rules "# boot.sh" "203.0.113.80"
write_config
sed -i "s/^interfaces = .*/interfaces = $LATE/" "$CONF"

MARK=$(log_lines)
start_daemon
if log_since "$MARK" | qgrep "$LATE: interface not found; it is attached as soon as it appears"; then
	pass "the log names the missing interface $LATE"
else
	fail "no '$LATE: interface not found; it is attached as soon as it appears' in the log"
fi
if log_since "$MARK" | qgrep "none of the configured interfaces exists yet"; then
	pass "the log says it waits for its interfaces"
else
	fail "the log does not say that none of the interfaces exists yet"
fi
sleep 2
if kill -0 "$DAEMON_PID" 2>/dev/null; then pass "the daemon still runs 2 s later"
else fail "the daemon exited without any of its interfaces"; fi
assert_eq "$(xdpfw list -c "$CONF")" "203.0.113.80" "rules loaded while waiting (xdpfw list)"

log "the interface appears"
MARK=$(log_lines)
mac=$(add_pair "$LATE" "$LATE_PEER" 198.18.1.1/24 198.18.1.2/24) || die "add_pair"
line=$(wait_log "$MARK" "$LATE: attached in (native|generic) mode" 5)
assert_eq "$?" 0 "'$LATE: attached' logged within 5 s"
log "    $line"
nft_watch late ip saddr 203.0.113.80
# Send over the new pair: the peer side of it, to the new firewall side.
PEER_IF=$LATE_PEER FW_MAC=$mac FW_IP=198.18.1.1
sent=$(send_from 203.0.113.80 --count 20)
settle
assert_eq "$(nft_count late)" 0 "203.0.113.80 behind XDP on $LATE"
assert_eq "$(rule_packets 203.0.113.80)" "$sent" "203.0.113.80 counted under its rule"

stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
finish
