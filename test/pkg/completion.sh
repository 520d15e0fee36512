#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# completion: the bash completion completes the sub-commands, each
# command's options, file names after -c and for check's RULES_FILE (and
# - for standard input).  Runs the completion function as bash would, with
# bash-completion loaded.
# Usage: completion.sh COMPLETION_FILE XDPFW   (no privilege needed)
set -u -o pipefail

COMP=$1
XDPFW=$2
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || { echo "FAIL: $BC missing (install bash-completion)"; exit 1; }

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/bin"
ln -s "$(realpath "$XDPFW")" "$TMP/bin/xdpfw"
touch "$TMP/my.conf" "$TMP/rules-a.txt"

# complete LINE: the completions of LINE (the cursor at its end), sorted.
complete_line() {
	PATH=$TMP/bin:$PATH bash --norc --noprofile -c '
		. "$1"; . "$2"; cd "$3" || exit 1
		read -r -a COMP_WORDS <<<"$4"
		[[ $4 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$4; COMP_POINT=${#4}
		_xdpfw xdpfw "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BC" "$COMP" "$TMP" "$1" | sort
}

FAILS=0
# expect LINE WORD...: every WORD is among the completions of LINE.
expect() {
	local line=$1 got w
	shift
	got=$(complete_line "$line")
	for w in "$@"; do
		if grep -qx -- "$w" <<<"$got"; then
			echo "ok: '$line' offers $w"
		else
			echo "FAIL: '$line' does not offer $w (got: $(echo "$got" | tr '\n' ' '))"
			FAILS=$((FAILS + 1))
		fi
	done
}
# expect_not LINE WORD: WORD is not offered.
expect_not() {
	if complete_line "$1" | grep -x -- "$2" >/dev/null; then # (no -q: pipefail, SIGPIPE)
		echo "FAIL: '$1' offers $2"
		FAILS=$((FAILS + 1))
	else
		echo "ok: '$1' does not offer $2"
	fi
}

mapfile -t cmds < <("$XDPFW" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "${#cmds[@]}" -ge 5 ] || { echo "FAIL: only ${#cmds[@]} commands in xdpfw --help"; exit 1; }
expect "xdpfw " "${cmds[@]}"
expect "xdpfw ch" check
expect_not "xdpfw ch" run
expect "xdpfw --" --help --version
for c in "${cmds[@]}"; do
	mapfile -t opts < <("$XDPFW" "$c" --help | sed -n 's/^ \{1,\}\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p')
	expect "xdpfw $c --" "${opts[@]}"
done
expect "xdpfw stats --j" --json
expect "xdpfw check -c " my.conf rules-a.txt
expect "xdpfw run --config my" my.conf
expect "xdpfw check -c my.conf rul" rules-a.txt
expect "xdpfw check " - rules-a.txt
expect_not "xdpfw stats --top " my.conf

if [ "$FAILS" -gt 0 ]; then echo "$FAILS failed"; exit 1; fi
echo "all passed"
