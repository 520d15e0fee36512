# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers of the network-namespace tests.  Sourced by each test:
#
#   . "$(dirname "$0")/lib.sh"
#   need_root_and_bpf; setup_net; nft_setup; write_rules ...; write_config
#   start_daemon; send_from 203.0.113.7 --count 10; ...; finish
#
# Topology (never touches the machine's own interfaces):
#
#   netns $FW_NS   [$FW_IF   198.18.0.1/24 2001:2::1/64]  <- xdpfw attached
#        |  veth
#   netns $PEER_NS [$PEER_IF 198.18.0.2/24 2001:2::2/64]  <- xdpfw-sendpkt
#
# A bpffs is mounted on $TMP/bpffs in the root mount namespace (`ip netns
# exec` remounts /sys, so /sys/fs/bpf is not shared); pin_dir is
# $TMP/bpffs/xdpfw.  Packets that XDP passes are counted by nftables counters
# in a prerouting chain of the firewall's namespace ("behind XDP").
#
# Environment: XDPFW (the xdpfw binary), SENDPKT (xdpfw-sendpkt),
# XDPFW_TIME_SCALE (see tscale).
# Exit codes: 0 pass, 1 fail, 77 skipped (not root, no BPF), 124 timed out.

set -u -o pipefail

T_NAME=$(basename "$0" .sh)
: "${XDPFW:?set XDPFW to the xdpfw binary}"
: "${SENDPKT:?set SENDPKT to the xdpfw-sendpkt binary}"
# The test's own deadline, below meson's timeout so the cleanup always runs.
T_LIMIT=${T_LIMIT:-270}

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
# Finds exact IPv4 keys in the open addressing tables (bpftool arguments).
OA_PY=$(dirname "${BASH_SOURCE[0]}")/../tools/oa.py
# The namespaces and veth pairs: xn_ns_add, xn_pair, xn_mac, xn_ns_del.
# shellcheck source=scripts/lib-netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib-netns.sh"

FAILS=0
CHECKS=0
BG_PIDS=()
EXTRA_NS=() # more namespaces a test made, removed by cleanup
DAEMON_PID=
TMP=
FW_NS=
PEER_NS=
CONF=
BPFFS_MOUNTED=0
WATCHDOG_PID=

FW_IP=198.18.0.1
PEER_IP=198.18.0.2
FW_IP6=2001:2::1
PEER_IP6=2001:2::2

now_ms() { date +%s%3N; }

# tscale SECONDS: SECONDS times XDPFW_TIME_SCALE (an integer, default 1),
# how many times slower than this project's own machines the tests run: an
# emulated guest of test/kernels exports it (kernel command line xk.scale).
# The waits below (wait_log, wait_rule_packets, stop_daemon, settle) and the
# tests' own deadlines for the daemon scale by it; what they check does not
# change, only how long they wait for it.
TIME_SCALE=${XDPFW_TIME_SCALE:-1}
[[ "$TIME_SCALE" =~ ^[1-9][0-9]*$ ]] || TIME_SCALE=1
tscale() { awk -v t="$1" -v s="$TIME_SCALE" 'BEGIN { print t * s }'; }
T0_MS=$(now_ms)

log() { printf '[%s +%6.2fs] %s\n' "$T_NAME" "$(( $(now_ms) - T0_MS ))e-3" "$*"; }
die() { log "FATAL: $*"; FAILS=$((FAILS + 1)); exit 1; }
skip() { log "SKIP: $*"; exit 77; }
fail() { log "FAIL: $*"; FAILS=$((FAILS + 1)); CHECKS=$((CHECKS + 1)); }
pass() { log "ok: $*"; CHECKS=$((CHECKS + 1)); }

# assert_eq GOT EXPECTED WHAT
assert_eq() {
	local g=${1//$'\n'/ } e=${2//$'\n'/ }
	if [ "$1" = "$2" ]; then pass "$3 = $g"; else fail "$3: expected '$e', got '$g'"; fi
}
# assert_le GOT MAX WHAT   (integers)
assert_le() {
	if [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -le "$2" ]; then pass "$3 = $1 (<= $2)"
	else fail "$3: expected <= $2, got $1"; fi
}
# assert_ge GOT MIN WHAT   (integers)
assert_ge() {
	if [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ]; then pass "$3 = $1 (>= $2)"
	else fail "$3: expected >= $2, got $1"; fi
}
# assert_rc EXPECTED WHAT -- CMD...
assert_rc() {
	local want=$1 what=$2 rc
	shift 3
	"$@"
	rc=$?
	assert_eq "$rc" "$want" "$what: exit status"
}

finish() {
	if [ "$FAILS" -gt 0 ]; then
		log "$FAILS of $CHECKS checks FAILED"
		exit 1
	fi
	log "all $CHECKS checks passed"
	exit 0
}

# ---------------------------------------------------------------- set-up --

need_root_and_bpf() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, XDP)"
	local t
	for t in ip nft bpftool; do
		command -v "$t" >/dev/null 2>&1 ||
			[ -x "/usr/sbin/$t" ] || [ -x "/sbin/$t" ] ||
			skip "needs $t"
	done
	PATH=$PATH:/usr/sbin:/sbin
	make_tmp
	mkdir -p "$TMP/bpffs"
	mount -t bpf bpf "$TMP/bpffs" 2>/dev/null || skip "cannot mount a bpffs (no BPF permission?)"
	BPFFS_MOUNTED=1
	# A map create is what the daemon needs first; without the privilege
	# the kernel says EPERM and the test cannot run.
	bpftool map create "$TMP/bpffs/probe" type array key 4 value 4 entries 1 \
		name xdpfw_probe >/dev/null 2>&1 || skip "the kernel refuses BPF maps (no BPF permission?)"
	rm -f "$TMP/bpffs/probe"
}

make_tmp() {
	[ -n "$TMP" ] && return
	TMP=$(mktemp -d "/tmp/xdpfw-$T_NAME.XXXXXX") || die "mktemp"
	mkdir -p "$TMP/run"
	DLOG=$TMP/daemon.log
	: >"$DLOG"
	PIN=$TMP/bpffs/xdpfw
	# The maps' pin directory of this build's layout.
	MAPS=$PIN/maps-v$(sed -n 's/^#define XDPFW_LAYOUT_VERSION \([0-9]*\).*/\1/p' \
		"$(dirname "${BASH_SOURCE[0]}")/../../shared/xdpfw_shared.h")
	mkdir -p "$TMP/etc"
	RULES=$TMP/etc/rules.txt
	CONF=$TMP/xdpfw.conf
	trap cleanup EXIT
	trap 'log "interrupted"; exit 130' INT
	trap 'log "TIMEOUT after ${T_LIMIT}s"; exit 124' TERM
	# Watchdog: ends the test (through the traps) before meson kills it.
	# (1 s sleeps, so that killing it leaves no long-lived orphan.)
	local main=$$ end=$(( $(date +%s) + T_LIMIT ))
	( while [ "$(date +%s)" -lt "$end" ]; do sleep 1; done; kill -TERM "$main" ) \
		</dev/null >/dev/null 2>&1 &
	WATCHDOG_PID=$!
}

setup_net() {
	FW_NS=xdpfw-t-fw-$$
	PEER_NS=xdpfw-t-peer-$$
	FW_IF=xfw$$
	PEER_IF=xpe$$
	xn_ns_add "$FW_NS" || die "ip netns add $FW_NS"
	xn_ns_add "$PEER_NS" || die "ip netns add $PEER_NS"
	xn_pair "$FW_NS" "$FW_IF" "$FW_IP/24 $FW_IP6/64" \
		"$PEER_NS" "$PEER_IF" "$PEER_IP/24 $PEER_IP6/64" ||
		die "cannot create the veth pair"
	FW_MAC=$(xn_mac "$FW_NS" "$FW_IF") || die "MAC of $FW_IF"
	log "net: $FW_NS/$FW_IF ($FW_MAC) <-> $PEER_NS/$PEER_IF; pin_dir $PIN"
}

# write_config [EXTRA [agent] LINES...]: the test config at $CONF.
# MAX_RULES, RELOAD_DELAY_MS, LOG_LEVEL, XDP_MODE, STATS_INTERVAL override;
# PROTECT too (default none: the host's resolvers and gateways would add
# entries every test would have to count; safety.sh tests the guard).
write_config() {
	{
		echo "# written by $T_NAME"
		echo "[agent]"
		echo "interfaces = $FW_IF"
		echo "xdp_mode = ${XDP_MODE:-auto}"
		echo "rules = $RULES"
		echo "rules_dir = ${RULES_DIR:-$TMP/etc/rules.d}"
		echo "protect = ${PROTECT:-none}"
		echo "pin_dir = $PIN"
		echo "max_rules = ${MAX_RULES:-65536}"
		echo "reload_delay_ms = ${RELOAD_DELAY_MS:-100}"
		echo "log_level = ${LOG_LEVEL:-info}"
		local l
		for l in "$@"; do echo "$l"; done
		echo "[stats]"
		echo "interval = ${STATS_INTERVAL:-10}"
	} >"$CONF"
}

# write_rules LINE...: the rules file, atomically (temp + rename).
write_rules() {
	local d
	d=$(dirname "$RULES")
	printf '%s\n' "$@" >"$d/.rules.tmp.$$" && mv -f "$d/.rules.tmp.$$" "$RULES"
}

# ------------------------------------------------------------- the daemon --

# The CLI, outside the namespaces (the pins are in the root mount ns).
xdpfw() { XDPFW_RUN_DIR=$TMP/run "$XDPFW" "$@"; }

# grep that reads all of its input: `producer | grep -q` under pipefail
# fails when grep exits at the first match and the producer, still
# writing, dies of SIGPIPE (a race that failed CI once).
qgrep() { grep "$@" >/dev/null; }

log_lines() { wc -l <"$DLOG"; }
log_since() { tail -n "+$(($1 + 1))" "$DLOG"; }

# wait_log MARK REGEX [TIMEOUT_S]: wait until a log line after line MARK
# matches REGEX (grep -E); prints the first such line.  1 on timeout.
wait_log() {
	local mark=$1 re=$2 t=${3:-10} end line
	end=$(($(now_ms) + t * 1000 * TIME_SCALE))
	while :; do
		# all matches, then the first (grep -m1 would race, as above)
		line=$(log_since "$mark" | grep -E -- "$re") &&
			{ printf '%s\n' "${line%%$'\n'*}"; return 0; }
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.02
	done
}

# start_daemon: run `xdpfw run -c $CONF` in $FW_NS, log to $DLOG, wait
# until it says it is running.
start_daemon() {
	local mark
	mark=$(log_lines)
	ip netns exec "$FW_NS" env XDPFW_RUN_DIR="$TMP/run" "$XDPFW" run -c "$CONF" >>"$DLOG" 2>&1 &
	DAEMON_PID=$!
	if ! wait_log "$mark" ' running: ' 30 >/dev/null; then
		log "daemon log:"; sed 's/^/    /' "$DLOG"
		die "the daemon did not start"
	fi
	log "daemon running (pid $DAEMON_PID)"
}

# stop_daemon [SIGNAL]: signal the daemon and reap it; sets DAEMON_RC.
stop_daemon() {
	local sig=${1:-TERM} end
	DAEMON_RC=
	[ -n "$DAEMON_PID" ] || return 0
	kill "-$sig" "$DAEMON_PID" 2>/dev/null
	# (A deadline on the clock: 500 sleeps of 0.02 s are far more than 10 s
	# where starting sleep is slow.)
	end=$(($(now_ms) + 10000 * TIME_SCALE))
	while kill -0 "$DAEMON_PID" 2>/dev/null && [ "$(now_ms)" -lt "$end" ]; do
		sleep 0.02
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		fail "the daemon did not exit within $(tscale 10) s of SIG$sig"
		kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_RC=$?
	DAEMON_PID=
}

# ---------------------------------------------------------------- packets --

# send_from SRC [xdpfw-sendpkt OPTIONS...]: frames from SRC (spoofed) to the
# firewall's address of the same family, out of the peer.  Prints the number
# sent.  Default: 1 UDP frame, paced at 20000 pps (never overruns the veth).
send_from() {
	local src=$1 dst=$FW_IP
	shift
	case $src in *:*) dst=$FW_IP6 ;; esac
	ip netns exec "$PEER_NS" "$SENDPKT" -i "$PEER_IF" --dst-mac "$FW_MAC" \
		--src "$src" --dst "$dst" --rate 20000 "$@"
}

# send_bg FILE SRC [OPTIONS...]: the same in the background; the number sent
# lands in FILE.  The PID is appended to BG_PIDS and left in $!.
send_bg() {
	local out=$1 src=$2 dst=$FW_IP
	shift 2
	case $src in *:*) dst=$FW_IP6 ;; esac
	ip netns exec "$PEER_NS" "$SENDPKT" -i "$PEER_IF" --dst-mac "$FW_MAC" \
		--src "$src" --dst "$dst" --rate 20000 "$@" >"$out" &
	BG_PIDS+=($!)
}

# Let the receiving side's softirq catch up before reading counters.
settle() { sleep "$(tscale "${1:-0.3}")"; }

# ---------------------------------------------------------- nft counters --

# An nftables table in the firewall's namespace that counts, per match, the
# packets that got past XDP into the stack.
nft_setup() {
	ip netns exec "$FW_NS" nft -f - <<-EOF || die "nft setup"
	table inet xdpfw_t {
		chain pre {
			type filter hook prerouting priority -300; policy accept;
		}
	}
	EOF
}

# nft_watch NAME MATCH...: count packets matching MATCH (nft syntax, e.g.
# "ip saddr 203.0.113.7" or "ip saddr 198.51.100.9 udp sport 5353").
nft_watch() {
	local name=$1
	shift
	ip netns exec "$FW_NS" nft add counter inet xdpfw_t "$name" || die "nft counter $name"
	# shellcheck disable=SC2068
	ip netns exec "$FW_NS" nft add rule inet xdpfw_t pre $@ counter name "$name" ||
		die "nft rule $name"
}

# nft_count NAME: packets counted so far.
nft_count() {
	ip netns exec "$FW_NS" nft list counter inet xdpfw_t "$1" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p' | head -n1
}

# ------------------------------------------------------------ xdpfw stats --

stats_json() { xdpfw stats -c "$CONF" --json; }

# rule_packets RULE [JSON]: packets counted under RULE (canonical form), or
# "absent" when the rule is not in force.
rule_packets() {
	local j=${2:-}
	[ -n "$j" ] || j=$(stats_json) || { echo "stats-failed"; return 1; }
	printf '%s' "$j" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for r in d["rules"]:
    if r["rule"] == sys.argv[1]:
        print(r["packets"]); break
else:
    print("absent")' "$1"
}

# total FIELD [JSON]: a field of "total" (dropped_packets, passed_packets...).
total() {
	local j=${2:-}
	[ -n "$j" ] || j=$(stats_json) || { echo "stats-failed"; return 1; }
	printf '%s' "$j" | "$PY" -c '
import json, sys
print(json.load(sys.stdin)["total"][sys.argv[1]])' "$1"
}

# sum_rule_packets [JSON]: the sum of every rule's packets.
sum_rule_packets() {
	local j=${1:-}
	[ -n "$j" ] || j=$(stats_json) || { echo "stats-failed"; return 1; }
	printf '%s' "$j" | "$PY" -c '
import json, sys
print(sum(r["packets"] for r in json.load(sys.stdin)["rules"]))'
}

# wait_rule_packets RULE MIN [TIMEOUT_S]: wait until RULE counted >= MIN.
wait_rule_packets() {
	local rule=$1 min=$2 t=${3:-5} end n
	end=$(($(now_ms) + t * 1000 * TIME_SCALE))
	while :; do
		n=$(rule_packets "$rule")
		[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge "$min" ] && { echo "$n"; return 0; }
		[ "$(now_ms)" -ge "$end" ] && { echo "$n"; return 1; }
		sleep 0.02
	done
}

# xdp_attached: "yes" when an XDP program sits on $FW_IF.
xdp_attached() {
	if ip -n "$FW_NS" -d link show dev "$FW_IF" | grep -Eq 'prog/xdp|xdp(generic|drv|offload)? '; then
		echo yes
	else
		echo no
	fi
}

# ---------------------------------------------------------------- cleanup --

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	[ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	if [ -n "$DAEMON_PID" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		for ((p = 0; p < 250; p++)); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	wait 2>/dev/null
	if [ -n "$CONF" ] && [ -f "$CONF" ] && [ -d "$PIN" ]; then
		xdpfw detach -c "$CONF" >/dev/null 2>&1
	fi
	xn_ns_del "$FW_NS" "$PEER_NS" "${EXTRA_NS[@]}"
	if [ "$BPFFS_MOUNTED" = 1 ]; then
		umount "$TMP/bpffs" 2>/dev/null || umount -l "$TMP/bpffs" 2>/dev/null
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -s "${DLOG:-/nonexistent}" ]; then
		echo "---- daemon log (last 80 lines) ----"
		tail -n 80 "$DLOG" | sed 's/^/    /'
		echo "------------------------------------"
	fi
	[ -n "$TMP" ] && [ -d "$TMP" ] && ! mountpoint -q "$TMP/bpffs" 2>/dev/null && rm -rf "$TMP"
	exit "$rc"
}

# ------------------------------------------------------ more helpers --

# add_pair FW_NAME PEER_NAME FW_ADDR/LEN PEER_ADDR/LEN: one more veth pair
# between $FW_NS and $PEER_NS, up and addressed; prints the firewall side's
# MAC.  (Deleted with the namespaces.)
add_pair() {
	xn_pair "$FW_NS" "$1" "$3" "$PEER_NS" "$2" "$4" || return 1
	xn_mac "$FW_NS" "$1"
}

# as_nobody CMD...: CMD as the user nobody (its own group, no others).
# need_nobody skips the test when that is not possible.
need_nobody() {
	command -v setpriv >/dev/null 2>&1 || skip "needs setpriv (util-linux)"
	id -u nobody >/dev/null 2>&1 || skip "needs the user nobody"
}
as_nobody() {
	setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$@"
}
