#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# caps: the systemd unit's capability set is exactly what the daemon needs.
# The set is read from the built unit (CapabilityBoundingSet=), and the
# daemon runs as the unit runs it: as root with only those capabilities
# (bounding, inheritable and ambient sets) and no_new_privs, through
# setpriv.  With the full set it loads, attaches to the test veth, drops a
# blocked source, re-reads a saved file and reloads on `xdpfw reload` (run
# with the same set, after `xdpfw check` as ExecReload= does).  With any one
# capability fewer it refuses to start and leaves nothing attached.
#
# Environment: UNIT (the built xdpfw.service), besides lib.sh's.
# shellcheck disable=SC2119  # write_config and settle: optional arguments
. "$(dirname "$0")/lib.sh"

: "${UNIT:?set UNIT to the built xdpfw.service}"
need_root_and_bpf
command -v setpriv >/dev/null 2>&1 || skip "needs setpriv (util-linux)"

# The unit's set, as setpriv names: "CAP_BPF CAP_NET_ADMIN" -> bpf net_admin.
read -r -a UNIT_CAPS < <(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" |
	tr '[:upper:]' '[:lower:]' | sed 's/cap_//g')
[ "${#UNIT_CAPS[@]}" -gt 0 ] || die "no CapabilityBoundingSet= in $UNIT"
log "the unit's capabilities: ${UNIT_CAPS[*]}"
if grep -qx 'NoNewPrivileges=yes' "$UNIT"; then pass "the unit sets NoNewPrivileges=yes"
else fail "the unit does not set NoNewPrivileges=yes"; fi

setup_net
nft_setup
nft_watch blocked "ip saddr 203.0.113.7"
write_rules "# caps.sh" "203.0.113.7"
write_config

# setpriv_args "CAP...": SETPRIV, the setpriv command that keeps only those
# capabilities (bounding, inheritable, ambient) and sets no_new_privs.
setpriv_args() {
	local set c
	set=-all
	for c in $1; do set+=",+$c"; done
	SETPRIV=(setpriv --bounding-set="$set" --inh-caps="$set"
		--ambient-caps="$set" --no-new-privs)
}

# with_caps "CAP..." CMD...: CMD as root with only those capabilities.
with_caps() {
	setpriv_args "$1"
	shift
	"${SETPRIV[@]}" "$@"
}

# start_with_caps "CAP...": the daemon in $FW_NS with only those
# capabilities.  0 once it says it runs, 1 when it exits first (DAEMON_RC).
start_with_caps() {
	local mark i
	mark=$(log_lines)
	setpriv_args "$1"
	ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "${SETPRIV[@]}" \
		"$XDPFW" run -c "$CONF" >>"$DLOG" 2>&1 &
	DAEMON_PID=$!
	for ((i = 0; i < 1000; i++)); do
		log_since "$mark" | qgrep ' running: ' && return 0
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			wait "$DAEMON_PID"
			DAEMON_RC=$?
			DAEMON_PID=
			return 1
		fi
		sleep 0.02
	done
	return 1
}

# ---- the full set: everything works
with_caps "${UNIT_CAPS[*]}" "$XDPFW" check -c "$CONF" >/dev/null
assert_eq "$?" 0 "xdpfw check with the unit's capabilities (ExecStartPre=)"
if start_with_caps "${UNIT_CAPS[*]}"; then
	pass "the daemon starts with only: ${UNIT_CAPS[*]}"
else
	die "the daemon did not start with the unit's capabilities: $(tail -n 5 "$DLOG")"
fi
want=$(with_caps "${UNIT_CAPS[*]}" sed -n 's/^CapEff:\t*//p' /proc/self/status)
assert_eq "$(sed -n 's/^CapEff:\t*//p' "/proc/$DAEMON_PID/status")" "$want" "the daemon's effective capabilities"
assert_eq "$(xdp_attached)" yes "XDP attached to $FW_IF"
send_from 203.0.113.7 --count 20 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.7)" 20 "packets from 203.0.113.7 dropped and counted"
assert_eq "$(nft_count blocked)" 0 "packets from 203.0.113.7 behind XDP"

# A save is applied (inotify).
nft_watch blocked2 "ip saddr 203.0.113.8"
MARK=$(log_lines)
write_rules "# caps.sh" "203.0.113.7" "203.0.113.8"
wait_log "$MARK" 'reload \(inotify\).*1 added' 10 >/dev/null
assert_eq "$?" 0 "a saved rules file is applied"
send_from 203.0.113.8 --count 10 >/dev/null
settle
assert_eq "$(nft_count blocked2)" 0 "packets from the added 203.0.113.8 behind XDP"

# ExecReload=: check, then the signal (here through `xdpfw reload`).
MARK=$(log_lines)
with_caps "${UNIT_CAPS[*]}" "$XDPFW" check -c "$CONF" >/dev/null &&
	with_caps "${UNIT_CAPS[*]}" env XDPFW_RUN_DIR="$TMP/run" \
		"$XDPFW" reload -c "$CONF" >/dev/null
assert_eq "$?" 0 "check + reload with the unit's capabilities"
wait_log "$MARK" 'reload \(SIGHUP\)' 10 >/dev/null
assert_eq "$?" 0 "the daemon re-synced on SIGHUP"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "exit status on SIGTERM"
xdpfw detach -c "$CONF" >/dev/null

# ---- one capability fewer: the daemon refuses to start, attaches nothing
for drop in "${UNIT_CAPS[@]}"; do
	fewer=()
	for c in "${UNIT_CAPS[@]}"; do
		[ "$c" = "$drop" ] || fewer+=("$c")
	done
	DAEMON_RC=
	if start_with_caps "${fewer[*]}"; then
		fail "the daemon runs without $drop (${fewer[*]}): the unit grants too much"
		stop_daemon TERM
	else
		[ -n "$DAEMON_PID" ] && stop_daemon KILL
		assert_eq "$DAEMON_RC" 3 "without $drop: exit status (runtime failure)"
	fi
	assert_eq "$(xdp_attached)" no "without $drop: XDP attached"
	xdpfw detach -c "$CONF" >/dev/null 2>&1
done
finish
