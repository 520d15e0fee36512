#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check: `xdpfw check` and the command line's exit statuses (SPEC §4):
# 0 success, 1 invalid input, 2 usage error; every bad rules line is printed
# to stderr as PATH:LINE:COL: message, one summary line to stdout; `-` reads
# standard input; a config `run` refuses (no interfaces) fails check too.
# Needs no privilege.
. "$(dirname "$0")/lib.sh"

make_tmp

cat >"$CONF" <<EOF
[agent]
interfaces = lo
rules = $TMP/none.txt
rules_dir =
pin_dir = $TMP/pins
; the host's resolvers and gateways are not this test's subject (safety.sh)
protect = none
EOF

# run_cli OUTFILE ARGS...: run xdpfw, stdout to OUTFILE.stdout, stderr to
# OUTFILE.stderr, both to OUTFILE (stdout first); echo the exit status.
run_cli() {
	local out=$1 rc
	shift
	timeout 20 "$XDPFW" "$@" >"$out.stdout" 2>"$out.stderr"
	rc=$?
	cat "$out.stdout" "$out.stderr" >"$out"
	echo "$rc"
}

# one_summary OUTFILE WHAT: stdout is exactly one line and carries no
# diagnostic (PATH:LINE:COL).
one_summary() {
	assert_eq "$(wc -l <"$1.stdout")" 1 "$2: lines on stdout"
	assert_eq "$(grep -Ec ':[0-9]+:[0-9]+: ' "$1.stdout")" 0 "$2: diagnostics on stdout"
}

# ---- a rules file with errors
GOOD="$TMP/good.txt"
cat >"$GOOD" <<'EOF'
# every kind of entry
203.0.113.7
10.0.2.2:30000
10.0.2.2:30000/udp
198.51.100.0/24
198.51.100.0/24:443/tcp
0.0.0.0/0:11211/udp
2001:db8::1
2001:db8::/32
[2001:db8::1]:53/udp
[2001:db8::/48]:443
  192.0.2.1   # surrounding blanks and a comment

EOF
printf '203.0.113.9\r\n198.51.100.7:80/tcp\r\n' >>"$GOOD"   # CRLF

BAD="$TMP/bad.txt"
# Lines 2, 4, 5, 6, 7, 8, 9, 10, 11, 12 are bad; 1, 3, 13 are good.
cat >"$BAD" <<'EOF'
203.0.113.7
10.0.0.1/24
198.51.100.1
300.1.2.3
1.2.3.4:0
1.2.3.4:70000
1.2.3.4:80/icmp
1.2.3.4/33
[2001:db8::1:53
2001:db8::zz
hello world
1.2.3.4/udp
# a comment
EOF
BAD_LINES="2 4 5 6 7 8 9 10 11 12"

rc=$(run_cli "$TMP/out" check -c "$CONF" "$BAD")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 1 "check of a file with errors: exit status"
one_summary "$TMP/out" "check of a file with errors"
for l in $BAD_LINES; do
	if grep -Eq "^$BAD:$l:[0-9]+: " "$TMP/out.stderr"; then
		pass "error reported as $BAD:$l:COL"
	else
		fail "no '$BAD:$l:COL: message' line in the output"
	fi
done
for l in 1 3 13; do
	if grep -Eq "^$BAD:$l:[0-9]+: " "$TMP/out"; then
		fail "good line $l reported as bad"
	else
		pass "good line $l not reported"
	fi
done
assert_eq "$(grep -Ec "^$BAD:[0-9]+:[0-9]+: " "$TMP/out.stderr")" 10 "number of PATH:LINE:COL lines on stderr"
# The column points into the line: 10.0.0.1/24 is wrong in its prefix part.
col=$(sed -n "s|^$BAD:2:\([0-9]*\): .*|\1|p" "$TMP/out" | head -n1)
if [[ "$col" =~ ^[0-9]+$ ]] && [ "$col" -ge 1 ] && [ "$col" -le 12 ]; then
	pass "column of the host-bits error is within the entry ($col)"
else
	fail "column of the host-bits error: '$col'"
fi
# A one-line summary.
if grep -q "^$BAD: 10 errors" "$TMP/out.stdout"; then pass "the summary on stdout names the file"
else fail "no summary line naming $BAD on stdout"; fi

# ---- a good file
rc=$(run_cli "$TMP/out" check -c "$CONF" "$GOOD")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 0 "check of a good file: exit status"
one_summary "$TMP/out" "check of a good file"
assert_eq "$(cat "$TMP/out.stdout")" "$GOOD: OK, 13 entries, 0 warnings" "summary of a good file"
assert_eq "$(wc -c <"$TMP/out.stderr")" 0 "bytes on stderr for a good file"
assert_eq "$(grep -Ec "^$GOOD:[0-9]+:[0-9]+: " "$TMP/out")" 0 "diagnostics for a good file"

# ---- the rules file of the config, no argument
cp "$GOOD" "$TMP/none.txt"
rc=$(run_cli "$TMP/out" check -c "$CONF")
assert_eq "$rc" 0 "check of the config's rules file: exit status"
rm -f "$TMP/none.txt"

# ---- standard input: `-`
timeout 20 "$XDPFW" check -c "$CONF" - <"$GOOD" >"$TMP/out.stdout" 2>"$TMP/out.stderr"
assert_eq "$?" 0 "check - of the good file on stdin: exit status"
assert_eq "$(cat "$TMP/out.stdout")" "-: OK, 13 entries, 0 warnings" "summary of stdin"
timeout 20 "$XDPFW" check -c "$CONF" - <"$BAD" >"$TMP/out.stdout" 2>"$TMP/out.stderr"
assert_eq "$?" 1 "check - of the bad file on stdin: exit status"
assert_eq "$(grep -Ec '^-:[0-9]+:[0-9]+: ' "$TMP/out.stderr")" 10 "stdin diagnostics as -:LINE:COL on stderr"
one_summary "$TMP/out" "check - of the bad file"
timeout 20 "$XDPFW" check -c "$CONF" - </dev/null >"$TMP/out.stdout" 2>"$TMP/out.stderr"
assert_eq "$?" 0 "check - of an empty stdin: exit status"
# A pipe is read as it comes (the regular-file rule is for named files).
sed -n p "$GOOD" | timeout 20 "$XDPFW" check -c "$CONF" - >"$TMP/out.stdout" 2>"$TMP/out.stderr"
assert_eq "$?" 0 "check - from a pipe: exit status"

# ---- a missing file
rc=$(run_cli "$TMP/out" check -c "$CONF" "$TMP/missing.txt")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 1 "check of a missing file: exit status"
if grep -q "$TMP/missing.txt" "$TMP/out.stderr"; then pass "the message on stderr names the missing file"
else fail "the message on stderr does not name $TMP/missing.txt"; fi
one_summary "$TMP/out" "check of a missing file"

# ---- duplicates are a warning, not an error
printf '203.0.113.7\n198.51.100.1\n203.0.113.7\n' >"$TMP/dup.txt"
rc=$(run_cli "$TMP/out" check -c "$CONF" "$TMP/dup.txt")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 0 "check of a file with a duplicate: exit status"
if grep -q "$TMP/dup.txt:3:" "$TMP/out.stderr" && grep -qi "warning" "$TMP/out.stderr"; then
	pass "the duplicate is a warning on line 3"
else
	fail "no warning naming line 3 for the duplicate"
fi

# ---- bad configs
BADCONF="$TMP/bad.conf"
cat >"$BADCONF" <<EOF
[agent]
interfaces = lo
frobnicate = yes
rules = $GOOD
EOF
rc=$(run_cli "$TMP/out" check -c "$BADCONF" "$GOOD")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 1 "check with an unknown config key: exit status"
if grep -q "$BADCONF:3" "$TMP/out"; then pass "the unknown key is reported at $BADCONF:3"
else fail "no '$BADCONF:3' in the output"; fi

cat >"$BADCONF" <<EOF
[agent]
interfaces = lo

[nonsense]
x = 1
EOF
rc=$(run_cli "$TMP/out" check -c "$BADCONF" "$GOOD")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 1 "check with an unknown section: exit status"
if grep -Eq "$BADCONF:[45]" "$TMP/out"; then pass "the unknown section is reported with its line"
else fail "no '$BADCONF:4' (or :5) in the output"; fi

cat >"$BADCONF" <<EOF
[agent]
interfaces = lo
reload_delay_ms = soon
xdp_mode = turbo
EOF
rc=$(run_cli "$TMP/out" check -c "$BADCONF" "$GOOD")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 1 "check with bad values: exit status"
if grep -q "$BADCONF:3" "$TMP/out" && grep -q "$BADCONF:4" "$TMP/out"; then
	pass "both bad values are reported with their lines"
else
	fail "expected $BADCONF:3 and $BADCONF:4 in the output"
fi

rc=$(run_cli "$TMP/out" check -c "$TMP/no-such.conf" "$GOOD")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 1 "check with a missing -c config: exit status"

# ---- help and usage
rc=$(run_cli "$TMP/out" --help)
assert_eq "$rc" 0 "xdpfw --help: exit status"
for c in run check stats list reload detach; do
	grep -q "$c" "$TMP/out" || fail "xdpfw --help does not list '$c'"
done
for c in run check stats list reload detach; do
	rc=$(run_cli "$TMP/out" "$c" --help)
	assert_eq "$rc" 0 "xdpfw $c --help: exit status"
	if grep -q "Usage: xdpfw $c" "$TMP/out"; then pass "xdpfw $c --help prints its usage"
	else fail "xdpfw $c --help prints no 'Usage: xdpfw $c'"; fi
done
rc=$(run_cli "$TMP/out" frobnicate)
assert_eq "$rc" 2 "unknown sub-command: exit status"
rc=$(run_cli "$TMP/out")
assert_eq "$rc" 2 "no sub-command: exit status"
rc=$(run_cli "$TMP/out" check --bogus-option)
assert_eq "$rc" 2 "unknown option: exit status"
rc=$(run_cli "$TMP/out" check -c "$CONF" "$GOOD" "$GOOD")
assert_eq "$rc" 2 "check with two files: exit status"
rc=$(run_cli "$TMP/out" stats --json --prometheus -c "$CONF")
assert_eq "$rc" 2 "stats --json --prometheus: exit status"

# ---- run refuses a config without interfaces (invalid input, before BPF)
cat >"$BADCONF" <<EOF
[agent]
rules = $GOOD
rules_dir =
pin_dir = $TMP/pins
EOF
rc=$(run_cli "$TMP/out" run -c "$BADCONF")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 1 "run without [agent] interfaces: exit status"
# ... and so does check, with the reason on stderr and a summary saying so.
rc=$(run_cli "$TMP/out" check -c "$BADCONF")
sed 's/^/    /' "$TMP/out"
assert_eq "$rc" 1 "check without [agent] interfaces: exit status"
one_summary "$TMP/out" "check without interfaces"
if grep -q "interfaces" "$TMP/out.stderr"; then pass "check names the missing interfaces on stderr"
else fail "check does not name the missing interfaces on stderr"; fi
if grep -q "invalid config" "$TMP/out.stdout"; then pass "the summary says the config is invalid"
else fail "the summary does not say the config is invalid: $(cat "$TMP/out.stdout")"; fi

finish
