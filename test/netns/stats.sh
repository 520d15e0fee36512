#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# stats: known numbers of packets sent at three rules show up, exactly, in
# `xdpfw stats --json`, in the Prometheus textfile the daemon writes each
# interval and in the journal's "stats: dropped N packets" lines (an idle
# interval logs nothing); `xdpfw stats --prometheus` declares a TYPE for each
# metric; --top and the table sort by packets; a removed and re-added rule
# restarts at zero while the others keep counting; totals never go down
# across reloads (also a rejected one) nor across a daemon restart, which
# keeps every count.  Issue 4, SPEC §4-§5, docs/METRICS.md.
. "$(dirname "$0")/lib.sh"

need_root_and_bpf
setup_net
nft_setup

R1=203.0.113.7
R2=198.51.100.0/24:53/udp
R3='[2001:db8::53]:53/udp'
R4=192.0.2.0/24 # in force, never hit
# Frame sizes of xdpfw-sendpkt's UDP frames (18-byte payload): Ethernet +
# IPv4/IPv6 + UDP + payload.  XDP counts the frame without FCS.
V4_UDP=$((14 + 20 + 8 + 18))
V6_UDP=$((14 + 40 + 8 + 18))

PROM=$TMP/prom/xdpfw.prom
mkdir -p "$TMP/prom"
write_rules "# stats.sh" "$R1" "$R2" "$R3" "$R4"
# A 1 s interval (TIME_SCALE s in a slow guest, so that what the test sends
# in "one interval" still fits in one); the waits below scale with it.
STATS_INTERVAL=$TIME_SCALE write_config
printf '%s\n' "log_top = 2" "prometheus_textfile = $PROM" >>"$CONF"
start_daemon

nft_watch b1 ip saddr 203.0.113.7
nft_watch b2 ip saddr 198.51.100.9 udp sport 53
nft_watch b3 ip6 saddr 2001:db8::53 udp sport 53

send1() { send_from 203.0.113.7 --count "$1"; }
send2() { send_from 198.51.100.9 --proto udp --sport 53 --count "$1"; }
send3() { send_from 2001:db8::53 --proto udp --sport 53 --count "$1"; }

# ------------------------------------------------------------- helpers --

# A strict parser of the text exposition format (no promtool on Debian 12
# without the prometheus package): HELP and TYPE once per metric and before
# its samples, every sample's metric declared, label values escaped.
cat >"$TMP/prom.py" <<'EOF'
import json, re, sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^(%s)(\{(?:%s)(?:,(?:%s))*\})? (\S+)$' % (NAME, LABEL, LABEL))
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}

def parse(path):
    types, helps, samples, errors, order = {}, {}, {}, [], []
    for n, line in enumerate(open(path).read().split('\n'), 1):
        if line == '':
            continue
        if line.startswith('# HELP '):
            name = line.split(' ', 3)[2]
            if name in helps:
                errors.append('%d: second HELP for %s' % (n, name))
            helps[name] = True
            continue
        if line.startswith('# TYPE '):
            parts = line.split(' ')
            if len(parts) != 4 or parts[3] not in TYPES:
                errors.append('%d: bad TYPE line: %s' % (n, line))
                continue
            if parts[2] in types:
                errors.append('%d: second TYPE for %s' % (n, parts[2]))
            if parts[2] in order:
                errors.append('%d: TYPE of %s after its samples' % (n, parts[2]))
            types[parts[2]] = parts[3]
            continue
        if line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            errors.append('%d: not a sample: %r' % (n, line))
            continue
        name, labels, value = m.group(1), m.group(2) or '', m.group(3)
        if name not in types:
            errors.append('%d: %s has no TYPE line before it' % (n, name))
        if name not in order:
            order.append(name)
        try:
            v = float(value)
        except ValueError:
            errors.append('%d: bad value %r' % (n, value))
            continue
        key = name + labels
        if key in samples:
            errors.append('%d: duplicate series %s' % (n, key))
        samples[key] = int(v) if v == int(v) else v
    return types, samples, errors

cmd, path = sys.argv[1], sys.argv[2]
types, samples, errors = parse(path)
if cmd == 'check':
    # prints the errors (none: "ok"), then the declared metrics, sorted
    print('; '.join(errors) if errors else 'ok')
    print(' '.join('%s:%s' % (k, types[k]) for k in sorted(types)))
elif cmd == 'get':
    # get PATH METRIC [LABEL VALUE]: the value, or "absent"
    key = sys.argv[3]
    if len(sys.argv) > 5:
        v = sys.argv[5].replace('\\', '\\\\').replace('"', '\\"')
        key += '{%s="%s"}' % (sys.argv[4], v)
    print(samples.get(key, 'absent'))
elif cmd == 'rules':
    # the per-rule packet series, as "rule=packets", sorted
    out = []
    for k, v in samples.items():
        m = re.match(r'^xdpfw_rule_dropped_packets_total\{rule="(.*)"\}$', k)
        if m:
            out.append('%s=%s' % (m.group(1), v))
    print(' '.join(sorted(out)))
EOF

prom() { "$PY" "$TMP/prom.py" "$@"; }
# prom_rule FILE RULE: the textfile's packets for RULE
prom_rule() { prom get "$1" xdpfw_rule_dropped_packets_total rule "$2"; }
prom_rule_bytes() { prom get "$1" xdpfw_rule_dropped_bytes_total rule "$2"; }
# JSON's per-rule packets as "rule=packets", sorted (compare with prom rules)
json_rules() {
	printf '%s' "$1" | "$PY" -c '
import json, sys
print(" ".join(sorted("%s=%d" % (r["rule"], r["packets"]) for r in json.load(sys.stdin)["rules"])))'
}
rule_bytes() {
	printf '%s' "$2" | "$PY" -c '
import json, sys
for r in json.load(sys.stdin)["rules"]:
    if r["rule"] == sys.argv[1]:
        print(r["bytes"]); break
else:
    print("absent")' "$1"
}

# textfile_ino: the inode of the textfile (a rename makes a new one)
textfile_ino() { stat -c %i "$PROM" 2>/dev/null || echo none; }
# wait_textfile_write [N]: wait until the daemon renamed a new textfile into
# place N times (default 1); 1 after 5 intervals per write.
wait_textfile_write() {
	local n=${1:-1} i ino end
	for ((i = 0; i < n; i++)); do
		ino=$(textfile_ino)
		end=$(($(now_ms) + 5000 * TIME_SCALE))
		while [ "$(textfile_ino)" = "$ino" ]; do
			[ "$(now_ms)" -ge "$end" ] && return 1
			sleep 0.01
		done
	done
	return 0
}
# Copy the textfile (it is replaced each second) and print the copy's path.
snap_textfile() { cp "$PROM" "$TMP/snap.prom" && echo "$TMP/snap.prom"; }

# journal_dropped MARK: the sum of N over the "stats: dropped N packets"
# lines since line MARK of the log.
journal_dropped() {
	log_since "$1" | sed -n 's/.*stats: dropped \([0-9]*\) packets.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}
# wait_journal_dropped MARK N: until the lines since MARK add up to >= N
# (5 intervals at most); prints the sum.
wait_journal_dropped() {
	local end=$(($(now_ms) + 5000 * TIME_SCALE)) s
	while :; do
		s=$(journal_dropped "$1")
		[ "$s" -ge "$2" ] && break
		[ "$(now_ms)" -ge "$end" ] && break
		sleep 0.05
	done
	echo "$s"
}
stats_lines() { log_since "$1" | grep -c 'stats: dropped'; }

# ------------------------------------------------------------ 0. baseline
log "--- baseline"
# The daemon takes a first sample when it starts: the textfile exists.
end=$(($(now_ms) + 3000 * TIME_SCALE))
while [ ! -s "$PROM" ] && [ "$(now_ms)" -lt "$end" ]; do sleep 0.05; done
if [ -s "$PROM" ]; then pass "textfile $PROM written at start"
else fail "no textfile $PROM within 3 s of the start"; fi
J=$(stats_json)
assert_eq "$(json_rules "$J")" \
	"$(printf '%s\n' "$R1=0" "$R2=0" "$R3=0" "$R4=0" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"stats --json before any traffic"
F=$(snap_textfile)
assert_eq "$(prom rules "$F")" "$(json_rules "$J")" "textfile rules before any traffic"
assert_eq "$(prom get "$F" xdpfw_dropped_packets_total)" 0 "textfile xdpfw_dropped_packets_total before traffic"
assert_eq "$(prom get "$F" xdpfw_rules_in_force)" 4 "textfile xdpfw_rules_in_force"
assert_eq "$(prom get "$F" xdpfw_reloads_total result ok)" 1 "textfile reloads ok after start (the start-up sync)"
assert_eq "$(prom get "$F" xdpfw_reloads_total result rejected)" 0 "textfile reloads rejected after start"
assert_eq "$(prom get "$F" xdpfw_last_reload_success)" 1 "textfile xdpfw_last_reload_success after start"

# ---------------------------------------------- 1. known numbers, 3 rules
log "--- 300 / 200 / 100 packets at three rules, within one interval"
MARK0=$(log_lines)
MARK=$MARK0
# Right after a collection, so that the three bursts (~40 ms) land in one
# interval and one journal line.
wait_textfile_write || fail "the textfile was not rewritten within 5 s"
n1=$(send1 300); n2=$(send2 200); n3=$(send3 100)
assert_eq "$n1 $n2 $n3" "300 200 100" "packets sent"
line=$(wait_log "$MARK" 'stats: dropped' 4)
assert_eq "$?" 0 "a stats line within 4 s"
log "    $line"
re='stats: dropped 600 packets \([0-9]+ pps, '$((500 * V4_UDP + 100 * V6_UDP))' bytes\), passed [0-9]+ in [0-9]+ s; top: 203\.0\.113\.7 300 \([0-9]+ pps\), 198\.51\.100\.0/24:53/udp 200 \([0-9]+ pps\)$'
if [[ "$line" =~ $re ]]; then
	pass "the journal line: 600 packets, their bytes, top 2 = $R1 300, $R2 200"
else
	fail "journal line: expected /$re/, got '$line'"
fi
settle
J=$(stats_json)
assert_eq "$(rule_packets "$R1" "$J") $(rule_packets "$R2" "$J") $(rule_packets "$R3" "$J") $(rule_packets "$R4" "$J")" \
	"300 200 100 0" "stats --json packets of R1 R2 R3 R4"
assert_eq "$(rule_bytes "$R1" "$J") $(rule_bytes "$R2" "$J") $(rule_bytes "$R3" "$J")" \
	"$((300 * V4_UDP)) $((200 * V4_UDP)) $((100 * V6_UDP))" "stats --json bytes of R1 R2 R3"
assert_eq "$(total dropped_packets "$J")" 600 "stats --json total.dropped_packets"
assert_eq "$(total dropped_bytes "$J")" $((500 * V4_UDP + 100 * V6_UDP)) "stats --json total.dropped_bytes"
assert_eq "$(sum_rule_packets "$J")" 600 "stats --json: sum over rules = total"
assert_eq "$(nft_count b1) $(nft_count b2) $(nft_count b3)" "0 0 0" "packets behind XDP (R1 R2 R3)"
# The next textfile is written after the counts above were final.
wait_textfile_write || fail "the textfile was not rewritten within 5 s"
F=$(snap_textfile)
assert_eq "$(prom rules "$F")" "$(json_rules "$J")" "textfile per-rule packets = stats --json"
assert_eq "$(prom_rule "$F" "$R1") $(prom_rule "$F" "$R2") $(prom_rule "$F" "$R3") $(prom_rule "$F" "$R4")" \
	"300 200 100 0" "textfile xdpfw_rule_dropped_packets_total of R1 R2 R3 R4"
assert_eq "$(prom_rule_bytes "$F" "$R1") $(prom_rule_bytes "$F" "$R3")" \
	"$((300 * V4_UDP)) $((100 * V6_UDP))" "textfile xdpfw_rule_dropped_bytes_total of R1 R3"
assert_eq "$(prom get "$F" xdpfw_dropped_packets_total)" 600 "textfile xdpfw_dropped_packets_total"
assert_eq "$(prom get "$F" xdpfw_dropped_bytes_total)" $((500 * V4_UDP + 100 * V6_UDP)) "textfile xdpfw_dropped_bytes_total"
assert_eq "$(journal_dropped "$MARK")" 600 "journal: sum of 'dropped N packets' since the sends"
assert_eq "$(stats_lines "$MARK")" 1 "journal: stats lines since the sends"

# ------------------------------------------------------- 2. idle interval
log "--- idle intervals"
MARK=$(log_lines)
wait_textfile_write 3
assert_eq "$?" 0 "textfile rewritten in each of 3 idle intervals"
assert_eq "$(stats_lines "$MARK")" 0 "journal: stats lines in 3 idle intervals"
left=$(find "$TMP/prom" -mindepth 1 ! -name xdpfw.prom | wc -l)
assert_eq "$left" 0 "temporary files left beside the textfile"
assert_eq "$(stat -c %a "$PROM")" 644 "textfile mode (node_exporter reads it)"

# ------------------------------------------------ 3. exposition format
log "--- exposition format"
# (word-split below on purpose; the tamper and repair counters come from
# the running daemon's state file, issue #10)
COUNTERS="xdpfw_dropped_bytes_total:counter xdpfw_dropped_packets_total:counter xdpfw_malformed_packets_total:counter xdpfw_non_ip_packets_total:counter xdpfw_passed_packets_total:counter xdpfw_repairs_total:counter xdpfw_rule_dropped_bytes_total:counter xdpfw_rule_dropped_packets_total:counter xdpfw_rules_in_force:gauge xdpfw_tamper_events_total:counter"
xdpfw stats -c "$CONF" --prometheus >"$TMP/ondemand.prom"
assert_eq "$?" 0 "xdpfw stats --prometheus: exit status"
out=$(prom check "$TMP/ondemand.prom")
assert_eq "$(sed -n 1p <<<"$out")" ok "xdpfw stats --prometheus: strict parse (TYPE before every metric)"
assert_eq "$(sed -n 2p <<<"$out")" "$COUNTERS" "xdpfw stats --prometheus: metrics and types"
assert_eq "$(prom rules "$TMP/ondemand.prom")" "$(json_rules "$J")" "stats --prometheus per-rule packets = stats --json"
assert_eq "$(prom get "$TMP/ondemand.prom" xdpfw_dropped_packets_total)" 600 "stats --prometheus xdpfw_dropped_packets_total"
for r in bad_eth bad_vlan vlan_depth bad_ip4 bad_ip6 bad_ip6_ext ip6_ext_depth bad_l4; do
	v=$(prom get "$TMP/ondemand.prom" xdpfw_malformed_packets_total reason "$r")
	[ "$v" = 0 ] || fail "xdpfw_malformed_packets_total{reason=\"$r\"}: expected 0, got $v"
done
out=$(prom check "$F")
assert_eq "$(sed -n 1p <<<"$out")" ok "textfile: strict parse"
assert_eq "$(sed -n 2p <<<"$out" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
	"$(printf '%s\n' $COUNTERS xdpfw_last_reload_duration_seconds:gauge \
		xdpfw_last_reload_success:gauge xdpfw_last_reload_timestamp_seconds:gauge \
		xdpfw_reloads_total:counter | sort | tr '\n' ' ' | sed 's/ $//')" \
	"textfile: metrics and types"

# ----------------------------------------------------- 4. --top and table
log "--- --top 1, table"
J1=$(xdpfw stats -c "$CONF" --top 1 --json)
assert_eq "$?" 0 "xdpfw stats --top 1 --json: exit status"
assert_eq "$(json_rules "$J1")" "$R1=300" "stats --top 1 --json: exactly the rule with most packets"
assert_eq "$(total dropped_packets "$J1")" 600 "stats --top 1 --json: totals still over every rule"
xdpfw stats -c "$CONF" >"$TMP/table"
assert_eq "$?" 0 "xdpfw stats (table): exit status"
sed 's/^/    /' "$TMP/table"
# Rows between the header and the first blank line: RULE PACKETS BYTES.
rows=$(awk 'NR == 1 { next } /^$/ { exit } { print $1 "=" $2 }' "$TMP/table" | tr '\n' ' ' | sed 's/ $//')
assert_eq "$rows" "$R1=300 $R2=200 $R3=100 $R4=0" "table rows, sorted by packets"
assert_eq "$(head -n1 "$TMP/table" | tr -s ' ')" "RULE PACKETS BYTES" "table header"
if grep -q '^4 rules in force; dropped 600 packets' "$TMP/table"; then pass "table summary line"
else fail "table summary line: $(grep 'rules in force' "$TMP/table")"; fi

# ---------------------------------- 5. remove, re-add, reject: monotonic
log "--- remove $R2, re-add it, a rejected file; totals sampled every ~50 ms"
# A sampler reads total.dropped_packets and the textfile's
# xdpfw_dropped_packets_total throughout; they must never go down.
: >"$TMP/samples"
rm -f "$TMP/stop-sampler"
(
	end=$(($(now_ms) + 60000 * TIME_SCALE))
	while [ ! -e "$TMP/stop-sampler" ] && [ "$(now_ms)" -lt "$end" ]; do
		j=$(XDPFW_RUN_DIR=$TMP/run "$XDPFW" stats -c "$CONF" --json 2>/dev/null) &&
			echo "json $(printf '%s' "$j" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"]["dropped_packets"])')"
		cp "$PROM" "$TMP/sampler.prom" 2>/dev/null &&
			echo "prom $("$PY" "$TMP/prom.py" get "$TMP/sampler.prom" xdpfw_dropped_packets_total)"
		sleep 0.05
	done
) >>"$TMP/samples" 2>/dev/null &
SAMPLER=$!
BG_PIDS+=("$SAMPLER")

MARK=$(log_lines)
write_rules "$R1" "$R3" "$R4"
line=$(wait_log "$MARK" 'reload \(inotify\): .*0 added, 1 removed, 3 unchanged' 5)
assert_eq "$?" 0 "reload removing $R2 logged"
J=$(stats_json)
assert_eq "$(rule_packets "$R2" "$J")" absent "$R2 after its removal"
assert_eq "$(rule_packets "$R1" "$J") $(rule_packets "$R3" "$J")" "300 100" "R1 R3 unchanged by the removal"
assert_eq "$(total dropped_packets "$J")" 600 "total dropped after the removal (not lowered)"
b2=$(nft_count b2)
send2 20 >/dev/null
send1 50 >/dev/null
settle
assert_eq "$(nft_count b2)" $((b2 + 20)) "$R2's packets pass while it is removed"
wait_textfile_write || fail "the textfile was not rewritten within 5 s"
F=$(snap_textfile)
assert_eq "$(prom_rule "$F" "$R2")" absent "textfile: no $R2 series while it is removed"
assert_eq "$(prom get "$F" xdpfw_dropped_packets_total)" 650 "textfile total while $R2 is removed"

MARK=$(log_lines)
write_rules "$R1" "$R2" "$R3" "$R4"
line=$(wait_log "$MARK" 'reload \(inotify\): .*1 added, 0 removed, 3 unchanged' 5)
assert_eq "$?" 0 "reload re-adding $R2 logged"
J=$(stats_json)
assert_eq "$(rule_packets "$R2" "$J")" 0 "$R2 re-added: restarts at zero (not 200)"
assert_eq "$(rule_packets "$R1" "$J") $(rule_packets "$R3" "$J")" "350 100" "R1 R3 keep their counts"
send2 25 >/dev/null
send1 40 >/dev/null
settle
J=$(stats_json)
assert_eq "$(rule_packets "$R1" "$J") $(rule_packets "$R2" "$J") $(rule_packets "$R3" "$J")" \
	"390 25 100" "after 40 at R1 and 25 at the re-added R2"
assert_eq "$(total dropped_packets "$J")" 715 "total dropped: 600 + 50 + 25 + 40"

MARK=$(log_lines)
write_rules "$R1" "$R2" "$R3" "$R4" "203.0.113.300"
wait_log "$MARK" 'keeping 4 rules in force' 5 >/dev/null
assert_eq "$?" 0 "a rejected file keeps 4 rules in force"
send3 10 >/dev/null
settle
J=$(stats_json)
assert_eq "$(json_rules "$J")" \
	"$(printf '%s\n' "$R1=390" "$R2=25" "$R3=110" "$R4=0" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"counts after the rejected file"
wait_textfile_write || fail "the textfile was not rewritten within 5 s"
F=$(snap_textfile)
assert_eq "$(prom get "$F" xdpfw_reloads_total result ok) $(prom get "$F" xdpfw_reloads_total result rejected)" \
	"3 1" "textfile reloads ok / rejected"
assert_eq "$(prom get "$F" xdpfw_last_reload_success)" 0 "textfile xdpfw_last_reload_success after the rejected file"
assert_eq "$(prom get "$F" xdpfw_dropped_packets_total)" 725 "textfile total dropped"
MARK=$(log_lines)
write_rules "$R1" "$R2" "$R3" "$R4"
wait_log "$MARK" 'reload \(inotify\): .*0 added, 0 removed, 4 unchanged' 5 >/dev/null
assert_eq "$?" 0 "the valid file again: nothing changes"
assert_eq "$(wait_journal_dropped "$MARK0" 725)" 725 "journal: sum of 'dropped N packets' since the first send"

# ------------------------------------------------------------ 6. restart
log "--- daemon restart"
J=$(stats_json)
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
assert_eq "$(json_rules "$(stats_json)")" "$(json_rules "$J")" "counts read while the daemon is down"
MARK=$(log_lines)
start_daemon
J2=$(stats_json)
assert_eq "$(json_rules "$J2")" "$(json_rules "$J")" "counts after the restart"
assert_eq "$(total dropped_packets "$J2") $(total dropped_bytes "$J2")" \
	"$(total dropped_packets "$J") $(total dropped_bytes "$J")" "totals after the restart"
# The new daemon's first sample is a baseline: no replay of old drops.
wait_textfile_write 3
assert_eq "$?" 0 "textfile rewritten in 3 intervals after the restart"
assert_eq "$(stats_lines "$MARK")" 0 "journal: no stats line after the restart without traffic"
F=$(snap_textfile)
assert_eq "$(prom rules "$F")" "$(json_rules "$J")" "textfile per-rule packets after the restart"
assert_eq "$(prom get "$F" xdpfw_dropped_packets_total)" 725 "textfile total dropped after the restart"
assert_eq "$(prom get "$F" xdpfw_reloads_total result ok) $(prom get "$F" xdpfw_reloads_total result rejected)" \
	"1 0" "textfile reloads ok / rejected of the new daemon"
MARK=$(log_lines)
send3 10 >/dev/null
line=$(wait_log "$MARK" 'stats: dropped' 4)
log "    $line"
re='stats: dropped 10 packets \([0-9]+ pps, '$((10 * V6_UDP))' bytes\), passed [0-9]+ in [0-9]+ s; top: \[2001:db8::53\]:53/udp 10 \([0-9]+ pps\)$'
if [[ "$line" =~ $re ]]; then pass "journal after the restart: only the 10 new drops"
else fail "journal after the restart: expected /$re/, got '$line'"; fi
settle
assert_eq "$(rule_packets "$R3")" 120 "$R3 keeps counting after the restart"

touch "$TMP/stop-sampler"
wait "$SAMPLER"
BG_PIDS=()
for src in json prom; do
	res=$(awk -v s="$src" '$1 == s { n++; if ($2 !~ /^[0-9]+$/) bad++; else { if (n > 1 && $2 < last) down++; last = $2 } }
		END { printf "%d %d %d %s\n", n, bad + 0, down + 0, last }' "$TMP/samples")
	read -r n bad down last <<<"$res"
	log "    sampler ($src): $n samples, last $last"
	assert_ge "$n" 20 "samples of the $src total"
	assert_eq "$bad $down" "0 0" "$src total: unreadable samples, decreases"
done
assert_eq "$(total dropped_packets)" 735 "total dropped at the end (600 + 50 + 25 + 40 + 10 + 10)"
assert_eq "$(nft_count b1) $(nft_count b3)" "0 0" "R1 R3 behind XDP over the whole test"
stop_daemon TERM
assert_eq "$DAEMON_RC" 0 "daemon exit status on SIGTERM"
finish
