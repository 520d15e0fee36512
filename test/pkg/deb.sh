#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deb: the Debian package, installed, used, upgraded while it enforces,
# removed and purged on this machine (CI runs it as root on a throwaway
# machine; it fails rather than touch an xdpfw already installed here).
#   - scripts/package.sh builds it (lintian-clean); a second .deb with a
#     bumped version is the same package repacked;
#   - dpkg -L: the binary, the unit, man pages, completion, docs, examples,
#     /etc/xdpfw with its two conffiles; every file root-owned and not
#     writable by group or others;
#   - the installed `xdpfw check` refuses the shipped config (no interfaces)
#     and accepts it once interfaces is set; the installed unit passes
#     systemd-analyze verify and scores <= 3.0;
#   - the installed binary enforces, configured by editing the conffiles;
#   - upgrade while it enforces: not one packet from a blocked source gets
#     past XDP during dpkg -i and the daemon's restart (systemd is not PID 1
#     here, so the test restarts the daemon as the postinst's try-restart
#     would); the edited conffiles survive;
#   - remove keeps the config and detaches; purge removes /etc/xdpfw.
#
# Environment: XDPFW_SRC (the source tree), SENDPKT; XDPFW_DEB, a prebuilt
# .deb, skips the build.
# shellcheck disable=SC2119  # settle: optional argument
XDPFW=/usr/sbin/xdpfw
T_LIMIT=${T_LIMIT:-560}
. "$(dirname "$0")/../netns/lib.sh"

: "${XDPFW_SRC:?set XDPFW_SRC to the source tree}"
need_root_and_bpf
command -v dpkg >/dev/null 2>&1 || skip "needs dpkg"
if dpkg-query -W -f='${Status}' xdpfw 2>/dev/null | grep -Eq ' (installed|config-files)$'; then
	die "the package xdpfw is already on this machine: this test installs and purges it"
fi
[ -e /etc/xdpfw ] && die "/etc/xdpfw exists: this test installs and purges the package"

CONF=/etc/xdpfw/xdpfw.conf
RULES=/etc/xdpfw/rules.txt

# The package is purged whatever happens (then lib.sh's cleanup).
# shellcheck disable=SC2317  # called by the EXIT trap
pkg_cleanup() {
	local rc=$?
	if [ -n "$DAEMON_PID" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
	fi
	if dpkg-query -W -f='${Status}' xdpfw 2>/dev/null | grep -Eq ' (installed|config-files)$'; then
		log "cleanup: purging the package"
		dpkg -P xdpfw >/dev/null 2>&1
	fi
	(exit "$rc")
	cleanup
}
trap pkg_cleanup EXIT

# ---- build v1 and v2
if [ -n "${XDPFW_DEB:-}" ]; then
	DEB1=$XDPFW_DEB
else
	log "building the package (scripts/package.sh)"
	DEB_BUILD_OPTIONS=nocheck "$XDPFW_SRC/scripts/package.sh" "$TMP/deb" >"$TMP/build.log" 2>&1 ||
		{ tail -n 40 "$TMP/build.log"; die "scripts/package.sh failed"; }
	DEB1=$(tail -n 1 "$TMP/build.log")
	pass "scripts/package.sh built $(basename "$DEB1") (lintian: no error, no warning)"
fi
[ -f "$DEB1" ] || die "no package at $DEB1"
V1=$(dpkg-deb -f "$DEB1" Version)
V2=$V1+upgrade1
mkdir -p "$TMP/repack"
dpkg-deb -R "$DEB1" "$TMP/repack/x" || die "dpkg-deb -R"
sed -i "s/^Version: .*/Version: $V2/" "$TMP/repack/x/DEBIAN/control"
DEB2=$TMP/repack/xdpfw_${V2}.deb
dpkg-deb --root-owner-group -b "$TMP/repack/x" "$DEB2" >/dev/null || die "dpkg-deb -b"

# dpkg_install DEB: install it, pulling missing dependencies with apt-get.
dpkg_install() {
	dpkg -i "$1" >"$TMP/dpkg.log" 2>&1 && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -f -y -q >>"$TMP/dpkg.log" 2>&1 &&
		dpkg -i "$1" >>"$TMP/dpkg.log" 2>&1 && return 0
	cat "$TMP/dpkg.log"
	return 1
}

# ---- install v1
dpkg_install "$DEB1" || die "dpkg -i $DEB1"
assert_eq "$(dpkg-query -W -f='${Version}' xdpfw)" "$V1" "installed version"

# The files, their owners and modes.
dpkg -L xdpfw >"$TMP/files"
for f in /usr/sbin/xdpfw /lib/systemd/system/xdpfw.service \
	/etc/xdpfw/xdpfw.conf /etc/xdpfw/rules.txt /etc/xdpfw/rules.d \
	/usr/share/man/man8/xdpfw.8.gz /usr/share/man/man5/xdpfw.conf.5.gz \
	/usr/share/man/man5/xdpfw.rules.5.gz \
	/usr/share/bash-completion/completions/xdpfw \
	/usr/share/doc/xdpfw/copyright /usr/share/doc/xdpfw/examples/rules.txt \
	/usr/share/doc/xdpfw/examples/xdpfw.conf \
	/usr/share/doc/xdpfw/examples/fail2ban/xdpfw.conf \
	/usr/share/doc/xdpfw/examples/crowdsec/crowdsec-custom-bouncer.yaml \
	/usr/libexec/xdpfw/xdpfw-crowdsec /usr/libexec/xdpfw/xdpfw-feed \
	/lib/systemd/system/xdpfw-feed@.service /lib/systemd/system/xdpfw-feed@.timer; do
	if grep -qx "$f" "$TMP/files" && [ -e "$f" ]; then pass "installed: $f"
	else fail "dpkg -L xdpfw lacks $f (or it is missing)"; fi
done
if grep -q '^/usr/share/doc/xdpfw/README.md' "$TMP/files"; then pass "installed: README.md"
else fail "no README.md under /usr/share/doc/xdpfw"; fi
bad=$(while read -r f; do
	[ -e "$f" ] && [ ! -L "$f" ] || continue
	[ "$(stat -c %U:%G "$f")" = root:root ] || echo "$f owner $(stat -c %U:%G "$f")"
	[ $((0$(stat -c %a "$f") & 022)) = 0 ] || echo "$f mode $(stat -c %a "$f")"
done <"$TMP/files")
assert_eq "$bad" "" "files not root-owned or writable by group/others"
conffiles=$(dpkg-query -W -f='${Conffiles}\n' xdpfw | awk 'NF { print $1 }' | sort | tr '\n' ' ')
assert_eq "$conffiles" "/etc/xdpfw/rules.txt /etc/xdpfw/xdpfw.conf " "conffiles"
if [ -d /etc/xdpfw/rules.d ]; then pass "/etc/xdpfw/rules.d is a directory"; else fail "no /etc/xdpfw/rules.d"; fi

# check: the shipped config has no interface, so `run` (and check) refuse
# it; with interfaces set (in a copy) it passes.
"$XDPFW" check >"$TMP/out" 2>"$TMP/err"
assert_eq "$?" 1 "xdpfw check of the shipped config (interfaces commented out)"
if grep -q interfaces "$TMP/err"; then pass "check says interfaces is missing"
else fail "check does not name interfaces: $(cat "$TMP/err")"; fi
sed 's/^;interfaces = .*/interfaces = lo/' "$CONF" >"$TMP/conf-copy"
chmod 0600 "$TMP/conf-copy"
"$XDPFW" check -c "$TMP/conf-copy" >"$TMP/out" 2>"$TMP/err"
assert_eq "$?" 0 "xdpfw check of the shipped config with interfaces set ($(cat "$TMP/out"))"

# The installed unit and man pages.
if systemd-analyze verify /lib/systemd/system/xdpfw.service >"$TMP/verify" 2>&1 &&
	[ ! -s "$TMP/verify" ]; then
	pass "systemd-analyze verify of the installed unit (binary and man pages found)"
else
	fail "systemd-analyze verify: $(cat "$TMP/verify")"
fi
score=$(systemd-analyze security --offline=yes /lib/systemd/system/xdpfw.service 2>&1 |
	sed -n 's/.*Overall exposure level for xdpfw.service: \([0-9.]*\).*/\1/p')
if awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 3.0) }'; then
	pass "exposure of the installed unit: $score (<= 3.0)"
else
	fail "exposure of the installed unit: '$score'"
fi
for p in 8/xdpfw.8 5/xdpfw.conf.5 5/xdpfw.rules.5; do
	w=$(MANWIDTH=80 man -l --warnings -E ascii "/usr/share/man/man$p.gz" 2>&1 >/dev/null)
	assert_eq "$w" "" "warnings rendering the installed man$p"
done

# ---- configure it as an operator would (editing the conffiles), enforce
setup_net
nft_setup
nft_watch blocked "ip saddr 203.0.113.7"
sed -i -e "s|^;interfaces = .*|interfaces = $FW_IF|" -e "s|^pin_dir = .*|pin_dir = $PIN|" "$CONF"
echo "203.0.113.7                 # added by deb.sh" >>"$RULES"
"$XDPFW" check >/dev/null
assert_eq "$?" 0 "xdpfw check of the edited conffiles"
start_daemon
send_from 203.0.113.7 --count 20 >/dev/null
settle
assert_eq "$(rule_packets 203.0.113.7)" 20 "v$V1 drops 203.0.113.7"

# ---- upgrade while enforcing: a steady stream from the blocked source
# during dpkg -i and the restart; none of it may pass XDP.
before=$(rule_packets 203.0.113.7)
send_bg "$TMP/sent" 203.0.113.7 --count 60000 --rate 6000
SENDER=$!
sleep 0.5
ino1=$(stat -c %i "$XDPFW")
dpkg_install "$DEB2" || die "dpkg -i $DEB2"
assert_eq "$(dpkg-query -W -f='${Version}' xdpfw)" "$V2" "upgraded version"
if [ "$(stat -c %i "$XDPFW")" != "$ino1" ]; then pass "the binary was replaced"; else fail "the binary was not replaced"; fi
MARK=$(log_lines)
stop_daemon TERM                     # the postinst's try-restart, by hand
assert_eq "$DAEMON_RC" 0 "the old daemon's exit status"
start_daemon
if log_since "$MARK" | grep -q 'adopted pinned XDP link'; then pass "the new daemon adopted the pinned link"
else fail "no 'adopted pinned XDP link' in the new daemon's log"; fi
wait "$SENDER"
sent=$(cat "$TMP/sent")
settle
assert_eq "$(nft_count blocked)" 0 "packets from 203.0.113.7 past XDP during the upgrade"
assert_eq "$(( $(rule_packets 203.0.113.7) - before ))" "$sent" "packets dropped during the upgrade (of $sent sent)"
if grep -qx "interfaces = $FW_IF" "$CONF" && grep -q '^203.0.113.7 ' "$RULES"; then
	pass "the edited conffiles survived the upgrade"
else
	fail "the conffiles lost their edits"
fi
assert_eq "$(find /etc/xdpfw -name '*.dpkg-*' | wc -l)" 0 "dpkg-new/dpkg-dist/dpkg-old files"

# ---- remove: the daemon stopped (the prerm's systemctl stop, by hand),
# then the prerm detaches; the config stays.
stop_daemon TERM
dpkg -r xdpfw >"$TMP/dpkg.log" 2>&1
assert_eq "$?" 0 "dpkg -r xdpfw"
assert_eq "$(dpkg-query -W -f='${Status}' xdpfw)" "deinstall ok config-files" "status after remove"
assert_eq "$(xdp_attached)" no "XDP attached after remove"
if [ -e "$PIN" ]; then fail "pins left under $PIN"; else pass "no pins left under $PIN"; fi
if [ -e "$XDPFW" ]; then fail "$XDPFW left after remove"; else pass "$XDPFW removed"; fi
if grep -qx "interfaces = $FW_IF" "$CONF"; then pass "remove kept the edited config"
else fail "remove lost $CONF"; fi

# ---- purge: the config goes
dpkg -P xdpfw >"$TMP/dpkg.log" 2>&1
assert_eq "$?" 0 "dpkg -P xdpfw"
if [ -e /etc/xdpfw ]; then fail "/etc/xdpfw left after purge"; else pass "/etc/xdpfw removed by purge"; fi
if dpkg-query -W -f='${Status}' xdpfw 2>/dev/null | grep -Eq ' (installed|config-files)$'; then
	fail "xdpfw still known to dpkg after purge"
else
	pass "xdpfw gone from dpkg"
fi
CONF=
finish
