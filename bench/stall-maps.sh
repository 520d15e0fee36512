#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# stall-maps: the floor of a migration's stalls.  Creates a map of each
# size xdpfw's maps have at MAX_RULES (agent/loader.c's sizing, NCPUS
# possible CPUs) with bpftool, one after the other and all kept (so that
# each takes memory not used just before, as a migration's new maps do,
# the old ones still alive), with bench-stall around each; then frees
# them.  A map's creation is one bpf(BPF_MAP_CREATE) that allocates and
# zeroes its whole area; prints a markdown table row per map: entries,
# bytes, the create's wall time and bench-stall's longest gap.
#
#   sudo STALL=build/bench/bench-stall bench/stall-maps.sh MAX_RULES [NCPUS]
set -eu
M=${1:?MAX_RULES}
C=${2:-$(nproc)}
: "${STALL:?set STALL to the bench-stall binary}"
FS=$(mktemp -d /tmp/xdpfw-stall-maps.XXXXXX)
mount -t bpf bpf "$FS"
cleanup() {
	rm -f "$FS"/st_* 2>/dev/null || true
	umount "$FS" && rmdir "$FS"
}
trap cleanup EXIT

p2() { # the power of two >= $1, at least 64 (oa_entries)
	local n=64
	while [ "$n" -lt "$1" ]; do n=$((n * 2)); done
	echo "$n"
}
mk() { # mk NAME TYPE KEY VALUE ENTRIES FLAGS BYTES
	local out p s e
	out=$(mktemp)
	"$STALL" >"$out" 2>/dev/null &
	p=$!
	sleep 0.3
	s=$(date +%s%N)
	bpftool map create "$FS/st_$1" type "$2" key "$3" value "$4" \
		entries "$5" name "st_$1" flags "$6" || echo "| $1 | create failed |"
	e=$(date +%s%N)
	sleep 0.2
	kill -INT "$p"
	wait "$p" || true
	printf '| %s | %d | %d MiB | %d ms | %s ms |\n' "$1" "$5" $(($7 >> 20)) \
		$(((e - s) / 1000000)) "$(sed -n 's/^longest_ms //p' "$out")"
	rm -f "$out"
}

# (The overflow maps are LPM tries since layout 10: nothing allocated at
# creation, so not among these.)
oa4=$(p2 $((2 * M)))  # oa_entries(max_rules, 2)
oa6=$(p2 "$M")
oa6c=$(p2 $((M / 4 + 1)))
l2=$((M / 32 > 16 ? M / 32 : 16))
echo "max_rules $M, $C CPUs"
echo "| map | entries | area | create | longest gap |"
echo "|---|---:|---:|---:|---:|"
mk rules array 4 24 "$M" 1024 $((24 * M))
mk rbase array 4 16 "$M" 1024 $((16 * M))
mk rstats array 4 16 $((C * M)) 1024 $((16 * C * M))
mk v4_oa array 4 16 "$oa4" 1024 $((16 * oa4))
mk v4p_oa array 4 16 "$oa4" 1024 $((16 * oa4))
mk v6_oa array 4 24 "$oa6" 1024 $((24 * oa6))
mk v6p_oa array 4 24 "$oa6" 1024 $((24 * oa6))
mk v6c_oa array 4 24 "$oa6c" 1024 $((24 * oa6c))
mk v4_l2 array 4 1024 "$l2" 1024 $((1024 * l2))
mk v4_tbl array 4 8 $((1 << 23)) 1024 $((1 << 26))
mk v6_flags array 4 8 $((1 << 20)) 1024 $((1 << 23))
