#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# reload: every way of saving the rules file changes enforcement within a
# bound (printed: save -> first drop); bad input keeps the rules in force;
# SIGHUP repairs a map altered behind the daemon's back; counters of
# unchanged rules survive reloads; the reload line reports the diff size.
. "$(dirname "$0")/lib.sh"

MAX_ENFORCE_MS=5000

need_root_and_bpf
setup_net
nft_setup

BASE=(
	"# reload.sh"
	"203.0.113.7"
	"198.51.100.0/24:443/tcp"
	"[2001:db8::53]:53/udp"
)
write_rules "${BASE[@]}"
write_config
start_daemon

nft_watch base ip saddr 203.0.113.7
for i in 101 102 103 104 105 106 107 108 110 111 112; do
	nft_watch "n$i" ip saddr "203.0.113.$i"
done

TIMINGS=()

# save_and_measure METHOD SRC CMD...: run CMD (a save that newly blocks
# SRC), then send one packet from SRC every ~20 ms until one is counted
# under SRC's rule; print and record the time from the save.
save_and_measure() {
	local what=$1 src=$2 t0 t n before
	shift 2
	# Before: SRC is not blocked (its packet reaches the stack).
	before=$(nft_count "n${src##*.}")
	send_from "$src" >/dev/null
	settle 0.1
	assert_eq "$(nft_count "n${src##*.}")" $((before + 1)) "[$what] $src passes before the save"
	MARK=$(log_lines)
	t0=$(now_ms)
	"$@" || fail "[$what] the save command failed: $*"
	while :; do
		# t: when the probe left; the first dropped probe's t is the
		# time to enforcement (within one polling period, ~30 ms).
		t=$(($(now_ms) - t0))
		send_from "$src" >/dev/null
		n=$(rule_packets "$src")
		if [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ]; then
			break
		fi
		if [ "$t" -gt "$MAX_ENFORCE_MS" ]; then
			fail "[$what] $src still not dropped ${t} ms after the save"
			log_since "$MARK" | sed 's/^/    /'
			TIMINGS+=("$what: >${t} ms (FAILED)")
			return
		fi
		sleep 0.02
	done
	pass "[$what] $src dropped ${t} ms after the save"
	TIMINGS+=("$what: ${t} ms")
	wait_log "$MARK" 'reload \(inotify\): .* added' 2 | sed 's/^/    /' ||
		fail "[$what] no 'reload (inotify): ... added' line in the log"
}

RDIR=$(dirname "$RULES")

# ---------------------------------------------------------------- 1. saves
log "--- save methods"
save_and_measure "append (echo >>)" 203.0.113.101 \
	bash -c "echo 203.0.113.101 >>'$RULES'"

printf '%s\n' "${BASE[@]}" 203.0.113.101 203.0.113.102 >"$TMP/next.txt"
save_and_measure "in-place (cat >)" 203.0.113.102 \
	bash -c "cat '$TMP/next.txt' >'$RULES'"

save_and_measure "temp + rename (mv)" 203.0.113.103 \
	bash -c "{ cat '$RULES'; echo 203.0.113.103; echo '#203.0.113.104'; } >'$RDIR/.rules.txt.swp' && mv '$RDIR/.rules.txt.swp' '$RULES'"

save_and_measure "sed -i" 203.0.113.104 \
	sed -i 's/^#203\.0\.113\.104$/203.0.113.104/' "$RULES"

{ cat "$RULES"; echo 203.0.113.105; } >"$TMP/other.txt"
save_and_measure "cp over it" 203.0.113.105 \
	cp "$TMP/other.txt" "$RULES"

{ cat "$RULES"; echo 203.0.113.106; } >"$TMP/next.txt"
save_and_measure "delete + re-create" 203.0.113.106 \
	bash -c "rm -f '$RULES' && cat '$TMP/next.txt' >'$RULES'"

settle 0.3
J=$(stats_json)
for i in 101 102 103 104 105 106; do
	n=$(rule_packets "203.0.113.$i" "$J")
	assert_ge "$n" 1 "203.0.113.$i still in force after all saves"
done
assert_eq "$(sort <(xdpfw list -c "$CONF"))" \
	"$(printf '%s\n' 203.0.113.7 198.51.100.0/24:443/tcp '[2001:db8::53]:53/udp' \
		203.0.113.101 203.0.113.102 203.0.113.103 203.0.113.104 203.0.113.105 \
		203.0.113.106 | sort)" "xdpfw list after the saves"

# --------------------------------------------------- 2. bad input keeps rules
log "--- a file with a syntax error"
GOOD_NOW=$(cat "$RULES")
MARK=$(log_lines)
# Line 3 is bad; 203.0.113.110 (valid) must not be applied either.
write_rules "203.0.113.7" "203.0.113.110" "203.0.113.300" "198.51.100.0/24:443/tcp"
line=$(wait_log "$MARK" 'keeping [0-9]+ rules in force' 5)
assert_eq "$?" 0 "the rejection is logged"
log "    $line"
if log_since "$MARK" | grep -Eq "$RULES:3:[0-9]+: "; then
	pass "the log names $RULES:3:COL"
else
	fail "the log does not name $RULES:3:COL"
	log_since "$MARK" | sed 's/^/    /'
fi
c0=$(rule_packets 203.0.113.7)
b0=$(nft_count base)
n0=$(nft_count n110)
send_from 203.0.113.7 --count 20 >/dev/null
send_from 203.0.113.110 --count 20 >/dev/null
send_from 203.0.113.101 --count 5 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.7)" $((c0 + 20)) "203.0.113.7 still dropped (rejected file)"
assert_eq "$(nft_count base)" "$b0" "203.0.113.7 behind XDP (rejected file)"
assert_eq "$(nft_count n110)" $((n0 + 20)) "203.0.113.110 of the rejected file not applied"
assert_eq "$(rule_packets 203.0.113.101)" "$(($(rule_packets 203.0.113.101 "$J") + 5))" \
	"203.0.113.101 (dropped from the rejected file) still dropped"

log "--- a missing file"
MARK=$(log_lines)
rm -f "$RULES"
line=$(wait_log "$MARK" 'keeping [0-9]+ rules in force' 5)
assert_eq "$?" 0 "the missing file is logged"
log "    $line"
c0=$(rule_packets 203.0.113.7)
send_from 203.0.113.7 --count 20 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.7)" $((c0 + 20)) "203.0.113.7 still dropped (missing file)"
assert_eq "$(nft_count base)" "$b0" "203.0.113.7 behind XDP (missing file)"

log "--- a valid file afterwards"
n101=$(nft_count n101)
save_and_measure "re-created after missing" 203.0.113.111 \
	bash -c "printf '%s\n' 203.0.113.7 198.51.100.0/24:443/tcp '[2001:db8::53]:53/udp' 203.0.113.111 >'$RULES'"
send_from 203.0.113.101 --count 10 >/dev/null
settle
assert_eq "$(nft_count n101)" $((n101 + 10)) "203.0.113.101 (removed) passes again"
assert_eq "$(rule_packets 203.0.113.101)" absent "203.0.113.101 no longer in force"

# ---------------------------------------------------------------- 3. SIGHUP
log "--- a map changed behind the daemon's back is repaired; SIGHUP re-syncs"
# Since issue #10 the tamper guard repairs it without a signal (tamper.sh
# tests that in depth); SIGHUP still forces the full comparison.
MARK=$(log_lines)
bpftool map update pinned "$MAPS/xdpfw_v4_oa" $("$PY" "$OA_PY" tomb "$MAPS" 203.0.113.7)
assert_eq "$?" 0 "bpftool: 203.0.113.7's entry of xdpfw_v4_oa made a tombstone"
line=$(wait_log "$MARK" 'tamper: bpftool .* BPF_MAP_UPDATE_ELEM on xdpfw_v4_oa.*repaired' 2)
assert_eq "$?" 0 "the deleted key is repaired without a signal"
log "    $line"
b0=$(nft_count base)
c0=$(rule_packets 203.0.113.7)
MARK=$(log_lines)
kill -HUP "$DAEMON_PID"
line=$(wait_log "$MARK" 'reload \(SIGHUP\)' 5)
assert_eq "$?" 0 "SIGHUP reload logged"
log "    $line"
send_from 203.0.113.7 --count 10 >/dev/null
settle
assert_eq "$(nft_count base)" "$b0" "203.0.113.7 behind XDP after the repair and SIGHUP"
assert_eq "$(rule_packets 203.0.113.7)" $((c0 + 10)) "203.0.113.7 dropped after the repair and SIGHUP"
# `xdpfw reload` does the same through the pidfile.
MARK=$(log_lines)
xdpfw reload -c "$CONF" >/dev/null
assert_eq "$?" 0 "xdpfw reload: exit status"
line=$(wait_log "$MARK" 'reload \(SIGHUP\)' 5)
assert_eq "$?" 0 "xdpfw reload triggers a re-sync"
if [[ "$line" == *" 0 key writes"* ]]; then pass "forced re-sync without change: 0 key writes"
else fail "forced re-sync without change: '$line'"; fi

# ----------------------------------------- 4. counters survive 10 reloads
log "--- counters of an unchanged rule across 10 reloads"
c0=$(rule_packets 203.0.113.7)
b0=$(nft_count base)
for i in $(seq 1 10); do
	send_from 203.0.113.7 --count 10 >/dev/null
	MARK=$(log_lines)
	other=()
	for j in $(seq 1 $((i * 3))); do other+=("198.18.$((100 + i)).$j"); done
	if ((i % 2)); then other+=("192.0.2.0/24" "[2001:db8::$i]:$((1000 + i))"); fi
	write_rules 203.0.113.7 '[2001:db8::53]:53/udp' "${other[@]}"
	if ! line=$(wait_log "$MARK" 'reload \(inotify\): .* added' 5); then
		fail "reload $i not logged"
	fi
	settle 0.05
	n=$(rule_packets 203.0.113.7)
	if [ "$n" != $((c0 + 10 * i)) ]; then
		fail "after reload $i: 203.0.113.7 counted $n, expected $((c0 + 10 * i)) ($line)"
	fi
done
assert_eq "$(rule_packets 203.0.113.7)" $((c0 + 100)) "203.0.113.7 after 10 reloads"
assert_eq "$(nft_count base)" "$b0" "203.0.113.7 behind XDP across 10 reloads"

# ----------------------------------------------- 5. the size of the diff
log "--- the reload line reports the size of the change"
MARK=$(log_lines)
touch "$RULES"
line=$(wait_log "$MARK" 'reload \(inotify\): .* added' 5)
log "    $line"
if [[ "$line" == *" 0 added, 0 removed,"*" 0 key writes"* ]]; then
	pass "no-change save (touch): 0 added, 0 removed, 0 key writes"
else
	fail "no-change save (touch): '$line'"
fi
MARK=$(log_lines)
cp "$RULES" "$TMP/same.txt" && mv "$TMP/same.txt" "$RULES"
line=$(wait_log "$MARK" 'reload \(inotify\): .* added' 5)
log "    $line"
if [[ "$line" == *" 0 added, 0 removed,"*" 0 key writes"* ]]; then
	pass "no-change save (same content renamed over): 0 key writes"
else
	fail "no-change save (same content renamed over): '$line'"
fi
MARK=$(log_lines)
echo 203.0.113.112 >>"$RULES"
line=$(wait_log "$MARK" 'reload \(inotify\): .* added' 5)
log "    $line"
if [[ "$line" == *" 1 added, 0 removed,"*" 1 key writes"* ]]; then
	pass "1-line add: 1 added, 0 removed, 1 key writes"
else
	fail "1-line add: '$line'"
fi
# One save, one reload: nothing more while the file stays as it is.
sleep 1
assert_eq "$(log_since "$MARK" | grep -Ec 'reload \(')" 1 "reloads in the second after one save"
MARK=$(log_lines)
sed -i '/^203\.0\.113\.112$/d' "$RULES"
line=$(wait_log "$MARK" 'reload \(inotify\): .* added' 5)
log "    $line"
if [[ "$line" == *" 0 added, 1 removed,"*" 1 key writes"* ]]; then
	pass "1-line delete: 0 added, 1 removed, 1 key writes"
else
	fail "1-line delete: '$line'"
fi

# ------------------------------------- 6. a Kubernetes ConfigMap volume
log "--- ConfigMap-style symlink swap (restarting the daemon on it)"
CM=$TMP/cm
mkdir -p "$CM/..v1"
cp "$RULES" "$CM/..v1/rules.txt"
ln -s ..v1 "$CM/..data"
ln -s ..data/rules.txt "$CM/rules.txt"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
RULES=$CM/rules.txt
write_config
MARK=$(log_lines)
start_daemon
line=$(wait_log "$MARK" 'reload \(startup\)' 1)
log "    $line"
if [[ "$line" == *" 0 added, 0 removed,"* ]]; then pass "restart on the same rules: nothing added or removed"
else fail "restart on the same rules: '$line'"; fi

cm_swap() { # VERSION SRC: ..VERSION holds the old rules plus SRC
	local v=$1 src=$2
	mkdir -p "$CM/..$v"
	{ cat "$CM/rules.txt"; echo "$src"; } >"$CM/..$v/rules.txt"
	ln -s "..$v" "$CM/..data_tmp" && mv -T "$CM/..data_tmp" "$CM/..data"
}
save_and_measure "ConfigMap swap 1" 203.0.113.107 cm_swap v2 203.0.113.107
rm -rf "$CM/..v1"
save_and_measure "ConfigMap swap 2" 203.0.113.108 cm_swap v3 203.0.113.108
rm -rf "$CM/..v2"

log "save -> enforced timings:"
for t in "${TIMINGS[@]}"; do log "    $t"; done

stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
finish
