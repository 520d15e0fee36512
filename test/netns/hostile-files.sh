#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# hostile-files: files that another user, a slow writer or plain bad luck
# put where the daemon reads and writes (SPEC §3 "must not be writable by
# group or others", §5 "Bad input never loosens or tightens the firewall by
# accident", "Files it writes", "Hot reload").
#
#   1. the Prometheus textfile's directory belongs to another user, who
#      swaps the daemon's temporary files for symlinks: no file outside the
#      directory changes mode (the daemon never chmods through a symlink)
#   2. a rules file owned by another user, or writable by group or others,
#      is refused (keeping the rules in force), `xdpfw check` exits 1; a
#      world-writable config is refused by `check` and `run`
#   3. a FIFO or a character device at the rules path: refused at once, the
#      daemon stays responsive (reload, SIGTERM) and small
#   4. a slow writer (truncate now, write later) is never applied half-way
#   5. on_invalid = skip: a binary or UTF-16 file keeps the rules in force;
#      a file of comments only is a legitimate empty rule set
#   6. the rules directory deleted and created again is watched again
. "$(dirname "$0")/lib.sh"

umask 022
need_root_and_bpf
need_nobody
command -v iconv >/dev/null 2>&1 || skip "needs iconv"
setup_net
nft_setup
# nobody must reach the textfile directory and the rules (2.).
chmod 0755 "$TMP"

S=198.18.0.3       # the blocked source of every part
OPEN=$PEER_IP      # a source no rule ever blocks (but 0.0.0.0/0 would)
BASE=("# hostile-files.sh" "$S" 203.0.113.7)
RDIR=$(dirname "$RULES")

nft_watch s ip saddr "$S"
nft_watch open ip saddr "$OPEN"

# num X: X when it is a count, else 0 ("absent", "stats-failed").
num() { if [[ "$1" =~ ^[0-9]+$ ]]; then echo "$1"; else echo 0; fi; }
list_now() { xdpfw list -c "$CONF" 2>/dev/null | sort | tr '\n' ' '; }
base_list() { printf '%s\n' "${BASE[@]:1}" | sort | tr '\n' ' '; }
alive() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		pass "$1: the daemon still runs"
	else
		fail "$1: the daemon is gone"
	fi
}
# s_dropped WHAT: 10 packets from S are dropped by XDP (counted under S's
# rule, none behind XDP).
s_dropped() {
	local c0 n0
	c0=$(num "$(rule_packets "$S")")
	n0=$(nft_count s)
	send_from "$S" --count 10 >/dev/null
	settle
	assert_eq "$(rule_packets "$S") $(nft_count s)" "$((c0 + 10)) $n0" \
		"$1: $S dropped (rule count, behind XDP)"
}
# open_passes WHAT: 10 packets from OPEN reach the stack.
open_passes() {
	local n0
	n0=$(nft_count open)
	send_from "$OPEN" --count 10 >/dev/null
	settle
	assert_eq "$(nft_count open)" $((n0 + 10)) "$1: $OPEN (no rule) passes"
}
# kept MARK N WHAT: the log says the rules in force are kept.
kept() {
	local line
	if line=$(wait_log "$1" "keeping $2 rules in force" 5); then
		pass "$3: logged '... keeping $2 rules in force'"
		log "    $line"
	else
		fail "$3: no 'keeping $2 rules in force' in the log"
		log_since "$1" | sed 's/^/    /'
	fi
}
# no_empty_apply MARK WHAT: no reload since MARK applied an empty rule set.
no_empty_apply() {
	if log_since "$1" | grep -E 'reload \(.*, 0 in force,'; then
		fail "$2: a reload applied 0 rules"
	else
		pass "$2: no reload applied 0 rules"
	fi
}
# fresh_daemon: stop the daemon whatever its state (SIGKILL after 5 s,
# not a check: the parts that care time it themselves), rules back to BASE,
# start it again.  Each part starts from a healthy daemon.
fresh_daemon() {
	local i
	if [ -n "$DAEMON_PID" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		for ((i = 0; i < 250; i++)); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
	fi
	rm -f "$RULES"
	write_rules "${BASE[@]}"
	start_daemon
}
# applied_within MARK ENTRY MS WHAT: ENTRY is listed within MS ms.
applied_within() {
	local t0 end
	t0=$(now_ms)
	end=$((t0 + $3))
	while :; do
		if xdpfw list -c "$CONF" 2>/dev/null | qgrep -xF "$2"; then
			pass "$4: $2 in force after $(($(now_ms) - t0)) ms"
			return 0
		fi
		if [ "$(now_ms)" -ge "$end" ]; then
			fail "$4: $2 not in force within $3 ms"
			log_since "$1" | sed 's/^/    /'
			return 1
		fi
		sleep 0.05
	done
}

# ------------------------------------- 1. textfile directory of another user
log "--- 1. symlinks swapped in for the textfile's temporary files"
TDIR=$TMP/textfile
mkdir -p "$TDIR"
chown nobody:"$(id -gn nobody)" "$TDIR"
chmod 0755 "$TDIR"
# Victims outside TDIR, root's, with modes that must not change.
printf 'secret 1\n' >"$TMP/victim"
chmod 0600 "$TMP/victim"
printf 'secret 2\n' >"$TMP/victim2"
chmod 0640 "$TMP/victim2"
printf 'secret 3\n' >"$RDIR/victim3"
chmod 0600 "$RDIR/victim3"
VICTIMS="$TMP/victim,$TMP/victim2,$RDIR/victim3"
sum_victims() { sha256sum "$TMP/victim" "$TMP/victim2" "$RDIR/victim3" | awk '{ print $1 }' | tr '\n' ' '; }
SUM0=$(sum_victims)
# Enough rules that a textfile takes a moment to write.
{
	printf '%s\n' "${BASE[@]}"
	for i in $(seq 0 1999); do echo "10.99.$((i / 250)).$((i % 250 + 1))"; done
} >"$RULES"
STATS_INTERVAL=1 write_config
echo "prometheus_textfile = $TDIR/metrics.prom" >>"$CONF"
start_daemon
end=$(($(now_ms) + 3000))
until [ -f "$TDIR/metrics.prom" ] || [ "$(now_ms)" -ge "$end" ]; do sleep 0.05; done
if [ -f "$TDIR/metrics.prom" ]; then pass "the daemon writes $TDIR/metrics.prom"
else fail "no $TDIR/metrics.prom 3 s after the start"; fi
modes_outside() {
	find "$TMP" -xdev \( -path "$TDIR" -prune \) -o -printf '%m %U %p\n' 2>/dev/null | sort -k3
}
modes_outside >"$TMP/modes.before"

cat >"$TMP/attack.py" <<'EOF'
# As the owner of the textfile directory: replace every other name that
# appears there (the daemon's temporary files) by a symlink to a victim,
# by unlink + symlink or by rename over it; also plant metrics.prom itself
# as a symlink now and then.  Prints what it did.
import ctypes, os, select, struct, sys, time
d, victims, dur = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
libc.inotify_add_watch(fd, d.encode(), 0x100 | 0x80)  # IN_CREATE | IN_MOVED_TO
n = {"unlink": 0, "rename": 0, "final": 0, "lost": 0}
i = 0
def attack(name):
    global i
    i += 1
    p = os.path.join(d, name)
    v = victims[i % len(victims)]
    try:
        if os.path.islink(p):
            return
        if name == "metrics.prom":
            if i % 16:
                return
            kind = "final"
        else:
            kind = "unlink" if i % 2 else "rename"
        if kind == "rename":
            t = os.path.join(d, ".atk.%d" % i)
            os.symlink(v, t)
            os.rename(t, p)
        else:
            os.unlink(p)
            os.symlink(v, p)
        n[kind] += 1
    except OSError:
        n["lost"] += 1
end = time.time() + dur
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.01)
    names = []
    if r:
        try:
            buf = os.read(fd, 65536)
        except BlockingIOError:
            buf = b""
        off = 0
        while off + 16 <= len(buf):
            _, mask, _, ln = struct.unpack_from("iIII", buf, off)
            names.append(buf[off + 16:off + 16 + ln].rstrip(b"\0").decode("utf-8", "replace"))
            off += 16 + ln
    else:
        names = os.listdir(d)
    for name in names:
        if name and not name.startswith(".atk."):
            attack(name)
print(" ".join("%s=%d" % kv for kv in sorted(n.items())))
EOF
as_nobody "$PY" "$TMP/attack.py" "$TDIR" "$VICTIMS" 10 >"$TMP/attack.out" 2>&1
log "    attacker: $(tr '\n' ' ' <"$TMP/attack.out")"
assert_eq "$(stat -c '%a %U' "$TMP/victim")" "600 root" "victim (0600): mode, owner"
assert_eq "$(stat -c '%a %U' "$TMP/victim2")" "640 root" "victim2 (0640): mode, owner"
assert_eq "$(stat -c '%a %U' "$RDIR/victim3")" "600 root" "victim3 (0600, in the rules directory): mode, owner"
assert_eq "$(sum_victims)" "$SUM0" "contents of the victims"
modes_outside >"$TMP/modes.after"
changed=$(join -1 3 -2 3 -o 1.1,2.1,0 "$TMP/modes.before" "$TMP/modes.after" 2>/dev/null |
	awk '$1 != $2')
assert_eq "$changed" "" "files outside $TDIR whose mode changed"
if [ -L "$TDIR/metrics.prom" ]; then
	log "    $TDIR/metrics.prom is a symlink (the attacker may plant one itself)"
fi
alive "textfile attack"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM (textfile attack)"
# The rest without the textfile.
write_rules "${BASE[@]}"
write_config
start_daemon

# ------------------------------------------------------ 2. permissions
log "--- 2. a rules file owned by nobody, mode 0666"
MARK=$(log_lines)
chown nobody "$RULES"
chmod 0666 "$RULES"
sleep 0.5
MARK2=$(log_lines)
as_nobody sh -c "printf '0.0.0.0/0\n' >'$RULES'" || fail "nobody could not write the 0666 file"
kept "$MARK2" 2 "nobody's 0.0.0.0/0"
settle 0.5
assert_eq "$(list_now)" "$(base_list)" "xdpfw list after nobody's write"
s_dropped "nobody's file"
open_passes "nobody's file"
no_empty_apply "$MARK" "nobody's file"
timeout 10 "$XDPFW" check -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 1 "xdpfw check -c CONF with a rules file owned by nobody, 0666: exit status"
sed 's/^/    /' "$TMP/out" | head -n 5

log "--- 2b. owner and mode restored"
MARK=$(log_lines)
# The content first (still refused), then the owner and mode: applied.
printf '%s\n' "${BASE[@]}" 203.0.113.20 >"$RULES"
sleep 0.5
chown root "$RULES"
chmod 0644 "$RULES"
applied_within "$MARK" 203.0.113.20 3000 "after chown root, chmod 644"
MARK=$(log_lines)
write_rules "${BASE[@]}" 203.0.113.21
applied_within "$MARK" 203.0.113.21 3000 "the next save"
assert_eq "$(list_now)" "$(printf '%s\n' "${BASE[@]:1}" 203.0.113.21 | sort | tr '\n' ' ')" \
	"xdpfw list after the next save"

log "--- 2c. a root-owned rules file with mode 0664"
MARK=$(log_lines)
printf '%s\n' "${BASE[@]}" 203.0.113.21 203.0.113.22 >"$RDIR/.gw.tmp"
chmod 0664 "$RDIR/.gw.tmp"
mv -f "$RDIR/.gw.tmp" "$RULES"
kept "$MARK" 3 "group-writable rules file"
if xdpfw list -c "$CONF" | qgrep -xF 203.0.113.22; then
	fail "203.0.113.22 of the group-writable file applied"
else
	pass "203.0.113.22 of the group-writable file not applied"
fi
timeout 10 "$XDPFW" check -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 1 "xdpfw check -c CONF with a 0664 rules file: exit status"
s_dropped "group-writable file"
MARK=$(log_lines)
chmod 0644 "$RULES"
applied_within "$MARK" 203.0.113.22 3000 "after chmod 644"

log "--- 2d. a config file with mode 0666"
sed "s|^pin_dir = .*|pin_dir = $TMP/bpffs/badconf|" "$CONF" >"$TMP/bad.conf"
chmod 0666 "$TMP/bad.conf"
timeout 10 "$XDPFW" check -c "$TMP/bad.conf" >"$TMP/out" 2>&1
assert_eq "$?" 1 "xdpfw check -c (0666 config): exit status"
sed 's/^/    /' "$TMP/out" | head -n 5
timeout 20 ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$TMP/bad.conf" \
	>"$TMP/out" 2>&1
assert_eq "$?" 1 "xdpfw run -c (0666 config): exit status"
sed 's/^/    /' "$TMP/out" | head -n 5
alive "after the permission checks"
write_rules "${BASE[@]}"
sleep 0.5

# ------------------------------------------------------------ 3. FIFO
log "--- 3. a FIFO renamed over the rules file"
MARK=$(log_lines)
mkfifo "$RDIR/.fifo"
mv -f "$RDIR/.fifo" "$RULES"
sleep 1
kept "$MARK" 2 "FIFO (inotify)"
s_dropped "FIFO"
MARK=$(log_lines)
t0=$(now_ms)
timeout 5 env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" reload -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "xdpfw reload with the FIFO in place: exit status"
if line=$(wait_log "$MARK" 'reload \(SIGHUP\).*keeping 2 rules in force' 3); then
	pass "the SIGHUP re-sync refuses the FIFO ($(($(now_ms) - t0)) ms)"
	log "    $line"
else
	fail "no 'reload (SIGHUP) ... keeping 2 rules in force' within 3 s of xdpfw reload"
	log_since "$MARK" | sed 's/^/    /'
fi
t0=$(now_ms)
timeout 5 "$XDPFW" check -c "$CONF" "$RULES" >"$TMP/out" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
assert_eq "$rc" 1 "xdpfw check FIFO: exit status"
assert_le "$ms" 2000 "xdpfw check FIFO: ms"
sed 's/^/    /' "$TMP/out" | head -n 3
t0=$(now_ms)
kill -TERM "$DAEMON_PID"
for ((i = 0; i < 100; i++)); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.02; done
ms=$(($(now_ms) - t0))
if kill -0 "$DAEMON_PID" 2>/dev/null; then
	fail "the daemon did not exit within 2 s of SIGTERM (FIFO)"
	kill -KILL "$DAEMON_PID"
else
	pass "the daemon exited $ms ms after SIGTERM (FIFO)"
fi
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
fresh_daemon

log "--- 3b. the rules path a symlink to /dev/zero"
echo 5 >"/proc/$DAEMON_PID/clear_refs" 2>/dev/null # reset VmHWM
MARK=$(log_lines)
ln -sf /dev/zero "$RULES"
sleep 1
kept "$MARK" 2 "/dev/zero (inotify)"
MARK=$(log_lines)
t0=$(now_ms)
kill -HUP "$DAEMON_PID"
if line=$(wait_log "$MARK" 'reload \(SIGHUP\).*keeping 2 rules in force' 5); then
	ms=$(($(now_ms) - t0))
	log "    $line"
	assert_le "$ms" 2000 "SIGHUP with /dev/zero: ms to the refusal"
else
	fail "no 'reload (SIGHUP) ... keeping 2 rules in force' within 5 s (/dev/zero)"
fi
hwm=$(awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$DAEMON_PID/status" 2>/dev/null)
rss=$(awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$DAEMON_PID/status" 2>/dev/null)
log "    VmRSS $rss MB, VmHWM $hwm MB"
assert_le "$hwm" 200 "the daemon's peak RSS (MB) while refusing /dev/zero"
s_dropped "/dev/zero"
assert_eq "$(list_now)" "$(base_list)" "xdpfw list with /dev/zero"
t0=$(now_ms)
timeout 5 "$XDPFW" check -c "$CONF" "$RULES" >"$TMP/out" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
assert_eq "$rc" 1 "xdpfw check (symlink to /dev/zero): exit status"
assert_le "$ms" 2000 "xdpfw check (symlink to /dev/zero): ms"
sed "s|^rules = .*|rules = /dev/zero|" "$CONF" >"$TMP/zero.conf"
t0=$(now_ms)
timeout 5 "$XDPFW" check -c "$TMP/zero.conf" >"$TMP/out" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
assert_eq "$rc" 1 "xdpfw check -c (rules = /dev/zero): exit status"
assert_le "$ms" 2000 "xdpfw check -c (rules = /dev/zero): ms"
sed 's/^/    /' "$TMP/out" | head -n 3
alive "/dev/zero"
fresh_daemon

# ------------------------------------------------------- 4. slow writers
log "--- 4. truncated now, written 3 s later"
n0=$(nft_count s)
c0=$(num "$(rule_packets "$S")")
send_bg "$TMP/sent-4" "$S" --rate 20 --duration 6
P=$!
MARK=$(log_lines)
( sleep 3; printf '%s\n' "$S" ) >"$RULES" &
W=$!
wait "$W"
wait "$P"
BG_PIDS=()
settle
sent=$(cat "$TMP/sent-4")
log "    sent $sent from $S"
assert_ge "$sent" 100 "packets sent from $S"
assert_eq "$(nft_count s)" "$n0" "packets from $S behind XDP during and after the slow write"
assert_eq "$(rule_packets "$S")" $((c0 + sent)) "packets from $S counted under its rule"
no_empty_apply "$MARK" "slow writer"
assert_eq "$(list_now)" "$S " "xdpfw list after the slow writer closed"
log_since "$MARK" | grep 'reload (' | sed 's/^/    /'

log "--- 4b. a first part, then 2 s later the rest (curl-like)"
write_rules "$S" 203.0.113.8
sleep 0.5
assert_eq "$(list_now)" "$(printf '%s\n' "$S" 203.0.113.8 | sort | tr '\n' ' ')" "xdpfw list before"
n0=$(nft_count s)
send_bg "$TMP/sent-4b" "$S" --rate 20 --duration 4
P=$!
MARK=$(log_lines)
( printf '%s\n' "$S"; sleep 2; printf '%s\n' 203.0.113.9 ) >"$RULES" &
W=$!
partial=0
samples=0
while kill -0 "$W" 2>/dev/null; do
	l=$(list_now)
	samples=$((samples + 1))
	[ "$l" = "$S " ] && partial=$((partial + 1))
	sleep 0.1
done
wait "$W"
assert_eq "$partial" 0 "samples of xdpfw list (of $samples) that showed the first part alone"
if log_since "$MARK" | grep -E 'reload \(.*, 1 in force,'; then
	fail "a reload applied the first part alone"
else
	pass "no reload applied the first part alone"
fi
end=$(($(now_ms) + 3000))
want=$(printf '%s\n' "$S" 203.0.113.9 | sort | tr '\n' ' ')
until [ "$(list_now)" = "$want" ] || [ "$(now_ms)" -ge "$end" ]; do sleep 0.05; done
assert_eq "$(list_now)" "$want" "xdpfw list once the writer closed"
wait "$P"
BG_PIDS=()
settle
assert_eq "$(nft_count s)" "$n0" "packets from $S behind XDP during the curl-like write"

# ------------------------------------------- 5. on_invalid = skip, garbage
log "--- 5. on_invalid = skip: binary and UTF-16 files"
stop_daemon TERM
write_rules "${BASE[@]}"
write_config "on_invalid = skip"
start_daemon
MARK=$(log_lines)
head -c 4096 /dev/urandom | tr -d '\n\r#;' >"$RDIR/.bin.tmp"
mv -f "$RDIR/.bin.tmp" "$RULES"
kept "$MARK" 2 "binary file"
settle
s_dropped "binary file"
assert_eq "$(list_now)" "$(base_list)" "xdpfw list after the binary file"
no_empty_apply "$MARK" "binary file"
MARK=$(log_lines)
printf '198.18.0.9\n' | iconv -t UTF-16 >"$RDIR/.u16.tmp"
log "    UTF-16 file: $(od -An -tx1 "$RDIR/.u16.tmp" | tr -s ' \n' ' ')"
mv -f "$RDIR/.u16.tmp" "$RULES"
kept "$MARK" 2 "UTF-16 file"
settle
s_dropped "UTF-16 file"
assert_eq "$(list_now)" "$(base_list)" "xdpfw list after the UTF-16 file"
no_empty_apply "$MARK" "UTF-16 file"
MARK=$(log_lines)
# ('#' only: the parser does not take ';' comments yet, a separate issue.)
printf '# only comments\n\n   # and blank lines\r\n \t \n' >"$RDIR/.c.tmp"
mv -f "$RDIR/.c.tmp" "$RULES"
if line=$(wait_log "$MARK" 'reload \(inotify\): .* 0 in force' 5); then
	pass "a file of comments only is applied as empty"
	log "    $line"
else
	fail "a file of comments only was not applied"
	log_since "$MARK" | sed 's/^/    /'
fi
assert_eq "$(list_now)" "" "xdpfw list after the comments-only file"
n0=$(nft_count s)
send_from "$S" --count 10 >/dev/null
settle
assert_eq "$(nft_count s)" $((n0 + 10)) "$S passes with the empty rule set"
MARK=$(log_lines)
write_rules "${BASE[@]}"
applied_within "$MARK" "$S" 3000 "the rules back"

# ------------------------------------- 6. directory deleted and re-created
log "--- 6. the rules directory deleted and created again"
MARK=$(log_lines)
rm -rf "$RDIR"
kept "$MARK" 2 "directory deleted"
s_dropped "directory deleted"
sleep 0.5
MARK=$(log_lines)
mkdir "$RDIR"
printf '%s\n' "${BASE[@]}" 203.0.113.30 >"$RULES"
applied_within "$MARK" 203.0.113.30 2000 "re-created directory (no signal)"
c0=$(rule_packets 203.0.113.30)
send_from 203.0.113.30 --count 10 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.30)" "$(($(num "$c0") + 10))" "203.0.113.30 dropped"
MARK=$(log_lines)
echo 203.0.113.31 >>"$RULES"
applied_within "$MARK" 203.0.113.31 2000 "a second save in the re-created directory"
alive "end"

stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
finish
