#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# container: the image of packaging/container under podman, run as the
# DaemonSet of packaging/kubernetes/xdpfw.yaml runs it, in the firewall's
# netns of a test veth:
#   - the image is built from this tree (scripts/package.sh, then
#     packaging/container/build-image.sh, tagged for this run and removed
#     after it; the debootstrap base is made once and kept);
#   - --cap-drop all --cap-add exactly the capabilities the manifest adds
#     (read from it), and the daemon's effective and bounding sets are
#     exactly those; a read-only root, a tmpfs /run, the test's bpffs at
#     /sys/fs/bpf, the host's tracefs when mounted, the config read-only
#     at /etc/xdpfw and a ConfigMap-like directory (..data symlink) at
#     rules.d;
#   - seccomp: the runtime's default profile with bpf() allowed for
#     CAP_BPF and perf_event_open() for CAP_PERFMON
#     (packaging/container/seccomp-bpf.py: the RuntimeDefault of the
#     runtimes the manifest names), not unconfined;
#   - the rule of the ConfigMap is enforced, /metrics is served, a symlink
#     swap of the directory (a ConfigMap update) is applied as one reload;
#     `xdpfw reload` through podman exec makes the daemon re-sync.
#
# Environment: XDPFW (the host's xdpfw: the cleanup detaches with it),
# SENDPKT; XDPFW_SRC (the source tree; default: this script's), or
# XDPFW_IMAGE, a prebuilt image to run instead of building one; SECCOMP, a
# profile (or "unconfined") instead of seccomp-bpf.py's; PODMAN_OPTS, more
# `podman run` options.
#   XDPFW=build/agent/xdpfw SENDPKT=build/test/tools/xdpfw-sendpkt \
#     bash test/netns/container.sh
#
# Hosts like CI's (hybrid cgroups, root without CAP_SYS_RESOURCE) need two
# adjustments, made here when detected: runc instead of crun (crun 1.8
# refuses hybrid cgroups), and the host's rlimits instead of podman's
# defaults (raising RLIMIT_NOFILE/NPROC needs CAP_SYS_RESOURCE).
# shellcheck disable=SC2119  # settle: optional argument
T_LIMIT=${T_LIMIT:-560}
. "$(dirname "$0")/lib.sh"

SRC=${XDPFW_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MANIFEST=$SRC/packaging/kubernetes/xdpfw.yaml
need_root_and_bpf
command -v podman >/dev/null || die "needs podman"
[ -f "$MANIFEST" ] || die "no $MANIFEST"

# ---- the manifest's capabilities: drop ALL, add exactly these
grep -Eq '^ *drop: *\[ *"ALL" *\]' "$MANIFEST" || die "the manifest does not drop ALL capabilities"
CAPS=$(sed -n 's/^ *add: *\[\(.*\)\].*/\1/p' "$MANIFEST" | tr -d '" ')
[[ "$CAPS" =~ ^[A-Z_]+(,[A-Z_]+)*$ ]] || die "no capabilities: add: [...] in $MANIFEST ('$CAPS')"
log "the manifest's capabilities: $CAPS"
# The sets they make, as /proc/PID/status shows them.
set=-all
for c in ${CAPS//,/ }; do set+=",+${c,,}"; done
WANT_CAPS=$(setpriv --bounding-set="$set" --inh-caps="$set" --ambient-caps="$set" \
	sed -n 's/^CapEff:\t*//p' /proc/self/status) || die "setpriv $set"

# ---- the image
CNAME=xdpfw-t-$$
BUILT_IMAGE=
# shellcheck disable=SC2317  # called by the EXIT trap
container_cleanup() {
	local rc=$?
	if podman container exists "$CNAME" 2>/dev/null; then
		podman logs "$CNAME" >>"$DLOG" 2>&1
		podman rm -f -t 5 "$CNAME" >/dev/null 2>&1
	fi
	[ -n "$BUILT_IMAGE" ] && podman rmi -f "$BUILT_IMAGE" >/dev/null 2>&1
	(exit "$rc")
	cleanup
}
trap container_cleanup EXIT

if [ -n "${XDPFW_IMAGE:-}" ]; then
	IMAGE=$XDPFW_IMAGE
	podman image exists "$IMAGE" || die "no image $IMAGE: packaging/container/build-image.sh"
else
	t0=$(now_ms)
	DEB_BUILD_OPTIONS=nocheck XDPFW_LINTIAN=0 "$SRC/scripts/package.sh" "$TMP/deb" \
		>"$TMP/build.log" 2>&1 || { tail -n 40 "$TMP/build.log"; die "scripts/package.sh failed"; }
	deb=$(tail -n 1 "$TMP/build.log")
	t1=$(now_ms)
	IMAGE=localhost/xdpfw-test:$$
	BUILT_IMAGE=$IMAGE
	"$SRC/packaging/container/build-image.sh" "$deb" "$IMAGE" >>"$TMP/build.log" 2>&1 ||
		{ tail -n 40 "$TMP/build.log"; die "build-image.sh failed"; }
	pass "built $IMAGE from $(basename "$deb") (package $(( (t1 - t0) / 1000 )) s, image $(( ($(now_ms) - t1) / 1000 )) s)"
fi

# ---- the host's adjustments (see the header)
RUN_OPTS=()
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	command -v runc >/dev/null || die "hybrid cgroups: crun cannot run containers here, and runc is not installed"
	RUN_OPTS+=(--runtime runc)
	log "hybrid cgroups: runc"
fi
if (( ! (0x$(sed -n 's/^CapEff:\t*//p' /proc/self/status) >> 24 & 1) )); then
	printf '[containers]\ndefault_ulimits = []\n' >"$TMP/containers.conf"
	export CONTAINERS_CONF=$TMP/containers.conf
	RUN_OPTS+=(--ulimit host)
	log "no CAP_SYS_RESOURCE: the host's rlimits"
fi
if [ -z "${SECCOMP:-}" ]; then
	SECCOMP=$TMP/seccomp.json
	python3 "$SRC/packaging/container/seccomp-bpf.py" /usr/share/containers/seccomp.json "$SECCOMP" ||
		die "seccomp-bpf.py"
fi
if mountpoint -q /sys/kernel/tracing 2>/dev/null; then
	RUN_OPTS+=(-v /sys/kernel/tracing:/sys/kernel/tracing:ro)
fi

setup_net
nft_setup

# A ConfigMap volume: rules-000.txt -> ..data/rules-000.txt, ..data -> ..TS.
CM=$TMP/cm
cm_write() { # cm_write TS ENTRY...
	local ts=$1
	shift
	mkdir -p "$CM/..$ts"
	printf '%s\n' "$@" >"$CM/..$ts/rules-000.txt"
	chmod 0644 "$CM/..$ts/rules-000.txt"
	ln -sfn "..$ts" "$CM/..data_tmp"
	mv -T "$CM/..data_tmp" "$CM/..data"
	[ -L "$CM/rules-000.txt" ] || ln -s ..data/rules-000.txt "$CM/rules-000.txt"
}
mkdir -p "$CM" "$TMP/cetc"
cm_write 1 203.0.113.7
: >"$TMP/cetc/rules.txt"
cat >"$TMP/cetc/xdpfw.conf" <<EOF
[agent]
interfaces = $FW_IF
rules = /etc/xdpfw/rules.txt
rules_dir = /var/lib/xdpfw/rules.d
pin_dir = /sys/fs/bpf/xdpfw
max_rules = 65536
reload_delay_ms = 100
[stats]
interval = 1
listen = 127.0.0.1:9740
EOF
chmod 0644 "$TMP/cetc/xdpfw.conf" "$TMP/cetc/rules.txt"
CONF=$TMP/cetc/host.conf # for cleanup's detach: the same pins, host paths
sed "s|/sys/fs/bpf/xdpfw|$PIN|; s|/etc/xdpfw/rules.txt|$TMP/cetc/rules.txt|; s|/var/lib/xdpfw/rules.d|$CM|" \
	"$TMP/cetc/xdpfw.conf" >"$CONF"

# shellcheck disable=SC2086  # PODMAN_OPTS: words
podman run -d "${RUN_OPTS[@]}" ${PODMAN_OPTS:-} --name "$CNAME" \
	--network "ns:/run/netns/$FW_NS" \
	--cap-drop all --cap-add "$CAPS" --security-opt "seccomp=$SECCOMP" \
	--read-only --tmpfs /run \
	-v "$TMP/bpffs:/sys/fs/bpf" -v "$TMP/cetc:/etc/xdpfw:ro" \
	-v "$CM:/var/lib/xdpfw/rules.d:ro" \
	"$IMAGE" >/dev/null || die "podman run"
clog() { podman logs "$CNAME" 2>&1; }
for _ in $(seq 300); do
	clog | qgrep 'metrics: serving' && break
	[ "$(podman inspect -f '{{.State.Running}}' "$CNAME" 2>/dev/null)" = true ] || break
	sleep 0.1
done
if clog | qgrep 'metrics: serving'; then
	pass "the container runs and serves"
else
	clog | tail -20
	die "the container did not start"
fi

pid=$(podman inspect -f '{{.State.Pid}}' "$CNAME")
assert_eq "$(sed -n 's/^CapEff:\t*//p' "/proc/$pid/status")" "$WANT_CAPS" \
	"the daemon's effective capabilities ($CAPS)"
assert_eq "$(sed -n 's/^CapBnd:\t*//p' "/proc/$pid/status")" "$WANT_CAPS" \
	"the daemon's bounding set"
assert_eq "$(sed -n 's/^Seccomp:\t*//p' "/proc/$pid/status")" 2 "the daemon runs under a seccomp filter"
assert_eq "$(xdp_attached)" yes "XDP attached to $FW_IF from the container"

nft_watch b1 ip saddr 203.0.113.7
nft_watch b2 ip saddr 203.0.113.8
send_from 203.0.113.7 --count 10 >/dev/null
settle
assert_eq "$(nft_count b1)" 0 "203.0.113.7 behind XDP (rule from the ConfigMap)"
m=$(ip netns exec "$FW_NS" curl -sf http://127.0.0.1:9740/metrics)
assert_eq "$(grep '^xdpfw_rule_dropped_packets_total{rule="203.0.113.7"}' <<<"$m" | awk '{print $2}')" 10 "metrics served"
assert_eq "$(grep -c "^xdpfw_attached{interface=\"$FW_IF\"" <<<"$m")" 1 "xdpfw_attached has $FW_IF"

cm_write 2 203.0.113.8
for _ in $(seq 100); do
	clog | qgrep 'reload (inotify).*1 added, 1 removed' && break
	sleep 0.1
done
assert_eq "$(clog | grep -c 'reload (inotify).*1 added, 1 removed')" 1 "the symlink swap is one reload"
send_from 203.0.113.8 --count 10 >/dev/null
send_from 203.0.113.7 --count 10 >/dev/null
settle
assert_eq "$(nft_count b2)" 0 "203.0.113.8 dropped after the symlink swap"
assert_eq "$(nft_count b1)" 10 "203.0.113.7 passes after the symlink swap"

# `kubectl exec ... xdpfw reload` (the manifest's comment on /run): the
# identity file under the tmpfs /run, the signal to the daemon (PID 1).
podman exec "$CNAME" xdpfw reload -c /etc/xdpfw/xdpfw.conf >/dev/null 2>&1
assert_eq "$?" 0 "xdpfw reload through podman exec"
for _ in $(seq 100); do
	clog | qgrep 'reload (SIGHUP)' && break
	sleep 0.1
done
assert_eq "$(clog | grep -c 'reload (SIGHUP)')" 1 "the daemon re-synced on SIGHUP"
finish
