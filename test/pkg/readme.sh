#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# readme: what README.md names exists and what it shows works.
#   - every repository path it names (scripts/..., docs/..., build/...)
#     exists (build/ is the build directory given);
#   - the commands table and `xdpfw --help` list the same commands, and
#     each row's options are in that command's --help;
#   - the rules example passes `xdpfw check`;
#   - the Installing section's commands: scripts/package.sh is there, and
#     its sed (run on a copy of conf/xdpfw.conf) and echo (on a copy of the
#     shipped rules) make a config that `xdpfw check` accepts.
# Usage: readme.sh SOURCE_DIR BUILD_DIR XDPFW   (no privilege needed)
set -u -o pipefail

SRC=$1
BUILD=$2
XDPFW=$3
README=$SRC/README.md
FAILS=0
CHECKS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); CHECKS=$((CHECKS + 1)); }
pass() { echo "ok: $*"; CHECKS=$((CHECKS + 1)); }

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
umask 022

# ---- paths
mapfile -t paths < <(grep -oE '(^|[ `(])(\.ci|agent|bench|build|conf|docs|ebpf|packaging|scripts|shared|test)/[A-Za-z0-9_./*-]*' "$README" |
	sed -E 's/^[ `(]//; s/[.]$//' | sort -u)
[ "${#paths[@]}" -ge 10 ] || fail "found only ${#paths[@]} paths in README.md"
for p in "${paths[@]}"; do
	case $p in
	build/*) f=$BUILD/${p#build/} ;;
	*) f=$SRC/$p ;;
	esac
	# A path may be a glob (test/fuzz/*).
	if compgen -G "$f" >/dev/null; then pass "$p exists"; else fail "README.md names $p, which does not exist"; fi
done

# ---- the commands table
mapfile -t rows < <(grep -E '^\| `xdpfw [a-z]+' "$README")
mapfile -t cmds < <("$XDPFW" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "${#cmds[@]}" -ge 5 ] || fail "found only ${#cmds[@]} commands in xdpfw --help"
for c in "${cmds[@]}"; do
	# grep reads all of its input (no -q): with pipefail, a grep that
	# stops at the first match can SIGPIPE printf and fail the pipeline.
	if printf '%s\n' "${rows[@]}" | grep "^| \`xdpfw $c " >/dev/null; then pass "the table lists $c"
	else fail "the commands table does not list '$c' (xdpfw --help does)"; fi
done
for r in "${rows[@]}"; do
	c=$(sed -E 's/^\| `xdpfw ([a-z]+).*/\1/' <<<"$r")
	if ! "$XDPFW" "$c" --help >"$TMP/help" 2>&1; then
		fail "the table lists '$c', but xdpfw $c --help fails"
		continue
	fi
	# The usage between the first pair of backquotes, and its options.
	usage=${r#*\`}
	usage=${usage%%\`*}
	while read -r o; do
		if grep -q -- "$o" "$TMP/help"; then pass "xdpfw $c takes $o"
		else fail "the table shows $o for '$c', xdpfw $c --help does not"; fi
	done < <(grep -oE -- '--?[a-zA-Z][a-z-]*' <<<"$usage")
done

# ---- the rules example (the block that starts "# /etc/xdpfw/rules.txt")
awk '/^# \/etc\/xdpfw\/rules.txt/ { on = 1 } on && /^```/ { exit } on' "$README" >"$TMP/rules.txt"
[ -s "$TMP/rules.txt" ] || fail "no rules example in README.md"
printf '[agent]\ninterfaces = lo\nrules = %s\n' "$TMP/rules.txt" >"$TMP/test.conf"
if "$XDPFW" check -c "$TMP/test.conf" - <"$TMP/rules.txt" >"$TMP/out" 2>&1; then
	pass "the rules example passes xdpfw check: $(cat "$TMP/out")"
else
	fail "the rules example fails xdpfw check: $(cat "$TMP/out")"
fi

# ---- Installing
if [ -x "$SRC/scripts/package.sh" ]; then pass "scripts/package.sh is executable"
else fail "scripts/package.sh is not executable"; fi
sedcmd=$(sed -n '/^## Installing/,/^## /p' "$README" | grep -E '^ *sed -i ' | head -n 1)
echocmd=$(sed -n '/^## Installing/,/^## /p' "$README" | grep -E '^ *echo .*>> /etc/xdpfw/rules.txt' | head -n 1)
if [ -n "$sedcmd" ] && [ -n "$echocmd" ]; then
	cp "$SRC/conf/xdpfw.conf" "$TMP/xdpfw.conf"
	cp "$SRC/packaging/rules.txt" "$TMP/installed-rules.txt"
	sedcmd=${sedcmd//\/etc\/xdpfw\/xdpfw.conf/$TMP/xdpfw.conf}
	echocmd=${echocmd//\/etc\/xdpfw\/rules.txt/$TMP/installed-rules.txt}
	(cd "$TMP" && eval "$sedcmd" && eval "$echocmd") || fail "the Installing commands fail"
	sed -i "s|^rules = .*|rules = $TMP/installed-rules.txt|" "$TMP/xdpfw.conf"
	# The README's interface does not need to exist for check.
	if "$XDPFW" check -c "$TMP/xdpfw.conf" >"$TMP/out" 2>&1; then
		pass "after the Installing steps, xdpfw check passes: $(cat "$TMP/out")"
	else
		fail "after the Installing steps, xdpfw check fails: $(cat "$TMP/out")"
	fi
	if "$XDPFW" check -c "$SRC/conf/xdpfw.conf" >/dev/null 2>&1; then
		fail "xdpfw check accepts the shipped config without interfaces"
	else
		pass "xdpfw check refuses the shipped config before step 3"
	fi
else
	fail "no 'sed -i ...' and 'echo ... >> /etc/xdpfw/rules.txt' in Installing"
fi

if [ "$FAILS" -gt 0 ]; then echo "$FAILS of $CHECKS checks failed"; exit 1; fi
echo "all $CHECKS checks passed"
