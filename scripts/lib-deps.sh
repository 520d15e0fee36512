# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The Debian 12 / Ubuntu 22.04 packages xdpfw needs, in one place, and an
# installer that only calls apt-get when something is missing.  Sourced by
# scripts/run.sh and scripts/test.sh.

# Building: C toolchain, BPF toolchain (clang + bpftool for the skeleton),
# the libraries (libbpf >= 1.1, libelf, zlib, libev, inih, libmicrohttpd
# for the daemon's GET /metrics, libxdp for attach = libxdp) and meson/ninja.
XDPFW_BUILD_PKGS=(
	gcc libc6-dev linux-libc-dev pkg-config meson ninja-build
	clang llvm bpftool
	libbpf-dev libelf-dev zlib1g-dev libev-dev libinih-dev libmicrohttpd-dev
	libxdp-dev
)
# Running (and the demo of scripts/run.sh): ip, ping, mount.
XDPFW_RUN_PKGS=(iproute2 iputils-ping util-linux procps)
# Testing only: nftables counts what passes XDP, python3 reads JSON,
# libclang-rt-14-dev has libFuzzer (and clang's ASan/UBSan) for test/fuzz.
# curl: the feed refresher (packaging/feeds) fetches file:// URLs in tests,
# and test/netns/metrics.sh scrapes GET /metrics.  prometheus: the only
# Debian 12 package with promtool (`promtool check metrics` in metrics.sh).
# xdp-tools: xdp-filter and xdp-loader share the hook with xdpfw in
# test/netns/libxdp.sh.  The kernel matrix (test/kernels): qemu boots
# Debian kernels (fetched with apt-get download, dpkg-deb, depmod from
# kmod) from a busybox-static initramfs packed with cpio.  The container
# image (test/netns/container.sh): debootstrap makes its base, podman
# builds and runs it, runc where crun cannot (hybrid cgroups, as on CI).
XDPFW_TEST_PKGS=(nftables python3 libclang-rt-14-dev curl prometheus xdp-tools
	qemu-system-x86 busybox-static kmod cpio xz-utils
	debootstrap podman runc)

# Packaging and its tests (scripts/package.sh, test/pkg): the Debian
# build tools and lintian, scdoc for the man pages, man-db and groff-base
# to render them, bash-completion, systemd for systemd-analyze.
XDPFW_PKG_PKGS=(debhelper dpkg-dev fakeroot lintian scdoc man-db groff-base
	bash-completion systemd)
# kubectl parses the Kubernetes manifests (test/pkg/kubernetes.sh); any
# kubectl will do (Debian's kubernetes-client conflicts with others').
command -v kubectl >/dev/null 2>&1 || XDPFW_PKG_PKGS+=(kubernetes-client)

xdpfw_missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
			echo "$p"
	done
}

# xdpfw_install_pkgs PKG...: apt-get install what is not installed yet.
xdpfw_install_pkgs() {
	local missing
	if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
		echo "xdpfw: no dpkg/apt-get here; make sure these are installed: $*" >&2
		return 0
	fi
	mapfile -t missing < <(xdpfw_missing_pkgs "$@")
	if [ "${#missing[@]}" -eq 0 ]; then
		echo "xdpfw: all ${#} packages already installed"
		return 0
	fi
	echo "xdpfw: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "xdpfw: need root to install packages (run with sudo)" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || return 1
	apt-get install -y -q --no-install-recommends "${missing[@]}" || return 1
}

# xdpfw_configure DIR [MESON OPTION...]: configure (or reconfigure) DIR.
xdpfw_configure() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" ||
			meson setup --wipe "$dir" "$@" || return 1
	else
		rm -rf "$dir"
		meson setup "$dir" "$@" || return 1
	fi
}

# xdpfw_build DIR [MESON OPTION...]: configure (or reconfigure) and build
# the tree into DIR.
xdpfw_build() {
	xdpfw_configure "$@" || return 1
	ninja -C "$1"
}

# bpffs at /sys/fs/bpf, where the default pin_dir lives.
xdpfw_mount_bpffs() {
	if ! mountpoint -q /sys/fs/bpf 2>/dev/null; then
		mkdir -p /sys/fs/bpf 2>/dev/null
		mount -t bpf bpf /sys/fs/bpf || echo "xdpfw: cannot mount a bpffs on /sys/fs/bpf" >&2
	fi
}
