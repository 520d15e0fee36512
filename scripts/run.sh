#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install what xdpfw needs, build it (build/) and run the firewall in the
# foreground.  As root.
#
#   scripts/run.sh            a self-contained demo: two network namespaces
#                             joined by a veth pair, the firewall on one
#                             side, blocked and allowed addresses on the
#                             other.  Touches none of the machine's
#                             interfaces.  Ctrl-C detaches and removes it.
#   scripts/run.sh IFACE      the firewall on IFACE of this machine, with the
#                             rules of /etc/xdpfw/rules.txt when it exists
#                             (else an empty rules file under /run).  Ctrl-C
#                             detaches it again (XDPFW_KEEP=1: leave it
#                             attached and enforcing, like `systemctl stop`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib-deps.sh
# shellcheck source=scripts/lib-netns.sh
. scripts/lib-netns.sh

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -E bash "$0" "$@"
	fi
	echo "run.sh: run me as root" >&2
	exit 1
fi
if [ $# -gt 1 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'
	[ $# -gt 1 ] && exit 2
	exit 0
fi

echo "== packages"
xdpfw_install_pkgs "${XDPFW_BUILD_PKGS[@]}" "${XDPFW_RUN_PKGS[@]}"
echo "== build (build/)"
xdpfw_build build
XDPFW=$ROOT/build/agent/xdpfw
[ -x "$XDPFW" ] || { echo "run.sh: $XDPFW was not built" >&2; exit 1; }
xdpfw_mount_bpffs

# -------------------------------------------------------- a real interface
run_iface() {
	local ifname=$1 dir conf rules
	if ! ip link show dev "$ifname" >/dev/null 2>&1; then
		echo "run.sh: no interface '$ifname' here (ip link shows the names)" >&2
		exit 3
	fi
	dir=/run/xdpfw-run/$ifname
	mkdir -p "$dir"
	conf=$dir/xdpfw.conf
	if [ -f /etc/xdpfw/rules.txt ]; then
		rules=/etc/xdpfw/rules.txt
	else
		rules=$dir/rules.txt
		[ -f "$rules" ] || cat >"$rules" <<-'EOF'
		# xdpfw rules: one remote endpoint per line; packets FROM it are dropped.
		#   203.0.113.7   198.51.100.0/24   10.0.2.2:30000/udp   [2001:db8::1]:53/udp
		# Save this file and the running daemon applies the change at once.
		EOF
	fi
	cat >"$conf" <<-EOF
	# written by scripts/run.sh for $ifname
	[agent]
	interfaces = $ifname
	rules = $rules
	pin_dir = /sys/fs/bpf/xdpfw-run-$ifname
	[stats]
	interval = 10
	EOF
	cat <<-EOF

	About to attach the xdpfw XDP program to '$ifname' of THIS machine:
	  config  $conf
	  rules   $rules  ($(grep -cEv '^[[:space:]]*(#|$)' "$rules") entries)
	Ingress packets from the listed endpoints will be dropped on $ifname.
	Ctrl-C stops it$( [ "${XDPFW_KEEP:-}" = 1 ] && echo " and leaves the firewall enforcing (xdpfw detach -c $conf removes it)" || echo " and detaches the program").
	In another terminal:
	  sudo $XDPFW stats -c $conf
	  sudo $XDPFW list -c $conf
	  edit $rules and watch the log here

	EOF
	sleep 3
	trap 'echo' INT
	set +e
	"$XDPFW" run -c "$conf"
	local rc=$?
	if [ "${XDPFW_KEEP:-}" != 1 ]; then
		"$XDPFW" detach -c "$conf"
	fi
	exit "$rc"
}

# -------------------------------------------------------------- the demo
DEMO=/run/xdpfw-demo
DEMO_NS=xdpfw-demo
PEER_NS=xdpfw-peer
DEMO_IF=xdpfw-demo0
PEER_IF=xdpfw-peer0

demo_teardown() {
	if [ -f "$DEMO/xdpfw.conf" ] && [ -d "$DEMO/bpffs/xdpfw" ]; then
		"$XDPFW" detach -c "$DEMO/xdpfw.conf" || true
	fi
	xn_ns_del "$DEMO_NS" "$PEER_NS"
	if mountpoint -q "$DEMO/bpffs" 2>/dev/null; then
		umount "$DEMO/bpffs" || umount -l "$DEMO/bpffs" || true
	fi
	rm -rf "$DEMO"
}

run_demo() {
	echo "== demo set-up"
	demo_teardown   # leftovers of an earlier run
	trap 'echo; echo "== demo teardown"; demo_teardown; echo "removed the demo (namespaces $DEMO_NS, $PEER_NS, $DEMO)"' EXIT
	mkdir -p "$DEMO/bpffs"
	mount -t bpf bpf "$DEMO/bpffs"
	xn_ns_add "$DEMO_NS" "$PEER_NS"
	xn_pair "$DEMO_NS" "$DEMO_IF" "198.18.0.1/24" \
		"$PEER_NS" "$PEER_IF" "198.18.0.2/24 198.18.0.3/24"

	cat >"$DEMO/rules.txt" <<-'EOF'
	# xdpfw demo rules: one remote endpoint per line; packets FROM it are
	# dropped.  Edit and save: the daemon applies the change at once and logs
	# what changed.  Try adding 198.18.0.2, or removing 198.18.0.3.
	198.18.0.3                  # the peer's second address
	203.0.113.0/24              # a documentation network
	198.51.100.7:53/udp         # answers from one DNS server
	[2001:db8::53]:53/udp       # an IPv6 DNS server's answers
	EOF
	cat >"$DEMO/xdpfw.conf" <<-EOF
	# xdpfw demo config (scripts/run.sh)
	[agent]
	interfaces = $DEMO_IF
	rules = $DEMO/rules.txt
	rules_dir = $DEMO/rules.d
	pin_dir = $DEMO/bpffs/xdpfw
	reload_delay_ms = 100
	[stats]
	interval = 10
	log_top = 5
	EOF

	cat <<-EOF

	== xdpfw demo
	  namespace $DEMO_NS: $DEMO_IF 198.18.0.1/24, the firewall on it
	  namespace $PEER_NS: $PEER_IF 198.18.0.2/24 and 198.18.0.3/24
	  rules     $DEMO/rules.txt (blocks 198.18.0.3, ...)
	  config    $DEMO/xdpfw.conf

	See it work, from another terminal:
	  sudo ip netns exec $PEER_NS ping -c 3 -I 198.18.0.3 198.18.0.1   # blocked: no replies
	  sudo ip netns exec $PEER_NS ping -c 3 198.18.0.1                 # from 198.18.0.2: replies
	  sudo $XDPFW stats -c $DEMO/xdpfw.conf                            # the drops, per rule
	  sudo $XDPFW list -c $DEMO/xdpfw.conf                             # the rules in force
	  sudo \$EDITOR $DEMO/rules.txt      # e.g. add 198.18.0.2; watch the log below
	  sudo $XDPFW reload -c $DEMO/xdpfw.conf                      # forced re-sync
	Ctrl-C here stops the daemon, detaches the firewall and removes the demo.

	EOF
	trap 'echo' INT
	set +e
	ip netns exec "$DEMO_NS" "$XDPFW" run -c "$DEMO/xdpfw.conf"
	local rc=$?
	set -e
	# 0: stopped by Ctrl-C / SIGTERM; the EXIT trap cleans up.
	exit "$rc"
}

if [ $# -eq 1 ]; then
	run_iface "$1"
else
	run_demo
fi
