#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# systemd: the notification protocol (Type=notify) and journal priorities.
# A datagram socket stands in for systemd's NOTIFY_SOCKET; JOURNAL_STREAM
# names the daemon's stderr file, as systemd does when stderr is the journal.
#   - READY=1 after the first sync, with STATUS= naming the rules in force;
#   - RELOADING=1 with MONOTONIC_USEC=, then READY=1, around each reload;
#   - WATCHDOG=1 at half of WATCHDOG_USEC, from the event loop; none when
#     WATCHDOG_PID names another process;
#   - STOPPING=1 on SIGTERM;
#   - every log line carries its syslog priority (<6> info, <3> error), so
#     `journalctl -p warning` works; log_level = warning drops info lines.
. "$(dirname "$0")/lib.sh"

need_root_and_bpf
setup_net
write_rules "# systemd.sh" "203.0.113.7"
write_config

SOCK=$TMP/notify.sock
MSGS=$TMP/notify.txt
: >"$MSGS"
"$PY" - "$SOCK" "$MSGS" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        data = s.recv(4096).decode()
        out.write(data.replace("\n", "|") + "\n")
        out.flush()
PYEOF
LISTENER=$!
BG_PIDS+=("$LISTENER")
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || die "the notify listener did not start"

# wait_msg PATTERN SECONDS: wait for a notification line matching PATTERN.
wait_msg() {
	local end=$(( $(now_ms) + $2 * 1000 ))
	while [ "$(now_ms)" -lt "$end" ]; do
		grep -Eq "$1" "$MSGS" && return 0
		sleep 0.05
	done
	return 1
}

js=$(stat -c '%d:%i' "$DLOG")
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" NOTIFY_SOCKET="$SOCK" \
	JOURNAL_STREAM="$js" "$XDPFW" run -c "$CONF" >>"$DLOG" 2>&1 &
DAEMON_PID=$!

wait_msg '^READY=1\|STATUS=1 rules in force' 10
assert_eq "$?" 0 "READY=1 with STATUS=1 rules in force after the first sync"
if grep -q ' running: ' "$DLOG"; then pass "the daemon logged its start"
else fail "no start line in the log"; fi

# Journal priorities: every line starts with <N>; the info lines with <6>.
bad=$(grep -cv '^<[0-9]>' "$DLOG")
assert_eq "$bad" 0 "log lines without a <priority> prefix"
if grep -q '^<6>xdpfw [0-9.]* running: ' "$DLOG"; then pass "the start line is <6> (info)"
else fail "start line: $(grep running "$DLOG")"; fi

# A save: RELOADING=1 + MONOTONIC_USEC, then READY=1 with a status.
: >"$MSGS"
write_rules "# systemd.sh" "203.0.113.7" "203.0.113.8"
wait_msg 'STATUS=2 rules in force; last reload \(inotify\) applied' 5
assert_eq "$?" 0 "READY=1 + STATUS after the reload"
if grep -Eq '^RELOADING=1\|MONOTONIC_USEC=[0-9]+$' "$MSGS"; then
	pass "RELOADING=1 with MONOTONIC_USEC before it"
else
	fail "no RELOADING=1|MONOTONIC_USEC=N: $(tr '\n' ' ' <"$MSGS")"
fi
first=$(head -n 1 "$MSGS")
assert_eq "${first%%|*}" "RELOADING=1" "the first notification of a reload"

# A rejected file: an error line with <3>, and the status says so.
: >"$MSGS"
MARK=$(log_lines)
write_rules "# systemd.sh" "203.0.113.7" "10.0.0.1/24"
wait_msg 'last reload \(inotify\) rejected' 5
assert_eq "$?" 0 "STATUS says the reload was rejected"
if log_since "$MARK" | qgrep '^<3>.*rules.txt:3:1: host bits'; then
	pass "the bad line is logged at <3> (error)"
else
	fail "no <3> line naming rules.txt:3:1: $(log_since "$MARK" | tr '\n' ' ')"
fi
if log_since "$MARK" | qgrep '^<3>.*keeping 2 rules in force'; then
	pass "'keeping 2 rules in force' at <3>"
else
	fail "no <3> keeping line: $(log_since "$MARK" | tr '\n' ' ')"
fi

# The watchdog (WatchdogSec=): pings from the event loop at half the
# period, none when WATCHDOG_PID names another process.
stop_daemon TERM
: >"$MSGS"
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" NOTIFY_SOCKET="$SOCK" \
	WATCHDOG_USEC=400000 "$XDPFW" run -c "$CONF" >>"$DLOG" 2>&1 &
DAEMON_PID=$!
wait_msg '^READY=1' 10 || fail "no READY=1 with WATCHDOG_USEC set"
: >"$MSGS"
sleep 1.1
assert_ge "$(grep -c '^WATCHDOG=1$' "$MSGS")" 4 "WATCHDOG=1 pings in 1.1 s (period 0.4 s)"
stop_daemon TERM
: >"$MSGS"
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" NOTIFY_SOCKET="$SOCK" \
	WATCHDOG_USEC=400000 WATCHDOG_PID=1 "$XDPFW" run -c "$CONF" >>"$DLOG" 2>&1 &
DAEMON_PID=$!
wait_msg '^READY=1' 10 || fail "no READY=1 with WATCHDOG_PID=1"
sleep 0.8
assert_eq "$(grep -c '^WATCHDOG=1$' "$MSGS")" 0 "WATCHDOG=1 pings when WATCHDOG_PID names another process"

# SIGTERM: STOPPING=1.
: >"$MSGS"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "exit status on SIGTERM"
wait_msg '^STOPPING=1' 2
assert_eq "$?" 0 "STOPPING=1 on SIGTERM"

# log_level = warning: info lines are filtered out, errors are not.
LOG_LEVEL=warning write_config
: >"$DLOG"
write_rules "# systemd.sh" "203.0.113.7" "10.0.0.1/24"
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" JOURNAL_STREAM="$(stat -c '%d:%i' "$DLOG")" \
	"$XDPFW" run -c "$CONF" >>"$DLOG" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q 'keeping' "$DLOG" && break; sleep 0.05; done
sleep 0.3
stop_daemon TERM
assert_eq "$(grep -c '^<6>' "$DLOG")" 0 "info lines with log_level = warning"
assert_ge "$(grep -c '^<3>' "$DLOG")" 2 "error lines with log_level = warning"
xdpfw detach -c "$CONF" >/dev/null
finish
