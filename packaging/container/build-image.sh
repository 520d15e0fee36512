#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-image.sh DEB [TAG]: the xdpfw container image.
#
#   scripts/package.sh                                   # -> build-deb/xdpfw_VERSION_ARCH.deb
#   packaging/container/build-image.sh build-deb/xdpfw_*.deb   # -> localhost/xdpfw:VERSION
#
# 1. a Debian 12 (bookworm) base from Debian's own packages: debootstrap
#    --variant=minbase into a directory, imported as localhost/xdpfw-base
#    (made once; XDPFW_REBASE=1 makes it again);
# 2. the .deb installed on it with apt (Containerfile).
# Needs root, debootstrap and podman (Debian packages); buildah works the
# same way (BUILDER=buildah: `buildah bud`).  MIRROR overrides the Debian
# mirror.  The RUN step is isolated with chroot by default (ISOLATION
# overrides: oci): it needs no OCI runtime, so it builds where crun cannot
# create containers (a host with hybrid cgroups, as CI's), and it uses the
# host's network (no bridge, no NAT rule made on the host for apt-get).
set -euo pipefail
deb=${1:?usage: build-image.sh DEB [TAG]}
here=$(cd "$(dirname "$0")" && pwd)
version=$(dpkg-deb -f "$deb" Version)
tag=${2:-localhost/xdpfw:$version}
mirror=${MIRROR:-http://deb.debian.org/debian}
builder=${BUILDER:-podman}
tmp=$(mktemp -d /var/tmp/xdpfw-image.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if [ "${XDPFW_REBASE:-0}" = 1 ] || ! podman image exists localhost/xdpfw-base:bookworm; then
	echo "== debootstrap bookworm (minbase) from $mirror"
	debootstrap --variant=minbase bookworm "$tmp/rootfs" "$mirror"
	rm -rf "$tmp"/rootfs/var/lib/apt/lists/* "$tmp"/rootfs/var/cache/apt/archives/*.deb
	echo "== importing localhost/xdpfw-base:bookworm"
	tar -C "$tmp/rootfs" --numeric-owner -cf - . |
		podman import --change 'CMD ["/bin/bash"]' - localhost/xdpfw-base:bookworm
	rm -rf "$tmp/rootfs"
fi
cp "$deb" "$tmp/xdpfw.deb"
cp "$here/Containerfile" "$tmp/Containerfile"
echo "== building $tag"
iso=(--isolation "${ISOLATION:-chroot}")
if [ "$builder" = buildah ]; then
	buildah bud "${iso[@]}" -t "$tag" -f "$tmp/Containerfile" "$tmp"
else
	podman build "${iso[@]}" -t "$tag" -f "$tmp/Containerfile" "$tmp"
fi
echo "$tag"
