#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""oa: find an exact IPv4 key in xdpfw's open addressing tables, for tests
that tamper with them through bpftool (shared/xdpfw_shared.h has the
layout; the hash below is xdpfw_oa_hash).

Usage: oa.py CMD MAPS_DIR ADDR[:PORT/PROTO] [SLOT]
  index   print the index of the key's entry (exit 1: not in the table)
  tomb    print bpftool's "key hex ... value hex ..." that deletes it
          (a tombstone, key 0; exit 1: not in the table)
  put     print the same that inserts it with SLOT at the first free
          entry of its probe window (exit 1: none free)
Or: oa.py first MAPS_DIR < ADDRS (one IPv4 address a line)
  first   print the address whose home entry in xdpfw_v4_oa comes first:
          a load or large reload writes the keys of added addresses in the
          order of their table windows (agent/kmaps_bulk.c), so its key is
          among the first written
"""
import ipaddress
import json
import os
import subprocess
import sys

M = 0xFFFFFFFF
PROBES = 8
OVF = 0x80000000
TOMB = 0x7FFFFFFF
USED = 1 << 63
SEED = 0x4F410000
PROTOS = {"tcp": 6, "udp": 17}


M64 = (1 << 64) - 1
K1 = 0x9E3779B97F4A7C15
K4 = 0xD6E8FEB86659FD93


def mix(h):
    h ^= h >> 29
    h = (h * K4) & M64
    return (h ^ (h >> 32)) & M


def oa_hash(key):
    return mix(((key * K1) & M64) ^ SEED)


def packed(spec):
    """(table name, packed key) of ADDR or ADDR:PORT/PROTO."""
    addr, _, rest = spec.partition(":")
    a = int.from_bytes(ipaddress.IPv4Address(addr).packed, "little")
    if not rest:
        return "xdpfw_v4_oa", USED | a
    port, _, proto = rest.partition("/")
    pbe = int.from_bytes(int(port).to_bytes(2, "big"), "little")
    return "xdpfw_v4p_oa", USED | PROTOS[proto] << 48 | pbe << 32 | a


def bpftool(*args):
    out = subprocess.run(["bpftool", "-j", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def entry(path, idx):
    """(key, state) of entry idx."""
    v = bpftool("map", "lookup", "pinned", path, "key", *hexs(idx, 4))
    b = bytes(int(x, 16) for x in v["value"])
    return int.from_bytes(b[:8], "little"), int.from_bytes(b[8:12], "little")


def hexs(n, size):
    return ["hex"] + ["%02x" % x for x in n.to_bytes(size, "little")]


def args(idx, key, state):
    return " ".join(["key"] + hexs(idx, 4) + ["value"] +
                    hexs(key | state << 64, 16))


def first(maps, specs):
    path = os.path.join(maps, "xdpfw_v4_oa")
    mask = bpftool("map", "show", "pinned", path)["max_entries"] - 1
    homes = ((oa_hash(packed(s)[1]) & mask, s) for s in specs if s)
    print(min(homes)[1])
    return 0


def main(argv):
    if argv[1] == "first":
        return first(argv[2], sys.stdin.read().split())
    cmd, maps, spec = argv[1], argv[2], argv[3]
    name, key = packed(spec)
    path = os.path.join(maps, name)
    mask = bpftool("map", "show", "pinned", path)["max_entries"] - 1
    home = oa_hash(key) & mask
    free = None
    for i in range(PROBES):
        idx = (home + i) & mask
        k, st = entry(path, idx)
        s = st & ~OVF
        if s in (0, TOMB):
            free = idx if free is None else free
            if s == 0:
                break
        elif k == key:
            if cmd == "index":
                print(idx)
            elif cmd == "tomb":
                print(args(idx, 0, (st & OVF) | TOMB))
            else:
                return 1
            return 0
    if cmd == "put" and free is not None:
        _, st = entry(path, free)
        print(args(free, key, (st & OVF) | (int(argv[4]) + 1)))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
