#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# unit-security: the built xdpfw.service passes `systemd-analyze verify`
# and `systemd-analyze security --offline=yes` scores it at most MAX
# (default 3.0; the unit scores well under it, see packaging/xdpfw.service.in).
# The ExecStart= binary is pointed at the build's (verify checks it exists).
# Usage: unit-security.sh UNIT XDPFW [MAX]   (no privilege needed)
set -u -o pipefail

UNIT=$1
XDPFW=$2
MAX=${3:-3.0}

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
command -v systemd-analyze >/dev/null 2>&1 || { echo "FAIL: no systemd-analyze (install systemd)"; exit 1; }

installed=$(sed -n 's|^ExecStart=\([^ ]*\)/xdpfw run$|\1|p' "$UNIT")
[ -n "$installed" ] || { echo "FAIL: no 'ExecStart=DIR/xdpfw run' in $UNIT"; exit 1; }
sed "s|$installed/xdpfw|$XDPFW|g" "$UNIT" >"$TMP/xdpfw.service"

rc=0
if systemd-analyze verify --man=no "$TMP/xdpfw.service" >"$TMP/verify" 2>&1 &&
	[ ! -s "$TMP/verify" ]; then
	echo "ok: systemd-analyze verify: no complaint"
else
	echo "FAIL: systemd-analyze verify:"; sed 's/^/    /' "$TMP/verify"
	rc=1
fi

(cd "$TMP" && systemd-analyze security --offline=yes --no-pager ./xdpfw.service) >"$TMP/sec" 2>&1
score=$(sed -n 's/.*Overall exposure level for xdpfw.service: \([0-9.]*\).*/\1/p' "$TMP/sec")
if [ -z "$score" ]; then
	echo "FAIL: no exposure level from systemd-analyze security:"; sed 's/^/    /' "$TMP/sec"
	exit 1
fi
grep '^✗' "$TMP/sec" | sed 's/^/    /'
if awk -v s="$score" -v m="$MAX" 'BEGIN { exit !(s <= m) }'; then
	echo "ok: exposure $score <= $MAX"
else
	echo "FAIL: exposure $score > $MAX"
	rc=1
fi
exit "$rc"
