#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# container: the image of packaging/container (XDPFW_IMAGE, default
# localhost/xdpfw:0.1.0, built by build-image.sh) under podman, in the
# firewall's netns of a test veth, with --cap-drop all --cap-add exactly
# the DaemonSet's capabilities, the test's bpffs at /sys/fs/bpf and a
# ConfigMap-like directory (..data symlink) at rules.d: the rules are
# enforced, a symlink swap of the directory (a ConfigMap update) is
# applied, /metrics is served.  Not in meson (the image is built apart):
#   XDPFW=build/agent/xdpfw SENDPKT=build/test/tools/xdpfw-sendpkt \
#     bash test/netns/container.sh
. "$(dirname "$0")/lib.sh"

IMAGE=${XDPFW_IMAGE:-localhost/xdpfw:0.1.0}
need_root_and_bpf
command -v podman >/dev/null || die "needs podman"
podman image exists "$IMAGE" || die "no image $IMAGE: packaging/container/build-image.sh"
setup_net
nft_setup
CNAME=xdpfw-t-$$

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

# PODMAN_OPTS: e.g. --cgroups=disabled where crun cannot use the cgroups.
# shellcheck disable=SC2086
podman run -d ${PODMAN_OPTS:-} --name "$CNAME" --network "ns:/run/netns/$FW_NS" \
	--cap-drop all --cap-add BPF,PERFMON,NET_ADMIN \
	--security-opt "seccomp=${SECCOMP:-unconfined}" --read-only \
	-v "$TMP/bpffs:/sys/fs/bpf" -v "$TMP/cetc:/etc/xdpfw:ro" \
	-v "$CM:/var/lib/xdpfw/rules.d:ro" --tmpfs /run \
	"$IMAGE" >/dev/null || die "podman run"
trap 'rc=$?; podman rm -f "$CNAME" >/dev/null 2>&1; (exit $rc); cleanup' EXIT
for _ in $(seq 300); do
	podman logs "$CNAME" 2>&1 | grep -q 'metrics: serving' && break
	sleep 0.1
done
podman logs "$CNAME" 2>&1 | grep -q 'metrics: serving' && pass "the container runs and serves" ||
	{ podman logs "$CNAME" 2>&1 | tail -20; die "the container did not start"; }

nft_watch b1 ip saddr 203.0.113.7
nft_watch b2 ip saddr 203.0.113.8
send_from 203.0.113.7 --count 10 >/dev/null
settle
assert_eq "$(nft_count b1)" 0 "203.0.113.7 behind XDP (rule from the ConfigMap)"
m=$(ip netns exec "$FW_NS" curl -sf http://127.0.0.1:9740/metrics)
assert_eq "$(grep '^xdpfw_rule_dropped_packets_total{rule="203.0.113.7"}' <<<"$m" | awk '{print $2}')" 10 "metrics served"
cm_write 2 203.0.113.8
for _ in $(seq 50); do
	podman logs "$CNAME" 2>&1 | grep -q 'reload (inotify).*1 added, 1 removed' && break
	sleep 0.1
done
send_from 203.0.113.8 --count 10 >/dev/null
send_from 203.0.113.7 --count 10 >/dev/null
settle
assert_eq "$(nft_count b2)" 0 "203.0.113.8 dropped after the symlink swap"
assert_eq "$(nft_count b1)" 10 "203.0.113.7 passes after the symlink swap"
finish
