#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# hostile-procs: other processes, other daemons and odd places around the
# daemon (SPEC §4 reload/detach, §5 "Restarts are seamless", "Files it
# writes ... It mounts a bpffs only at /sys/fs/bpf", "Foreign pins").
#
#   7. two daemons whose pin_dirs differ only by '/' vs '_' ($TMP/bpffs/p_x,
#      $TMP/bpffs/p/x): `reload` and `detach` of one never reach the other
#   8. a stale pidfile naming a recycled PID (another process): `reload`
#      and `detach` never signal that process
#  10. a pin_dir that is not on a bpffs (a directory with files, the rules
#      directory): refused, exit 3, nothing mounted over it
#  11. a second daemon refused because its interface already carries the
#      first one's program leaves no pins behind
#  12. CLI: `stats --watch` with nan/inf/-1/0 is a usage error; `detach` by
#      an unprivileged user fails with a permission error and leaves the
#      daemon running; the refusal of an interface held through a bpf_link
#      does not suggest `ip link set ... xdp off`
#  13. a pin_dir holding another program's pins: refused (exit 3, each
#      named); `detach` removes only what xdpfw creates
#   9. SIGHUP every 50 ms while a daemon migrates 500,000 rules to a new
#      max_rules: it survives, finishes the migration, enforces throughout
. "$(dirname "$0")/lib.sh"

N_BIG=500000

umask 022
need_root_and_bpf
need_nobody
command -v mountpoint >/dev/null 2>&1 || skip "needs mountpoint (util-linux)"
setup_net
nft_setup
chmod 0755 "$TMP" # nobody reads the config and the pidfile (12.)

FW_IF2=xfb$$
PEER_IF2=xpb$$
FW_MAC2=$(add_pair "$FW_IF2" "$PEER_IF2" 198.18.1.1/24 198.18.1.2/24) ||
	die "cannot create the second veth pair"

nft_watch r70 iifname "$FW_IF" ip saddr 203.0.113.70
nft_watch r71 iifname "$FW_IF2" ip saddr 203.0.113.71

# num X: X when it is a count, else 0 ("absent", "stats-failed").
num() { if [[ "$1" =~ ^[0-9]+$ ]]; then echo "$1"; else echo 0; fi; }
# prog_of IFNAME: "ID" of the XDP program on IFNAME, or "none".
prog_of() {
	ip -n "$FW_NS" -j link show dev "$1" 2>/dev/null | "$PY" -c '
import json, sys
try:
    print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])
except (ValueError, LookupError):
    print("none")'
}
# pins_in DIR: the pinned objects (bpffs files) under DIR.
pins_in() { find "$1" -mindepth 1 ! -type d 2>/dev/null; }
# write_conf FILE IFNAME RULES PIN_DIR MAX_RULES: a config for another daemon.
write_conf() {
	{
		echo "[agent]"
		echo "interfaces = $2"
		echo "rules = $3"
		echo "rules_dir ="
		echo "pin_dir = $4"
		echo "max_rules = $5"
		echo "reload_delay_ms = 100"
		echo "[stats]"
		echo "interval = 10"
	} >"$1"
}
# A daemon's log other than $DLOG: FLOG=FILE flog_wait MARK REGEX [T].
flog_wait() { DLOG=$FLOG wait_log "$@"; }
flog_lines() { wc -l <"$FLOG"; }
alive() {
	if [ -n "$2" ] && kill -0 "$2" 2>/dev/null; then pass "$1 still runs"
	else fail "$1 is gone"; fi
}
# a_enforces WHAT: 20 packets from 203.0.113.70 over $FW_IF are dropped.
a_enforces() {
	local c0 n0
	c0=$(num "$(rule_packets 203.0.113.70)")
	n0=$(nft_count r70)
	send_from 203.0.113.70 --count 20 >/dev/null
	settle
	assert_eq "$(rule_packets 203.0.113.70) $(nft_count r70)" "$((c0 + 20)) $n0" \
		"$1: 203.0.113.70 dropped (rule count, behind XDP)"
}
# ensure_a: daemon A running on $CONF (restarted when a part killed it).
ensure_a() {
	if [ -z "$DAEMON_PID" ] || ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		[ -n "$DAEMON_PID" ] && wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
		log "    (re)starting daemon A"
		start_daemon
	fi
}

# ------------------------------------------ 7. pidfiles of p_x and p/x
log "--- 7. two daemons on $TMP/bpffs/p_x and $TMP/bpffs/p/x"
mkdir -p "$TMP/bpffs/p" "$TMP/etc-b"
PIN=$TMP/bpffs/p_x
write_rules "# hostile-procs.sh: A" 203.0.113.70
write_config
BCONF=$TMP/b.conf
BLOG=$TMP/b.log
: >"$BLOG"
printf '%s\n' "# hostile-procs.sh: B" 203.0.113.71 >"$TMP/etc-b/rules.txt"
write_conf "$BCONF" "$FW_IF2" "$TMP/etc-b/rules.txt" "$TMP/bpffs/p/x" 1024
# B first, A second: a shared pidfile names A.
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$BCONF" >>"$BLOG" 2>&1 &
B_PID=$!
BG_PIDS+=("$B_PID")
FLOG=$BLOG flog_wait 0 ' running: ' 30 >/dev/null || die "daemon B did not start: $(cat "$BLOG")"
log "daemon B running (pid $B_PID)"
start_daemon
ls -l "$TMP/run" | sed 's/^/    /'
# send_if2 SRC COUNT: frames from SRC over the second pair.
send_if2() {
	ip netns exec "$PEER_NS" "$SENDPKT" -i "$PEER_IF2" --dst-mac "$FW_MAC2" \
		--src "$1" --dst 198.18.1.1 --rate 20000 --count "$2"
}
send_if2 203.0.113.71 20 >/dev/null
settle
assert_eq "$(nft_count r71)" 0 "B enforces: 203.0.113.71 over $FW_IF2 behind XDP"

MARK=$(log_lines)
FLOG=$BLOG
BMARK=$(flog_lines)
xdpfw reload -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "xdpfw reload -c A.conf: exit status"
wait_log "$MARK" 'reload \(SIGHUP\)' 5 >/dev/null
assert_eq "$?" 0 "A re-syncs on xdpfw reload -c A.conf"
sleep 0.5
if flog_wait "$BMARK" 'reload \(SIGHUP\)' 0 >/dev/null; then
	fail "B re-synced on xdpfw reload -c A.conf"
else
	pass "B not signalled by xdpfw reload -c A.conf"
fi

MARK=$(log_lines)
BMARK=$(flog_lines)
xdpfw reload -c "$BCONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "xdpfw reload -c B.conf: exit status"
sed 's/^/    /' "$TMP/out"
flog_wait "$BMARK" 'reload \(SIGHUP\)' 5 >/dev/null
assert_eq "$?" 0 "B re-syncs on xdpfw reload -c B.conf"
sleep 0.5
if wait_log "$MARK" 'reload \(SIGHUP\)' 0 >/dev/null; then
	fail "A re-synced on xdpfw reload -c B.conf"
else
	pass "A not signalled by xdpfw reload -c B.conf"
fi

idA=$(prog_of "$FW_IF")
xdpfw detach -c "$BCONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "xdpfw detach -c B.conf: exit status"
sed 's/^/    /' "$TMP/out"
sleep 0.5
alive "daemon A (after xdpfw detach -c B.conf)" "$DAEMON_PID"
for ((i = 0; i < 250; i++)); do kill -0 "$B_PID" 2>/dev/null || break; sleep 0.02; done
if kill -0 "$B_PID" 2>/dev/null; then fail "daemon B still runs after xdpfw detach -c B.conf"
else pass "daemon B stopped by xdpfw detach -c B.conf"; fi
assert_eq "$(prog_of "$FW_IF")" "$idA" "A's program on $FW_IF after detaching B"
assert_eq "$(prog_of "$FW_IF2")" none "XDP program on B's $FW_IF2 after detaching B"
send_if2 203.0.113.71 20 >/dev/null
settle
assert_eq "$(nft_count r71)" 20 "203.0.113.71 over $FW_IF2 passes after detaching B"
a_enforces "after detaching B"
kill -TERM "$B_PID" 2>/dev/null
wait "$B_PID" 2>/dev/null

# ---------------------------------------------------- 8. a recycled PID
log "--- 8. a stale pidfile naming another process"
ensure_a
stop_daemon TERM
start_daemon
PF=
for f in "$TMP"/run/*; do
	[ -f "$f" ] || continue
	read -r first _ <"$f"
	[ "$first" = "$DAEMON_PID" ] && PF=$f
done
if [ -n "$PF" ]; then pass "pidfile of daemon A: $PF: '$(head -n1 "$PF")'"
else fail "no file in $TMP/run names daemon A's pid $DAEMON_PID"; fi
ORIG=$(head -n1 "${PF:-/dev/null}")
REST=
[[ "$ORIG" == *" "* ]] && REST=" ${ORIG#* }"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
SP=
new_sleeper() {
	if [ -z "$SP" ] || ! kill -0 "$SP" 2>/dev/null; then
		sleep 600 &
		SP=$!
		BG_PIDS+=("$SP")
	fi
}
# stale_reload CONTENT WHAT: the pidfile says CONTENT (SP = the sleeper).
stale_reload() {
	new_sleeper
	printf '%s\n' "${1//SP/$SP}" >"${PF:-$TMP/run/none}"
	xdpfw reload -c "$CONF" >"$TMP/out" 2>&1
	assert_eq "$?" 3 "xdpfw reload with the pidfile '$(head -n1 "${PF:-$TMP/run/none}")' ($2): exit status"
	sed 's/^/    /' "$TMP/out"
	if grep -qiE 'no daemon|not running' "$TMP/out"; then pass "$2: it says no daemon runs"
	else fail "$2: the message does not say that no daemon runs"; fi
	sleep 0.2
	alive "$2: the process named by the stale pidfile (sleep $SP)" "$SP"
}
stale_reload "SP$REST" "the daemon's format"
stale_reload "SP" "a PID alone"
new_sleeper
printf '%s\n' "$SP$REST" >"${PF:-$TMP/run/none}"
xdpfw detach -c "$CONF" >"$TMP/out" 2>&1
assert_eq "$?" 0 "xdpfw detach with a stale pidfile: exit status"
sed 's/^/    /' "$TMP/out"
sleep 0.2
alive "detach: the process named by the stale pidfile (sleep $SP)" "$SP"
assert_eq "$(prog_of "$FW_IF")" none "XDP program on $FW_IF after detach"
assert_eq "$(pins_in "$PIN" | wc -l)" 0 "pins left under $PIN after detach"
kill "$SP" 2>/dev/null
rm -f "${PF:-$TMP/run/none}"

# --------------------------------------------- 10. pin_dir not on a bpffs
log "--- 10. a pin_dir that is not on a bpffs"
# Run in the firewall's namespace (ip netns exec has its own mount
# namespace): what the daemon might mount is looked at there, after it ended.
shadow_run() { # CONF DIR FILE: prints "rc=N mounted|not-mounted visible|hidden"
	ip netns exec "$FW_NS" sh -c '
		timeout 8 env XDPFW_RUN_DIR="$1" "$2" run -c "$3" >"$4" 2>&1
		printf "rc=%s " "$?"
		if mountpoint -q "$5"; then printf "mounted "; else printf "not-mounted "; fi
		if cat "$6" >/dev/null 2>&1; then echo visible; else echo hidden; fi
	' sh "$TMP/run" "$XDPFW" "$1" "$TMP/shadow.out" "$2" "$3"
}
mkdir -p "$TMP/shadow"
echo "keep me" >"$TMP/shadow/important.txt"
printf '%s\n' 203.0.113.72 >"$TMP/etc-b/rules.txt"
write_conf "$TMP/shadow.conf" "$FW_IF2" "$TMP/etc-b/rules.txt" "$TMP/shadow/pins" 1024
t0=$(now_ms)
res=$(shadow_run "$TMP/shadow.conf" "$TMP/shadow" "$TMP/shadow/important.txt")
ms=$(($(now_ms) - t0))
sed 's/^/    /' "$TMP/shadow.out" | tail -n 5
assert_eq "$res" "rc=3 not-mounted visible" "pin_dir $TMP/shadow/pins: exit status, mount on $TMP/shadow, important.txt"
assert_le "$ms" 5000 "pin_dir not on a bpffs: ms to the exit"
if mountpoint -q "$TMP/shadow"; then fail "$TMP/shadow is a mount point (root namespace)"
else pass "$TMP/shadow not a mount point (root namespace)"; fi
assert_eq "$(cat "$TMP/shadow/important.txt" 2>&1)" "keep me" "$TMP/shadow/important.txt (root namespace)"

mkdir -p "$TMP/etc-r"
printf '%s\n' 203.0.113.73 >"$TMP/etc-r/rules.txt"
write_conf "$TMP/r.conf" "$FW_IF2" "$TMP/etc-r/rules.txt" "$TMP/etc-r/pins" 1024
res=$(shadow_run "$TMP/r.conf" "$TMP/etc-r" "$TMP/etc-r/rules.txt")
sed 's/^/    /' "$TMP/shadow.out" | tail -n 5
assert_eq "$res" "rc=3 not-mounted visible" "pin_dir under the rules directory: exit status, mount on $TMP/etc-r, rules.txt readable"
assert_eq "$(cat "$TMP/etc-r/rules.txt" 2>&1)" 203.0.113.73 "$TMP/etc-r/rules.txt (root namespace)"

# --------------------------------- 11. a refused second daemon, no pins
log "--- 11. a second daemon (fresh pin_dir) on A's interface"
ensure_a
idA=$(prog_of "$FW_IF")
PB=$TMP/bpffs/fresh-b
write_conf "$TMP/b2.conf" "$FW_IF" "$TMP/etc-b/rules.txt" "$PB" 1024
timeout 30 ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$TMP/b2.conf" \
	>"$TMP/b2.out" 2>&1
assert_eq "$?" 3 "second daemon on $FW_IF: exit status"
sed 's/^/    /' "$TMP/b2.out"
left=$(pins_in "$PB")
assert_eq "$(printf '%s' "$left" | grep -c .)" 0 "pins left under $PB"
[ -n "$left" ] && printf '%s\n' "$left" | head -n 5 | sed 's/^/    /'
alive "daemon A (after the refused second daemon)" "$DAEMON_PID"
assert_eq "$(prog_of "$FW_IF")" "$idA" "A's program on $FW_IF"
a_enforces "after the refused second daemon"

# ---------------------------------------------- 13. pins of another program
log "--- 13. a pin_dir that holds another program's pins"
PF=$TMP/bpffs/foreign
mkdir -p "$PF"
bpftool map create "$PF/stats_map" type array key 4 value 4 entries 1 name stats_map ||
	fail "cannot pin the foreign map"
write_conf "$TMP/f.conf" "$FW_IF2" "$TMP/etc-b/rules.txt" "$PF" 1024
timeout 30 ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$TMP/f.conf" \
	>"$TMP/f.out" 2>&1
assert_eq "$?" 3 "a pin_dir with a foreign pin: exit status"
sed 's/^/    /' "$TMP/f.out"
if grep -q "$PF/stats_map was not created by xdpfw" "$TMP/f.out"; then
	pass "the refusal names the foreign pin"
else
	fail "the refusal does not name $PF/stats_map"
fi
assert_eq "$(prog_of "$FW_IF2")" none "XDP program on $FW_IF2 after the refusal"
assert_eq "$(cd "$PF" && find . -mindepth 1 | sort | tr '\n' ' ')" "./stats_map " \
	"entries of $PF after the refusal"
# The foreign map in a maps directory, too: detach removes only xdpfw's.
mkdir -p "$PF/maps-v2"
bpftool map create "$PF/maps-v2/xdpfw_v4" type array key 4 value 4 entries 1 name not_xdpfw ||
	fail "cannot pin the second foreign map"
env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" detach -c "$TMP/f.conf" >"$TMP/f.out" 2>&1
assert_eq "$?" 0 "xdpfw detach on a pin_dir with foreign pins: exit status"
sed 's/^/    /' "$TMP/f.out"
assert_eq "$(cd "$PF" && find . -mindepth 1 | sort | tr '\n' ' ')" "./maps-v2 ./maps-v2/xdpfw_v4 ./stats_map " \
	"entries of $PF after detach (none of them xdpfw's)"
# A foreign map pinned in the place of one of xdpfw's own, in the current
# layout: detach empties xdpfw's maps before it lets them go, and must not
# touch that one (nor remove its pin).
PG=$TMP/bpffs/foreign2
GLOG=$TMP/g.log
write_conf "$TMP/g.conf" "$FW_IF2" "$TMP/etc-b/rules.txt" "$PG" 1024
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$TMP/g.conf" >"$GLOG" 2>&1 &
G_PID=$!
FLOG=$GLOG flog_wait 0 ' running: ' 30 >/dev/null || die "daemon G did not start: $(cat "$GLOG")"
kill -TERM "$G_PID"
wait "$G_PID"
G_MAP=$PG/${MAPS##*/}/xdpfw_v4
rm -f "$G_MAP"
bpftool map create "$G_MAP" type hash key 4 value 4 entries 8 name not_xdpfw &&
	bpftool map update pinned "$G_MAP" key 1 0 0 0 value 7 0 0 0 ||
	fail "cannot pin a foreign map at $G_MAP"
env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" detach -c "$TMP/g.conf" >"$TMP/g.out" 2>&1
assert_eq "$?" 0 "xdpfw detach with a foreign map in the current layout: exit status"
sed 's/^/    /' "$TMP/g.out"
if grep -q "is not xdpfw's own: no map emptied" "$TMP/g.out"; then
	pass "detach says it emptied no map: one is not xdpfw's"
else
	fail "detach does not say why it emptied no map"
fi
if bpftool map lookup pinned "$G_MAP" key 1 0 0 0 >/dev/null 2>&1; then
	pass "detach left the foreign map's entries alone"
else
	fail "detach deleted the entries of a map xdpfw did not create ($G_MAP)"
fi
assert_eq "$(cd "$PG" && find . -mindepth 1 | sort | tr '\n' ' ')" "./${MAPS##*/} ./${MAPS##*/}/xdpfw_v4 " \
	"entries of $PG after detach (the foreign map only)"
# The same with a foreign array in the place of an open addressing table
# (kmaps_drain writes those through mmap), holding an entry shaped like
# the key of the rule in force (203.0.113.72): it must stay.
PH=$TMP/bpffs/foreign3
HLOG=$TMP/h.log
write_conf "$TMP/h.conf" "$FW_IF2" "$TMP/etc-b/rules.txt" "$PH" 1024
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$TMP/h.conf" >"$HLOG" 2>&1 &
H_PID=$!
FLOG=$HLOG flog_wait 0 ' running: ' 30 >/dev/null || die "daemon H did not start: $(cat "$HLOG")"
kill -TERM "$H_PID"
wait "$H_PID"
H_DIR=$PH/${MAPS##*/}
rm -f "$H_DIR/xdpfw_v4_oa"
bpftool map create "$H_DIR/xdpfw_v4_oa" type array key 4 value 16 entries 64 name not_xdpfw flags 1024 &&
	bpftool map update pinned "$H_DIR/xdpfw_v4_oa" $("$PY" "$OA_PY" put "$H_DIR" 203.0.113.72 0) ||
	fail "cannot pin a foreign array at $H_DIR/xdpfw_v4_oa"
env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" detach -c "$TMP/h.conf" >"$TMP/h.out" 2>&1
assert_eq "$?" 0 "xdpfw detach with a foreign open addressing table: exit status"
sed 's/^/    /' "$TMP/h.out"
"$PY" "$OA_PY" index "$H_DIR" 203.0.113.72 >/dev/null &&
	pass "detach left the foreign array's entry alone" ||
	fail "detach wrote into an array xdpfw did not create ($H_DIR/xdpfw_v4_oa)"

# ------------------------------------------------------------ 12. CLI
log "--- 12. small CLI items"
if grep -q 'xdp off' "$TMP/b2.out" && ! grep -q 'bpftool link detach' "$TMP/b2.out"; then
	fail "the refusal of an interface held through a bpf_link suggests 'xdp off'"
else
	pass "the refusal of an interface held through a bpf_link does not suggest 'xdp off' alone"
fi
for v in nan inf -1 0; do
	timeout 5 env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" stats -c "$CONF" --watch="$v" >/dev/null 2>"$TMP/out"
	assert_eq "$?" 2 "xdpfw stats --watch=$v: exit status"
done
npins=$(pins_in "$PIN" | wc -l)
as_nobody env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" detach -c "$CONF" >"$TMP/out" 2>"$TMP/err"
assert_eq "$?" 3 "xdpfw detach as nobody: exit status"
sed 's/^/    /' "$TMP/out" "$TMP/err"
if grep -qiE 'not permitted|permission' "$TMP/err"; then pass "xdpfw detach as nobody: the error mentions permission"
else fail "xdpfw detach as nobody: the error does not mention permission"; fi
sleep 0.3
alive "daemon A (after xdpfw detach as nobody)" "$DAEMON_PID"
assert_eq "$(prog_of "$FW_IF") $(pins_in "$PIN" | wc -l)" "$idA $npins" "A's program and pins after xdpfw detach as nobody"

# ---------------------------------------- 9. SIGHUP storm during migration
log "--- 9. SIGHUP every 50 ms while $N_BIG rules migrate to a larger max_rules"
ensure_a
"$PY" - "$N_BIG" >"$TMP/big.txt" <<'EOF'
import sys
# Distinct 10.x.y.z addresses and 172.16.0.0/24 ... /24 networks (1 in 100);
# nothing in 198.18.0.0/15.
n = int(sys.argv[1])
out = ["# hostile-procs.sh: big", "203.0.113.70"]
for i in range(n - 1):
    if i % 100 == 99:
        j = i // 100
        out.append("172.%d.%d.0/24" % (16 + (j >> 8), j & 255))
    else:
        out.append("10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255))
sys.stdout.write("\n".join(out) + "\n")
EOF
assert_eq "$(grep -vc '^#' "$TMP/big.txt")" "$N_BIG" "entries in the big file"
stop_daemon TERM
cp "$TMP/big.txt" "$RULES"
MAX_RULES=524288 write_config
t0=$(now_ms)
start_daemon
log "    $N_BIG rules in force after $(($(now_ms) - t0)) ms"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM (max_rules 524288)"
# (--top: the JSON of 500,000 rules takes seconds to print and parse;
# 203.0.113.70 is the only rule that counts anything.)
top_json() { xdpfw stats -c "$CONF" --json --top 5; }
c70=$(num "$(rule_packets 203.0.113.70 "$(top_json)")")
n70=$(nft_count r70)
send_bg "$TMP/sent-9" 203.0.113.70 --rate 500 --duration 200
FLOW=$!
MAX_RULES=1048576 write_config
MARK=$(log_lines)
t0=$(now_ms)
ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$CONF" >>"$DLOG" 2>&1 &
DAEMON_PID=$!
storm=0
running_ms=
end=$((t0 + 120000))
# The storm starts once the daemon says it migrates (it is well into its
# start-up then) and lasts until 2 s after it says it runs.  The signals
# come from a loop of their own, so that they are 50 ms apart.
rm -f "$TMP/storm.stop" "$TMP/storm.n"
while [ "$(now_ms)" -lt "$end" ]; do
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	if [ "$storm" = 0 ] && log_since "$MARK" | qgrep -E 'migrat| running: '; then
		storm=1
		log "    storm starts $(($(now_ms) - t0)) ms after the start"
		(
			n=0
			while [ ! -e "$TMP/storm.stop" ] && kill -HUP "$DAEMON_PID" 2>/dev/null; do
				n=$((n + 1))
				sleep 0.05
			done
			echo "$n" >"$TMP/storm.n"
		) &
		STORM=$!
		BG_PIDS+=("$STORM")
	fi
	if [ -z "$running_ms" ] && log_since "$MARK" | qgrep ' running: '; then
		running_ms=$(($(now_ms) - t0))
	fi
	[ -n "$running_ms" ] && [ $(($(now_ms) - t0 - running_ms)) -ge 2000 ] && break
	sleep 0.1
done
touch "$TMP/storm.stop"
[ "$storm" = 1 ] && wait "$STORM"
hups=$(cat "$TMP/storm.n" 2>/dev/null || echo 0)
log "    $hups SIGHUPs; ' running: ' after ${running_ms:-never} ms"
assert_ge "$hups" 10 "SIGHUPs sent during the start-up"
if [ -n "$running_ms" ]; then pass "the daemon says it runs (${running_ms} ms)"
else fail "the daemon never said ' running: '"; fi
sleep 1
if kill -0 "$DAEMON_PID" 2>/dev/null; then
	pass "the daemon survived the SIGHUP storm"
else
	wait "$DAEMON_PID" 2>/dev/null
	fail "the daemon died during the SIGHUP storm (exit status $?)"
	DAEMON_PID=
fi
if log_since "$MARK" | qgrep 'migration done'; then pass "the log says the migration is done"
else fail "no 'migration done' in the log"; fi
log_since "$MARK" | grep -E 'migrat|running:|reload \(' | head -n 8 | sed 's/^/    /'
kill "$FLOW" 2>/dev/null
wait "$FLOW" 2>/dev/null
BG_PIDS=()
settle
assert_eq "$(nft_count r70)" "$n70" "203.0.113.70 behind XDP throughout the storm"
assert_ge "$(num "$(rule_packets 203.0.113.70 "$(top_json)")")" $((c70 + 100)) "203.0.113.70 counted under its rule"
if [ -n "$DAEMON_PID" ]; then
	MARK=$(log_lines)
	stop_daemon TERM
	assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM after the storm"
fi
finish
