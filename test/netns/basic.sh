#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# basic: the daemon on a veth enforces one rule of each kind; matching flows
# are dropped and counted under their rule, exactly; non-matching flows
# (other address, other port, other protocol) reach the stack, exactly; real
# traffic still flows; `list` prints the canonical entries and round-trips
# through `check`.
. "$(dirname "$0")/lib.sh"

N=40

need_root_and_bpf
setup_net
nft_setup
write_rules \
	"# basic.sh" \
	"203.0.113.7            # v4 exact" \
	"198.51.100.9:5353/udp  # v4 ip:port/proto" \
	"192.0.2.0/24           # v4 prefix" \
	"2001:db8::7            # v6 exact" \
	"[2001:db8::53]:53/udp  # v6 ip:port/proto"

# Counters behind XDP, one per source (what reaches the stack).
nft_watch v4_exact ip saddr 203.0.113.7
nft_watch v4_exact_nb ip saddr 203.0.113.8
nft_watch v4_port ip saddr 198.51.100.9
nft_watch v4_prefix ip saddr 192.0.2.0/24
nft_watch v4_prefix_nb ip saddr 192.0.3.1
nft_watch v6_exact ip6 saddr 2001:db8::7
nft_watch v6_exact_nb ip6 saddr 2001:db8::8
nft_watch v6_port ip6 saddr 2001:db8::53
nft_watch peer ip saddr "$PEER_IP" icmp type echo-request

# sendn EXPECTED SRC OPTIONS...: send and check the tool sent them all.
sendn() {
	local want=$1 got
	shift
	got=$(send_from "$@")
	if [ "$got" != "$want" ]; then
		fail "xdpfw-sendpkt $* sent '$got', expected $want"
	fi
	sent_total=$((sent_total + want))
}

# run_mode MODE: the whole check with [agent] xdp_mode = MODE, from a clean
# slate (no pins, nft counters at zero).
run_mode() {
	local mode=$1
	log "=== xdp_mode = $mode"
	XDP_MODE=$mode write_config
	MARK=$(log_lines)
	start_daemon
	case $mode in
	auto) wait_log "$MARK" 'attached in (native|generic) mode' 1 | sed 's/^/    /' ||
		fail "the log does not say 'attached in native|generic mode'" ;;
	*) wait_log "$MARK" "attached in $mode mode" 1 >/dev/null ||
		fail "the log does not say 'attached in $mode mode'" ;;
	esac
	# The one start-up line of kernel features (agent/kfeatures.c): the
	# two the daemon cannot do without are there, since it attached.
	wait_log "$MARK" 'kernel [^ ]+: xdp links yes, batch ops [a-z]+, mmapable arrays yes, ' 1 |
		sed 's/^/    /' || fail "no 'kernel ...: xdp links yes, ..., mmapable arrays yes' line"
	ip netns exec "$FW_NS" nft reset counters table inet xdpfw_t >/dev/null

	sent_total=0
	log "matching flows: $N packets per rule"
	# 203.0.113.7: every protocol, any port.
	sendn 15 203.0.113.7 --proto udp --sport 1000 --count 15
	sendn 15 203.0.113.7 --proto tcp --sport 443 --count 15
	sendn 10 203.0.113.7 --proto icmp --count 10
	sendn $N 198.51.100.9 --proto udp --sport 5353 --count $N
	sendn $((N / 2)) 192.0.2.1 --proto udp --sport 53 --count $((N / 2))
	sendn $((N / 2)) 192.0.2.254 --proto tcp --sport 80 --count $((N / 2))
	sendn $((N / 2)) 2001:db8::7 --proto udp --sport 123 --count $((N / 2))
	sendn $((N / 2)) 2001:db8::7 --proto icmp --count $((N / 2))
	sendn $N 2001:db8::53 --proto udp --sport 53 --count $N

	log "non-matching flows: $N packets each"
	sendn $N 198.51.100.9 --proto udp --sport 5354 --count $N   # other port
	sendn $N 198.51.100.9 --proto tcp --sport 5353 --count $N   # other protocol
	sendn $N 198.51.100.9 --proto icmp --count $N               # no port at all
	sendn $N 203.0.113.8 --proto udp --sport 1000 --count $N
	sendn $N 192.0.3.1 --proto udp --sport 53 --count $N
	sendn $N 2001:db8::8 --proto udp --sport 123 --count $N
	sendn $N 2001:db8::53 --proto udp --sport 54 --count $N
	sendn $N 2001:db8::53 --proto tcp --sport 53 --count $N
	settle

	J=$(stats_json) || die "xdpfw stats --json failed"
	log "stats: $J"
	assert_eq "$(rule_packets 203.0.113.7 "$J")" $N "rule 203.0.113.7 packets"
	assert_eq "$(rule_packets 198.51.100.9:5353/udp "$J")" $N "rule 198.51.100.9:5353/udp packets"
	assert_eq "$(rule_packets 192.0.2.0/24 "$J")" $N "rule 192.0.2.0/24 packets"
	assert_eq "$(rule_packets 2001:db8::7 "$J")" $N "rule 2001:db8::7 packets"
	assert_eq "$(rule_packets '[2001:db8::53]:53/udp' "$J")" $N "rule [2001:db8::53]:53/udp packets"
	assert_eq "$(total dropped_packets "$J")" $((5 * N)) "total dropped_packets"
	assert_eq "$(sum_rule_packets "$J")" $((5 * N)) "sum of the rules' packets"
	assert_ge "$(total passed_packets "$J")" $((8 * N)) "total passed_packets"

	assert_eq "$(nft_count v4_exact)" 0 "behind XDP: 203.0.113.7"
	assert_eq "$(nft_count v4_exact_nb)" $N "behind XDP: 203.0.113.8"
	assert_eq "$(nft_count v4_port)" $((3 * N)) "behind XDP: 198.51.100.9 (other port, proto, icmp)"
	assert_eq "$(nft_count v4_prefix)" 0 "behind XDP: 192.0.2.0/24"
	assert_eq "$(nft_count v4_prefix_nb)" $N "behind XDP: 192.0.3.1"
	assert_eq "$(nft_count v6_exact)" 0 "behind XDP: 2001:db8::7"
	assert_eq "$(nft_count v6_exact_nb)" $N "behind XDP: 2001:db8::8"
	assert_eq "$(nft_count v6_port)" $((2 * N)) "behind XDP: 2001:db8::53 (other port, proto)"

	log "xdpfw list"
	xdpfw list -c "$CONF" >"$TMP/list.txt"
	assert_eq "$?" 0 "xdpfw list: exit status"
	sed 's/^/    /' "$TMP/list.txt"
	want=$(printf '%s\n' 203.0.113.7 198.51.100.9:5353/udp 192.0.2.0/24 2001:db8::7 \
		'[2001:db8::53]:53/udp' | sort)
	assert_eq "$(sort "$TMP/list.txt")" "$want" "xdpfw list (sorted)"
	xdpfw check -c "$CONF" "$TMP/list.txt" >"$TMP/check.out" 2>&1
	assert_eq "$?" 0 "xdpfw list > f; xdpfw check f: exit status"
	sed 's/^/    /' "$TMP/check.out"

	log "real traffic while the firewall runs"
	if ip netns exec "$PEER_NS" ping -c 3 -i 0.2 -W 2 -I "$PEER_IP" "$FW_IP" >"$TMP/ping.out" 2>&1; then
		pass "ping $PEER_IP -> $FW_IP"
	else
		fail "ping $PEER_IP -> $FW_IP failed"
		sed 's/^/    /' "$TMP/ping.out"
	fi
	assert_eq "$(nft_count peer)" 3 "behind XDP: echo requests from $PEER_IP"
	if ip netns exec "$PEER_NS" ping -6 -c 2 -i 0.2 -W 2 "$FW_IP6" >"$TMP/ping6.out" 2>&1; then
		pass "ping -6 $PEER_IP6 -> $FW_IP6"
	else
		fail "ping -6 $PEER_IP6 -> $FW_IP6 failed"
		sed 's/^/    /' "$TMP/ping6.out"
	fi
	# Nothing from the real peer was dropped.
	assert_eq "$(total dropped_packets)" $((5 * N)) "total dropped_packets after the pings"

	stop_daemon TERM
	assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
	xdpfw detach -c "$CONF" >/dev/null
	assert_eq "$?" 0 "xdpfw detach"
}

run_mode auto
run_mode generic
finish
