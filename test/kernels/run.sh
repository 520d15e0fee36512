#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run one command on another kernel: a Debian kernel package, fetched and
# cached, booted in qemu with this machine's root file system shared
# read-only over 9p and a tmpfs overlay on top (test/kernels/init), so every
# host tool and the project's build directory are there in the guest.
#
#   test/kernels/run.sh KERNEL [--] COMMAND [ARG...]
#   test/kernels/run.sh --fetch KERNEL       (download and cache only)
#   test/kernels/run.sh --list               (the known KERNEL names)
#
# KERNEL is a name of the table below (5.10, 6.1, 6.12), "host" (COMMAND
# runs here, on this machine's kernel, for the matrix's last row) or
# RELEASE:PACKAGE,
# e.g. bookworm:linux-image-6.1.0-28-amd64 (a meta package such as
# linux-image-amd64 is resolved to the image it depends on).  COMMAND runs
# as root in the guest, in the current directory, with this environment's
# PATH; its exit status is the runner's.  The guest's console log is printed
# when the command fails or the guest dies.
#
# Environment:
#   XDPFW_KERNEL_CACHE   cache directory (/var/cache/xdpfw-kernels, or
#                        ~/.cache/xdpfw-kernels when that is not writable)
#   XDPFW_KERNEL_ACCEL   kvm, tcg or auto (default: kvm when it boots a
#                        guest here, else tcg; the probe result is cached
#                        until the next host boot)
#   XDPFW_KERNEL_MEM     guest memory (default 2G)
#   XDPFW_KERNEL_TIMEOUT seconds before the guest is killed (default 1200)
#   XDPFW_KERNEL_REFRESH =1: resolve and download the kernel again
#   XDPFW_TIME_SCALE     how many times slower the guest runs (default 5
#                        under TCG, 1 under KVM): the guest exports it, and
#                        the netns tests' waits scale by it (test/netns/lib.sh)
#
# Exit: COMMAND's status; 77 when this machine cannot run the guest (no qemu,
# no busybox-static, no network for a kernel not cached yet) unless CI=true;
# 125 when the guest died without reporting a status.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)

# name  releases (the first is the package's)      package
KERNELS=(
	"5.10 bullseye,bullseye-updates,bullseye-security linux-image-amd64"
	"6.1 bookworm,bookworm-updates,bookworm-security linux-image-amd64"
	"6.12 bookworm-security linux-image-6.12-amd64"
)
MIRROR=${XDPFW_KERNEL_MIRROR:-http://deb.debian.org/debian}
SEC_MIRROR=${XDPFW_KERNEL_SEC_MIRROR:-http://deb.debian.org/debian-security}

say() { echo "xk: $*" >&2; }
die() { say "error: $*"; exit 1; }
# cannot: this machine lacks something to run the guest.
cannot() {
	say "cannot run: $*"
	[ "${CI:-}" = true ] && exit 1
	exit 77
}

cache_dir() {
	local d=${XDPFW_KERNEL_CACHE:-}
	if [ -z "$d" ]; then
		d=/var/cache/xdpfw-kernels
		if ! mkdir -p "$d" 2>/dev/null || [ ! -w "$d" ]; then
			d=${XDG_CACHE_HOME:-$HOME/.cache}/xdpfw-kernels
		fi
	fi
	mkdir -p "$d" || cannot "cannot create the cache directory $d"
	(cd "$d" && pwd)
}

# apt_private RELEASES: apt-get options for a private apt state in
# $CACHE/apt/FIRST-RELEASE that knows RELEASES (comma-separated), updated
# once; the host's apt configuration is neither read nor changed.
apt_private() {
	local rels=$1 dir r uri
	dir=$CACHE/apt/${rels%%,*}
	APT=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=$dir/empty"
		-o "Dir::Etc::Preferences=$dir/empty/none" -o "Dir::Etc::PreferencesParts=$dir/empty"
		-o "Dir::State=$dir/state" -o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::status=$dir/status" -o "Dir::Cache=$dir/cache"
		-o Debug::NoLocking=1 -o APT::Architecture=amd64 -o Acquire::Languages=none
		-o APT::Sandbox::User="$(id -un)" -q)
	[ -f "$dir/updated" ] && [ "${XDPFW_KERNEL_REFRESH:-}" != 1 ] && return 0
	mkdir -p "$dir/empty" "$dir/state" "$dir/lists/partial" "$dir/cache/archives/partial"
	: >"$dir/status"
	: >"$dir/sources.list"
	for r in ${rels//,/ }; do
		case $r in *-security) uri=$SEC_MIRROR ;; *) uri=$MIRROR ;; esac
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $r main" \
			>>"$dir/sources.list"
	done
	say "apt-get update for $rels (private state in $dir)"
	apt-get "${APT[@]}" update >"$dir/update.log" 2>&1 || {
		cat "$dir/update.log" >&2
		cannot "apt-get update for $rels failed (no network?)"
	}
	touch "$dir/updated"
}

# resolve RELEASES PACKAGE: the image package (a meta package's dependency),
# with APT set by apt_private.
resolve() {
	local pkg=$2 dep
	dep=$(apt-cache "${APT[@]}" depends "$pkg" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
	[ -n "$dep" ] && pkg=$dep
	apt-cache "${APT[@]}" show "$pkg" >/dev/null 2>&1 || die "no package $pkg in $1"
	echo "$pkg"
}

# fetch NAME: sets KDIR (the cached, extracted kernel) and KVER.
fetch() {
	local name=$1 line rels="" pkg="" dir tmp deb
	for line in "${KERNELS[@]}"; do
		read -r n r p <<<"$line"
		[ "$n" = "$name" ] && { rels=$r; pkg=$p; }
	done
	if [ -z "$pkg" ]; then
		case $name in
		*:linux-image-*) rels=${name%%:*}; pkg=${name#*:} ;;
		*) die "unknown kernel '$name' (known: $(list | tr '\n' ' ')or RELEASE:PACKAGE)" ;;
		esac
	fi
	dir=$CACHE/by-name/${name//[:\/]/_}
	if [ -f "$dir/ready" ] && [ "${XDPFW_KERNEL_REFRESH:-}" != 1 ]; then
		KDIR=$(cat "$dir/ready")
	else
		if ! command -v dpkg-deb >/dev/null || ! command -v apt-get >/dev/null; then
			cannot "needs apt-get and dpkg-deb to fetch a kernel"
		fi
		apt_private "$rels"
		pkg=$(resolve "$rels" "$pkg")
		KDIR=$CACHE/$pkg
		if [ ! -f "$KDIR/ready" ]; then
			tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
			say "downloading $pkg"
			(cd "$tmp" && apt-get "${APT[@]}" download "$pkg" >download.log 2>&1) || {
				cat "$tmp/download.log" >&2
				rm -rf "$tmp"
				cannot "apt-get download $pkg failed"
			}
			deb=$(ls "$tmp"/*.deb)
			dpkg-deb -x "$deb" "$tmp/root" || die "dpkg-deb -x $deb"
			rm -rf "$KDIR"
			mv "$tmp/root" "$KDIR"
			rm -rf "$tmp"
			touch "$KDIR/ready"
		fi
		mkdir -p "$dir"
		echo "$KDIR" >"$dir/ready.tmp" && mv "$dir/ready.tmp" "$dir/ready"
	fi
	KVER=$(find "$KDIR/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n1)
	if [ -z "$KVER" ] || [ ! -f "$KDIR/boot/vmlinuz-$KVER" ]; then
		die "$KDIR holds no kernel"
	fi
	[ -f "$KDIR/lib/modules/$KVER/modules.dep" ] ||
		depmod -b "$KDIR" "$KVER" || die "depmod -b $KDIR $KVER"
}

list() { local l; for l in "${KERNELS[@]}"; do echo "${l%% *}"; done; }

# initramfs: $KDIR/initramfs.cpio.gz with busybox, the boot modules and
# test/kernels/init (rebuilt when init changes).
initramfs() {
	local out=$KDIR/initramfs.cpio.gz bb root m f
	if [ -f "$out" ] && [ "$out" -nt "$HERE/init" ]; then return 0; fi
	# busybox-static installs /bin/busybox; check that it is static.
	bb=/bin/busybox
	if [ ! -x "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
		cannot "needs busybox-static (a statically linked /bin/busybox)"
	fi
	root=$(mktemp -d "$CACHE/.initramfs.XXXXXX")
	mkdir -p "$root"/{bin,lib/modules,proc,sys,dev}
	cp "$bb" "$root/bin/busybox"
	for f in sh mount umount insmod mkdir cat cp switch_root sleep; do
		ln -s busybox "$root/bin/$f"
	done
	cp "$HERE/init" "$root/init"
	chmod 0755 "$root/init"
	: >"$root/modules"
	# In modprobe's order, each module after what it depends on (6.1's 9p
	# on netfs and fscache); modules built into the kernel print nothing.
	for m in $(for f in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -d "$KDIR" -S "$KVER" --show-depends "$f" ||
			echo "xk: modprobe --show-depends $f failed" >&2
	done | sed -n 's/^insmod \([^ ]*\).*/\1/p'); do
		f=$(basename "$m")
		f=${f%.xz}
		f=${f%.zst}
		grep -qx "$f" "$root/modules" && continue
		case $m in
		*.xz) xz -dc "$m" >"$root/lib/modules/$f" ;;
		*.zst) zstd -qdc "$m" >"$root/lib/modules/$f" ;;
		*) cp "$m" "$root/lib/modules/$f" ;;
		esac
		echo "$f" >>"$root/modules"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
}

# accel: the qemu acceleration options.  kvm only where it boots a guest
# (a paravirtual /dev/kvm may exist and still not run a stock kernel).
ACCEL_KVM=(-accel kvm -cpu host)
ACCEL_TCG=(-accel "tcg,thread=multi" -cpu max)
accel() {
	local want=${XDPFW_KERNEL_ACCEL:-auto} probe boot
	case $want in
	kvm) ACCEL=("${ACCEL_KVM[@]}"); return ;;
	tcg) ACCEL=("${ACCEL_TCG[@]}"); return ;;
	esac
	ACCEL=("${ACCEL_TCG[@]}")
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 0
	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
	probe=$CACHE/accel.$boot
	if [ ! -f "$probe" ]; then
		say "probing kvm (a guest that only reports its status)"
		if XDPFW_KERNEL_ACCEL=kvm XDPFW_KERNEL_TIMEOUT=60 "$0" "$NAME" true \
			>/dev/null 2>&1; then
			echo kvm >"$probe"
		else
			echo tcg >"$probe"
		fi
	fi
	[ "$(cat "$probe")" = kvm ] && ACCEL=("${ACCEL_KVM[@]}")
	return 0
}

# boot COMMAND...: run COMMAND in the guest; exit with its status.
boot() {
	local out rc=0 t0 q scale
	q=$(command -v qemu-system-x86_64) || cannot "needs qemu-system-x86 (qemu-system-x86_64)"
	out=$(mktemp -d "${TMPDIR:-/tmp}/xk-run.XXXXXX")
	chmod 0777 "$out"
	{
		# The caller's environment (meson's test variables among it).
		export -p | grep -Ev '^declare -x (PWD|OLDPWD|SHLVL|HOSTNAME|_)='
		printf 'cd %q || exit 1\n' "$PWD"
		printf 'exec'
		printf ' %q' "$@"
		echo
	} >"$out/cmd"
	t0=$(date +%s)
	scale=${XDPFW_TIME_SCALE:-}
	if [ -z "$scale" ]; then
		scale=1
		[ "${ACCEL[*]}" = "${ACCEL_TCG[*]}" ] && scale=5
	fi
	say "$NAME ($KVER): ${ACCEL[*]}, time scale $scale"
	# loglevel=5: warnings reach the console, a soft lockup's stacks among
	# them; softlockup_panic: a guest whose CPU is stuck 60 s (2 x
	# watchdog_thresh, long enough for a guest kept off the host's CPUs)
	# ends at once with them, not at the timeout.
	timeout -k 10 "${XDPFW_KERNEL_TIMEOUT:-1200}" "$q" "${ACCEL[@]}" \
		-smp "$(nproc)" -m "${XDPFW_KERNEL_MEM:-2G}" \
		-display none -no-reboot -nodefaults -serial "file:$out/console.log" \
		-kernel "$KDIR/boot/vmlinuz-$KVER" -initrd "$KDIR/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 loglevel=5 softlockup_panic=1 watchdog_thresh=30 xk.mods=$KDIR/lib/modules/$KVER xk.scale=$scale" \
		-virtfs "local,path=/,mount_tag=host0,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$out,mount_tag=xkout,security_model=none" \
		-device virtio-rng-pci >"$out/qemu.log" 2>&1 || rc=$?
	[ -s "$out/output" ] && cat "$out/output"
	if [ -f "$out/status" ]; then
		rc=$(cat "$out/status")
		say "$NAME ($KVER): exit $rc after $(($(date +%s) - t0)) s"
	else
		say "$NAME ($KVER): the guest reported no status (qemu exit $rc," \
			"$(($(date +%s) - t0)) s)"
		cat "$out/qemu.log" >&2
		rc=125
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		say "console log of $NAME ($KVER):"
		sed 's/^/  | /' "$out/console.log" >&2
	fi
	[ "$rc" = 125 ] && grep -q 'soft lockup' "$out/console.log" && LOCKUP=1
	rm -rf "$out"
	return "$rc"
}

case ${1:-} in
"" | -h | --help) sed -n '3,/^set -e/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
--list) list; exit 0 ;;
--fetch) [ $# -eq 2 ] || die "usage: $0 --fetch KERNEL"; FETCH_ONLY=1; shift ;;
esac
NAME=$1
shift
[ "${1:-}" = -- ] && shift
[ "${FETCH_ONLY:-}" = 1 ] || [ $# -gt 0 ] || die "usage: $0 KERNEL [--] COMMAND [ARG...]"
if [ "$NAME" = host ]; then
	[ "${FETCH_ONLY:-}" = 1 ] && exit 0
	say "host ($(uname -r)): $*"
	exec "$@"
fi
CACHE=$(cache_dir)
# One fetch at a time per cache (meson may start several tests at once).
exec 9>"$CACHE/.lock"
flock 9
fetch "$NAME"
initramfs
flock -u 9
[ "${FETCH_ONLY:-}" = 1 ] && { echo "$KDIR ($KVER)"; exit 0; }
accel
rc=0
LOCKUP=0
boot "$@" || rc=$?
# A guest that locked up (softlockup_panic: a CPU stuck in its kernel for
# 2 x watchdog_thresh s) is booted once more: seen in the 6.1 guest under
# TCG, stuck with xdpfw on one vCPU and anything on the other
# (docs/KERNELS.md "Soft lockups in the 6.1 guest"); its console log with
# the stacks is above.  A second lock-up, or any failure of the test
# itself, fails.
if [ "$LOCKUP" = 1 ]; then
	say "$NAME ($KVER): the guest locked up (console log above): booting it once more"
	rc=0
	boot "$@" || rc=$?
fi
exit "$rc"
