#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the Debian package of xdpfw (packaging/debian/), as root or not:
#
#   scripts/package.sh [OUTDIR]        # default OUTDIR: build-deb
#
# installs the build dependencies when they are missing (as root), copies
# the tree (the files git knows, and new files it does not ignore) to
# OUTDIR/src/xdpfw-VERSION with packaging/debian as debian/, runs
# dpkg-buildpackage -b and lintian, and leaves OUTDIR/xdpfw_VERSION_ARCH.deb.
# The last line of output is the path of the .deb.
#
# Environment: XDPFW_DEB_VERSION overrides the version of
# packaging/debian/changelog (in the copy); XDPFW_LINTIAN=0 skips lintian;
# DEB_BUILD_OPTIONS as for any Debian build (nocheck skips the unit tests).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib-deps.sh

OUT=${1:-build-deb}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

xdpfw_install_pkgs "${XDPFW_BUILD_PKGS[@]}" "${XDPFW_PKG_PKGS[@]}"

version=${XDPFW_DEB_VERSION:-$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)}
case $version in
'' | *[!0-9A-Za-z.+~-]*)
	echo "xdpfw: bad package version '$version'" >&2
	exit 2
	;;
esac
src=$OUT/src/xdpfw-$version
rm -rf "$OUT/src"
mkdir -p "$src"

echo "== copying the tree to $src"
if [ -d .git ] && command -v git >/dev/null 2>&1; then
	# Tracked and new (not ignored) files, as they are in the working tree.
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf - | tar -xf - -C "$src"
else
	tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$src"
fi
rm -rf "$src/debian"
cp -a packaging/debian "$src/debian"
if [ -n "${XDPFW_DEB_VERSION:-}" ]; then
	sed -i "1s/([^)]*)/($version)/" "$src/debian/changelog"
fi

echo "== dpkg-buildpackage ($version)"
(cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)")

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$OUT/xdpfw_${version}_${arch}.deb
mv -f "$OUT/src/xdpfw_${version}_${arch}.deb" "$deb"
rm -rf "$OUT/src"

if [ "${XDPFW_LINTIAN:-1}" != 0 ]; then
	echo "== lintian"
	lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$deb"
fi
echo "== built"
echo "$deb"
