# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The one way xdpfw's tests, demo and benchmarks build network namespaces
# joined by veth pairs, and take them down again.  Sourced by
# test/netns/lib.sh and scripts/run.sh; bench/bench.py runs it as a
# command:
#
#   . scripts/lib-netns.sh                   # then xn_ns_add, xn_pair, ...
#   bash scripts/lib-netns.sh ns-add NS...
#   bash scripts/lib-netns.sh pair NS_A IF_A 'ADDR...' NS_B IF_B 'ADDR...'
#   bash scripts/lib-netns.sh mac NS IF
#   bash scripts/lib-netns.sh ns-del NS...
#
# Every function returns non-zero at the first command that fails (the
# caller decides whether that is fatal); none of them touches an interface
# outside the namespaces it is given.

# xn_ns_add NS...: each namespace, with its loopback up.
xn_ns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
	done
}

# xn_ns_del NS...: remove each namespace (and every interface in it); quiet,
# and no error for one that is not there (also under set -e).
xn_ns_del() {
	local ns
	for ns in "$@"; do
		if [ -n "$ns" ]; then
			ip netns del "$ns" 2>/dev/null || true
		fi
	done
}

# xn_addr NS IF ADDR/LEN...: addresses on IF in NS; IPv6 ones without
# duplicate address detection (usable at once).
xn_addr() {
	local ns=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev "$dev" nodad || return 1 ;;
		*) ip -n "$ns" addr add "$a" dev "$dev" || return 1 ;;
		esac
	done
}

# xn_pair NS_A IF_A 'ADDR_A...' NS_B IF_B 'ADDR_B...': a veth pair, IF_A in
# NS_A and IF_B in NS_B (the same namespace for both ends is fine), each
# end with its addresses (a space-separated list, may be empty), then both
# up.  The namespaces must exist.
xn_pair() {
	local ns_a=$1 if_a=$2 ns_b=$4 if_b=$5
	local -a addr_a addr_b
	read -r -a addr_a <<<"$3"
	read -r -a addr_b <<<"$6"
	ip link add "$if_a" netns "$ns_a" type veth peer name "$if_b" netns "$ns_b" ||
		return 1
	xn_addr "$ns_a" "$if_a" "${addr_a[@]}" || return 1
	xn_addr "$ns_b" "$if_b" "${addr_b[@]}" || return 1
	ip -n "$ns_a" link set "$if_a" up || return 1
	ip -n "$ns_b" link set "$if_b" up
}

# xn_mac NS IF: prints the MAC address of IF in NS.
xn_mac() {
	ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# Run as a command: the first argument names the function.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	ns-add | ns-del | addr | pair | mac)
		f=xn_${1//-/_}
		shift
		"$f" "$@"
		exit
		;;
	*)
		echo "usage: ${0##*/} ns-add|ns-del|addr|pair|mac ARGS... (see the file)" >&2
		exit 2
		;;
	esac
fi
