#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Generate a realistic xdpfw rules file (and the matching nft script).

The mix, by share of entries (a blocklist of that size is mostly single
hosts, a quarter ip:port indicators, some networks):

    IPv4 address            40 %     IPv6 address            14 %
    IPv4 ip:port            25 %     IPv6 [ip]:port           6 %
    IPv4 prefix             10 %     IPv6 prefix              3.5 %
    IPv4 prefix:port         1 %     IPv6 [prefix]:port       0.5 %

Ports: 60 % from ports that indicator feeds are full of (80, 443, 4444, ...),
40 % uniform in 1024..65535; protocol tcp 40 %, udp 40 %, both 20 %.
IPv4 prefix lengths /24 55 %, /25../30 20 %, /20../23 17 %, /16../19 8 %;
IPv6 /48 40 %, /56 20 %, /64 25 %, /32 10 %, /40../44 5 %.
Addresses are random public unicast; the documentation and benchmarking
ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 198.18/15, 2001:db8::/32,
2001:2::/48) are never drawn, so that the bench's own probe entries (always
present, below) are the only ones there, and the bench's "miss" sources stay
misses.  Deterministic for a given --seed.

Usage: gen-rules.py --count N [--seed S] --out FILE
                    [--nft FILE --nft-dev IFNAME]     (1 element per entry)
"""
import argparse
import ipaddress
import random
import sys

# Entries the benchmarks hit (bench-datapath cases, bench-flood's blocked
# flood); "203.0.113.250" is the last line, the probe of the initial load.
PROBES_HEAD = [
    "203.0.113.7",
    "198.51.100.10:30000/udp",
    "192.0.2.128/25",
    "198.19.0.0/16",  # a prefix of /24 or shorter (v4-hit-prefix16)
    "2001:db8::7",
    "[2001:db8::10]:30000/udp",
    "2001:db8:1::/48",
    "0.0.0.0/0:11211/udp",  # amplification source ports, as in SPEC §2
    "[::/0]:19/udp",
]
PROBE_TAIL = "203.0.113.250"

COMMON_PORTS = [80, 443, 8080, 8443, 22, 23, 25, 53, 123, 445, 1433, 3389,
                4444, 5555, 6667, 7547, 8000, 8081, 8888, 9000, 1080, 3128,
                2323, 37215, 52869, 5060, 1900, 389, 3306, 6379]

V4_EXCLUDE = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
    "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/3")]
V6_EXCLUDE = [ipaddress.ip_network(n) for n in ("2001:db8::/32", "2001:2::/48")]


V4_RANGES = [(int(n.network_address), int(n.broadcast_address)) for n in V4_EXCLUDE]
V6_RANGES = [(int(n.network_address), int(n.broadcast_address)) for n in V6_EXCLUDE]


def v4_ok(value, plen):
    hi = value | ((1 << (32 - plen)) - 1)
    for nlo, nhi in V4_RANGES:
        if value <= nhi and nlo <= hi:
            return False
    return True


def v6_ok(value, plen):
    hi = value | ((1 << (128 - plen)) - 1)
    for nlo, nhi in V6_RANGES:
        if value <= nhi and nlo <= hi:
            return False
    return True


def v4_text(v):
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def v6_text(v):
    return str(ipaddress.IPv6Address(v))


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def port(self):
        r = self.r
        port = r.choice(COMMON_PORTS) if r.random() < 0.6 else r.randint(1024, 65535)
        x = r.random()
        proto = "tcp" if x < 0.4 else "udp" if x < 0.8 else None
        return port, proto

    def v4(self, plen):
        r = self.r
        while True:
            v = r.getrandbits(32)
            if plen < 32:
                v &= ~((1 << (32 - plen)) - 1) & 0xffffffff
            if v4_ok(v, plen):
                return v

    def v6(self, plen):
        r = self.r
        while True:
            # 2000::/3, global unicast
            v = (0x2 << 124) | (r.getrandbits(125) & ((1 << 124) - 1))
            v |= r.getrandbits(1) << 124
            if plen < 128:
                v &= ~((1 << (128 - plen)) - 1) & ((1 << 128) - 1)
            if v6_ok(v, plen):
                return v

    def v4_plen(self):
        x = self.r.random()
        if x < 0.55:
            return 24
        if x < 0.75:
            return self.r.randint(25, 30)
        if x < 0.92:
            return self.r.randint(20, 23)
        return self.r.randint(16, 19)

    def v6_plen(self):
        x = self.r.random()
        if x < 0.40:
            return 48
        if x < 0.60:
            return 56
        if x < 0.85:
            return 64
        if x < 0.95:
            return 32
        return self.r.randint(40, 44)

    def entry(self):
        """One entry: (text, nft element or None)."""
        x = self.r.random()
        if x < 0.40:
            a = self.v4(32)
            return v4_text(a), (a, 53)
        if x < 0.65:
            a = self.v4(32)
            port, proto = self.port()
            t = "%s:%d" % (v4_text(a), port)
            return (t + "/" + proto if proto else t), (a, port)
        if x < 0.75:
            plen = self.v4_plen()
            a = self.v4(plen)
            return "%s/%d" % (v4_text(a), plen), (a, 0)
        if x < 0.76:
            plen = self.v4_plen()
            a = self.v4(plen)
            port, proto = self.port()
            t = "%s/%d:%d" % (v4_text(a), plen, port)
            return (t + "/" + proto if proto else t), (a, port)
        if x < 0.90:
            return v6_text(self.v6(128)), None
        if x < 0.96:
            port, proto = self.port()
            t = "[%s]:%d" % (v6_text(self.v6(128)), port)
            return (t + "/" + proto if proto else t), None
        if x < 0.995:
            plen = self.v6_plen()
            return "%s/%d" % (v6_text(self.v6(plen)), plen), None
        plen = self.v6_plen()
        port, proto = self.port()
        t = "[%s/%d]:%d" % (v6_text(self.v6(plen)), plen, port)
        return (t + "/" + proto if proto else t), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, required=True,
                    help="entries in the file, probes included")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--nft", help="also write an nft script with COUNT "
                    "'ipv4_addr . inet_service' elements")
    ap.add_argument("--nft-dev", default="xb-fr")
    a = ap.parse_args()
    if a.count < len(PROBES_HEAD) + 1:
        sys.exit("gen-rules.py: --count must be at least %d" % (len(PROBES_HEAD) + 1))

    g = Gen(a.seed)
    seen = set(PROBES_HEAD) | {PROBE_TAIL}
    lines = list(PROBES_HEAD)
    nft = []
    nft_seen = set()
    # nft: the blocked flood's source first.
    nft.append((int(ipaddress.IPv4Address("198.51.100.10")), 30000))
    nft_seen.add(nft[0])
    want = a.count - len(PROBES_HEAD) - 1
    while len(lines) - len(PROBES_HEAD) < want:
        text, el = g.entry()
        if text in seen:
            continue
        seen.add(text)
        lines.append(text)
        if el and el[1] and el not in nft_seen:
            nft_seen.add(el)
            nft.append(el)
    lines.append(PROBE_TAIL)

    with open(a.out, "w") as f:
        f.write("# xdpfw benchmark blocklist: %d entries, seed %d "
                "(bench/gen-rules.py)\n" % (a.count, a.seed))
        f.write("\n".join(lines))
        f.write("\n")

    if a.nft:
        # Fill up to COUNT elements with more host:port pairs.
        while len(nft) < a.count:
            el = (g.v4(32), g.port()[0])
            if el not in nft_seen:
                nft_seen.add(el)
                nft.append(el)
        with open(a.nft, "w") as f:
            f.write("# %d elements, the nft counterpart of %s (bench/gen-rules.py)\n"
                    % (len(nft), a.out))
            # Re-applying replaces the table atomically (one transaction).
            f.write("add table netdev xbench\ndelete table netdev xbench\n")
            f.write("table netdev xbench {\n\tcounter xbcnt { }\n")
            f.write("\tset blk {\n\t\ttype ipv4_addr . inet_service\n"
                    "\t\tsize %d\n\t\telements = {\n" % (2 * len(nft)))
            for i in range(0, len(nft), 8):
                chunk = nft[i:i + 8]
                f.write("\t\t\t" + ", ".join("%s . %d" % (v4_text(x), p)
                                             for x, p in chunk))
                f.write(",\n" if i + 8 < len(nft) else "\n")
            f.write("\t\t}\n\t}\n")
            f.write("\tchain ingress {\n\t\ttype filter hook ingress device \"%s\" "
                    "priority -500; policy accept;\n"
                    "\t\tip saddr . udp sport @blk counter name \"xbcnt\" drop\n"
                    "\t}\n}\n" % a.nft_dev)


if __name__ == "__main__":
    main()
