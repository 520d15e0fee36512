#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# man-pages: the man pages are complete and render cleanly.
#   - every sub-command of `xdpfw --help` and every option that
#     `xdpfw COMMAND --help` lists is in xdpfw(8);
#   - every config key of the key table in agent/ (config*.c) is in
#     xdpfw.conf(5);
#   - `man -l --warnings` (and groff -ww, when present) renders each page
#     without a warning.
# Usage: man-pages.sh XDPFW AGENT_DIR PAGE...   (no privilege needed)
set -u -o pipefail

XDPFW=$1
AGENT_DIR=$2
shift 2
FAILS=0
CHECKS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); CHECKS=$((CHECKS + 1)); }
pass() { CHECKS=$((CHECKS + 1)); }

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

page8='' page_conf='' page_rules=''
for p in "$@"; do
	case $(basename "$p") in
	xdpfw.8) page8=$p ;;
	xdpfw.conf.5) page_conf=$p ;;
	xdpfw.rules.5) page_rules=$p ;;
	esac
done
if [ -z "$page8" ] || [ -z "$page_conf" ] || [ -z "$page_rules" ]; then
	echo "FAIL: need xdpfw.8, xdpfw.conf.5 and xdpfw.rules.5, got: $*"
	exit 1
fi

# render PAGE: plain text at 80 columns; warnings to PAGE.warn.
render() {
	local out
	out=$TMP/$(basename "$1")
	MANWIDTH=80 man -l --warnings -E ascii "$1" \
		>"$out.txt" 2>"$out.warn"
	if command -v groff >/dev/null 2>&1; then
		groff -ww -man -z "$1" 2>>"$out.warn"
	fi
	if [ -s "$out.warn" ]; then
		fail "$(basename "$1") renders with warnings: $(head -n 5 "$out.warn")"
	else
		pass
	fi
	if [ "$(wc -l <"$out.txt")" -lt 20 ]; then
		fail "$(basename "$1") renders to $(wc -l <"$out.txt") lines"
	fi
}
for p in "$page8" "$page_conf" "$page_rules"; do render "$p"; done
T8=$TMP/xdpfw.8.txt
TCONF=$TMP/xdpfw.conf.5.txt

# The sub-commands, as the binary lists them.
mapfile -t cmds < <("$XDPFW" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "${#cmds[@]}" -ge 5 ] || fail "found only ${#cmds[@]} commands in xdpfw --help"
for c in "${cmds[@]}"; do
	if grep -Eq "^ {7}$c( |$)" "$T8" && grep -q "xdpfw $c" "$T8"; then pass
	else fail "xdpfw(8) does not describe the command '$c'"; fi
	# Its options: "  -c, --config PATH" and "      --json" lines.
	mapfile -t opts < <("$XDPFW" "$c" --help |
		sed -n 's/^ \{1,\}\(-[a-zA-Z]\)\{0,1\}\(, \)\{0,1\}\(--[a-z][a-z-]*\).*/\1 \3/p' |
		tr ' ' '\n' | sed '/^$/d')
	[ "${#opts[@]}" -ge 2 ] || fail "found only ${#opts[@]} options in xdpfw $c --help"
	for o in "${opts[@]}"; do
		if grep -Eq -- "(^|[^a-zA-Z0-9-])$o([^a-zA-Z0-9-]|$)" "$T8"; then pass
		else fail "xdpfw(8) does not mention the option $o of '$c'"; fi
	done
done
for o in --help --version; do
	if grep -q -- "$o" "$T8"; then pass; else fail "xdpfw(8) does not mention $o"; fi
done
for s in "EXIT STATUS" SIGNALS FILES OPTIONS COMMANDS; do
	if grep -q "^$s" "$T8"; then pass; else fail "xdpfw(8) has no $s section"; fi
done
for code in 0 1 2 3; do
	if grep -Eq "^ +$code$" "$T8"; then pass; else fail "xdpfw(8) does not list exit status $code"; fi
done

# The config keys, from the key table ({ SEC_AGENT, "interfaces", ...).
mapfile -t keys < <(cat "$AGENT_DIR"/config*.c |
	grep -oE '\{ *SEC_[A-Z]+, *"[a-z_]+"' | sed 's/.*"\(.*\)"/\1/' | sort -u)
[ "${#keys[@]}" -ge 10 ] || fail "found only ${#keys[@]} keys in $AGENT_DIR/config*.c"
for k in "${keys[@]}"; do
	if grep -Eq "^ {7}$k( =|$)" "$TCONF"; then pass
	else fail "xdpfw.conf(5) does not describe the key '$k'"; fi
done
for s in agent stats; do
	if grep -q "\[$s\]" "$TCONF"; then pass; else fail "xdpfw.conf(5) has no [$s]"; fi
done

if [ "$FAILS" -gt 0 ]; then
	echo "$FAILS of $CHECKS checks failed"
	exit 1
fi
echo "all $CHECKS checks passed (${#cmds[@]} commands, ${#keys[@]} config keys)"
