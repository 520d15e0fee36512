#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the seed corpora of the fuzz targets under test/fuzz/corpus/.

    python3 test/fuzz/gen-corpus.py      # rewrites the generated seeds

Seeds are small, named by what they hold.  Files named crash-regression-*
(inputs of findings) are left alone.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

RULES = {
    "spec-examples": "# examples\n203.0.113.7\n10.0.2.2:30000\n10.0.2.2:30000/udp\n"
    "198.51.100.0/24\n198.51.100.0/24:443/tcp\n2001:db8::1\n2001:db8::/32\n"
    "[2001:db8::1]:53/udp\n[2001:db8::/48]:443\n",
    "spamhaus-drop": "; Spamhaus DROP List 2026/11/30 - (c) 2026 The Spamhaus Project\n"
    "; Last-Modified: Mon, 30 Nov 2026 12:00:00 GMT\n; Expires: Tue, 01 Dec 2026 13:00:00 GMT\n"
    "1.10.16.0/20 ; SBL256894\n1.19.0.0/16 ; SBL434604\n2.56.192.0/22 ; SBL459831\n"
    "5.134.128.0/19 ; SBL270738\n223.254.0.0/16 ; SBL212803\n",
    "spamhaus-dropv6": "; Spamhaus DROPv6 List\n2001:678:738::/48 ; SBL614382\n"
    "2a06:e480::/29 ; SBL301771\n2a07:a8c0::/29 ; SBL352466\n",
    "ipv6-brackets": "[2001:db8::1]:53\n[2001:db8::1]:53/tcp\n[2001:db8::/48]:443/udp\n"
    "[::/0]:123/udp\n[::1]:22\n[fe80::1]:1\n[2001:db8:0:0:0:0:0:1]:65535\n",
    "ipv6-bare": "2001:db8::1\n2001:DB8::A\n::\n::/0\n::1/128\nfe80::/10\n"
    "2001:0db8:0000:0000:0000:0000:0000:0001\n2001:db8::1:53\n",
    "ipv6-oddities": "::ffff:10.0.0.1\n::ffff:0:0/96\n2001:db8::10.1.2.3\n"
    "[::ffff:192.0.2.1]:80\n2001:db8:::1\n2001:db8::1::2\n1:2:3:4:5:6:7:8:9\n"
    "2001:db8::g\n[2001:db8::1\n2001:db8::1]:53\n[2001:db8::1]53\n",
    "ipv4-forms": "0.0.0.0/0:11211/udp\n0.0.0.0/0\n255.255.255.255\n10.0.0.0/8\n"
    "10.0.0.0/8:53\n192.0.2.1/32\n192.0.2.1:1\n",
    "ipv4-errors": "10.0.0.1/24\n10.0.0.0/33\n10.0.0.256\n10.0.0\n10.0.0.0.1\n"
    "010.0.0.1\n10.0.0.1:0\n10.0.0.1:65536\n10.0.0.1:80/icmp\n10.0.0.1/tcp\n"
    "10.0.0.1:\n10.0.0.1:/udp\n10.0.0.1:80/\n10.0.0.1/\n 10.0.0.1 10.0.0.2\n",
    "comments": "# a comment\n   # indented\n10.0.0.1 # trailing\n10.0.0.2\t# tab\n"
    "10.0.0.3#no blank\n; semicolon\n10.0.0.4 ; semicolon trailing\n\n\n",
    "crlf": "10.0.0.1\r\n10.0.0.2:80\r\n[2001:db8::1]:53/udp\r\n# c\r\n\r\n",
    "bom": "\ufeff10.0.0.1\n2001:db8::1\n",
    "duplicates": "10.0.0.1\n10.0.0.1\n10.0.0.1/32\n2001:db8::1\n2001:DB8:0::1\n"
    "[2001:db8::1]:53\n[2001:db8::1]:053\n",
    "exceptions-expiry": "!10.0.0.1\n10.0.0.0/8\n203.0.113.7 expires=2026-12-01T00:00:00Z\n"
    "!2001:db8::1 expires=2026-12-01T00:00:00Z\n",
    "exceptions": "!203.0.113.7\n!10.0.0.0/8\n!10.0.0.1:53\n!10.0.0.1:53/udp\n"
    "![2001:db8::1]:443/tcp\n!2001:db8::/32\n![2001:db8::/48]:53\n!0.0.0.0/0\n"
    "10.0.0.1\n!10.0.0.1\n",
    "exceptions-bad": "! 10.0.0.1\n!!10.0.0.1\n!\n10.0.0.1!\n!10.0.0.1/33\n!#c\n"
    "!10.0.0.1 # c\n![2001:db8::1]\n",
    "whitespace": "  10.0.0.1  \n\t10.0.0.2\t\n\v10.0.0.3\f\n",
    "garbage-1": "hello world\n:::\n[[]]\n/\n:\n!\n#\n",
    "garbage-2": "\x00\x01\x02\xff\xfe10.0.0.1\n",
    "long-line": "10." + "1" * 300 + ".0.1\n" + "#" * 500 + "\n",
    "no-newline": "10.0.0.1",
    "empty": "",
}

CONF_DEFAULT = open(os.path.join(HERE, "..", "..", "conf", "xdpfw.conf"),
                    encoding="utf-8").read()

CONFIG = {
    "default": CONF_DEFAULT,
    "minimal": "[agent]\ninterfaces = eth0\n",
    "full": "[agent]\ninterfaces = eth0, eth1 veth-a\nxdp_mode = native\n"
    "rules = /etc/xdpfw/rules.txt\npin_dir = /sys/fs/bpf/xdpfw\nmax_rules = 67108864\n"
    "on_invalid = skip\nreload_delay_ms = 60000\nlog_level = debug\n"
    "[stats]\ninterval = 86400\nlog_top = 1000\nprometheus_textfile = /var/lib/m/x.prom\n",
    "bad-values": "[agent]\ninterfaces = eth0 eth0\nxdp_mode = fast\nrules = rules.txt\n"
    "max_rules = 0\nreload_delay_ms = -1\nlog_level = loud\n[stats]\ninterval = 86401\n"
    "log_top = 1e3\n",
    "unknown": "[agent]\ninterfaces = eth0\nfoo = bar\n[nope]\nx = y\n[stats]\nlisten = 127.0.0.1:9740\n",
    "duplicates": "[agent]\ninterfaces = eth0\ninterfaces = eth1\n[agent]\n[stats]\n[stats]\n",
    "outside-section": "interfaces = eth0\n[agent]\n",
    "crlf-bom": "\ufeff[agent]\r\ninterfaces = eth0\r\nlog_level = info ; c\r\n",
    "comments": "# c\n; c\n[agent] ; c\ninterfaces = eth0 # c\nrules = /a;b\n",
    "ifnames": "[agent]\ninterfaces = . .. a/b a:b 0123456789abcdef ,,, eth0\n",
    "syntax": "[agent\ninterfaces\n= eth0\n[]\n[ agent ]\n",
    "numbers": "[agent]\ninterfaces = lo\nmax_rules = 0x10\nreload_delay_ms = 0010\n"
    "[stats]\ninterval = 4294967296\nlog_top = +5\n",
    "long-line": "[agent]\ninterfaces = " + "e" * 300 + "\n",
    "empty-values": "[agent]\ninterfaces =\nrules =\n[stats]\nprometheus_textfile =\n",
    "empty": "",
}


def eth(ethertype, tags=()):
    f = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01"
    for tpid in tags:
        f += struct.pack("!HH", tpid, 100)
    return f + struct.pack("!H", ethertype)


def ip4(src, proto, payload, frag=0, opts=b""):
    ihl = (20 + len(opts)) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(payload),
                      0x1234, frag, 64, proto, 0, bytes(src), bytes([192, 0, 2, 2]))
    return hdr + opts + payload


def ip6(src, nh, payload):
    dst = bytes.fromhex("20010db8ffff00000000000000000002")
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + bytes.fromhex(src) + dst + payload


def l4(sport, proto):
    if proto == 6:
        return struct.pack("!HHIIBBHHH", sport, 33333, 1, 0, 0x50, 0x02, 1024, 0, 0) + b"abcde"
    return struct.pack("!HHHH", sport, 33333, 13, 0) + b"abcde"


def raw(frame):
    return b"\x00" + frame


def spec(b0, src, p2, p3, b4=0, ext=0, payload=5, cut=0, rest=b"", mode=1):
    return bytes([mode, b0, src, p2, p3, b4, ext & 255, (ext >> 8) & 255,
                  (ext >> 16) & 255, payload, cut]) + rest


def with_rules(rules, frame_input):
    """Mode 3: the input's own rules text, a NUL, then a frame input."""
    return b"\x03" + rules.encode() + b"\x00" + frame_input


V6_1 = "20010db8000100000000000000000001"
V6_3_3 = "20010db8000300000000000000000003"
V6_7_7 = "20010db8000700000000000000000007"

XDP = {
    # mode 0: raw frames
    "raw-v4-udp-blocked-port": raw(eth(0x0800) + ip4([10, 3, 0, 3], 17, l4(3000, 17))),
    "raw-v4-tcp-blocked-host": raw(eth(0x0800) + ip4([10, 1, 0, 1], 6, l4(80, 6))),
    "raw-v4-any-11211": raw(eth(0x0800) + ip4([198, 51, 100, 7], 17, l4(11211, 17))),
    "raw-v4-options-fragment": raw(eth(0x0800) + ip4([10, 2, 3, 4], 17, b"x" * 16,
                                                     frag=0x2005, opts=b"\x01" * 8)),
    "raw-v4-ihl15-short": raw(eth(0x0800) + b"\x4f" + ip4([10, 1, 0, 1], 17, l4(1, 17))[1:]),
    "raw-v4-two-tags": raw(eth(0x0800, (0x88a8, 0x8100)) + ip4([10, 4, 0, 9], 6, l4(4000, 6))),
    "raw-three-tags": raw(eth(0x0800, (0x88a8, 0x8100, 0x8100)) + ip4([10, 1, 0, 1], 6, l4(1, 6))),
    "raw-v6-udp-port": raw(eth(0x86dd) + ip6(V6_3_3, 17, l4(5002, 17))),
    "raw-v6-hbh-tcp": raw(eth(0x86dd) + ip6(V6_1, 0, bytes([6, 0, 1, 4, 0, 0, 0, 0]) + l4(80, 6))),
    "raw-v6-frag-nonfirst": raw(eth(0x86dd) + ip6(V6_1, 44, bytes([17, 0, 0, 8, 0, 0, 0, 1]) + b"y" * 8)),
    "raw-arp": raw(eth(0x0806) + bytes(28)),
    "raw-lldp": raw(eth(0x88cc) + bytes(20)),
    "raw-short": raw(b"\x02\x00\x00\x00\x00\x02\x02\x00"),
    "raw-eth-only": raw(eth(0x0800)),
    # modes 1 and 2: built frames (see build_spec_frame in fuzz-xdp.c)
    "spec-v4-udp-3000": spec(0b010, 11, 0, 2),
    "spec-v4-tcp-opts-vlan": spec(0b01000, 9, 0, 0, b4=10),
    "spec-v4-icmp-nonfirst": spec(0b1000100, 3, 0, 0),
    "spec-v4-gre": spec(0b110, 0, 0, 0),
    "spec-v4-qinq": spec(0b10010000 | 0b010, 12, 0, 4),
    "spec-v6-tcp-ext": spec(0b001, 5, 0, 9, b4=4, ext=0o2410),
    "spec-v6-udp-deep": spec(0b011, 7, 0, 11, b4=7, ext=0o0201210),
    "spec-v6-frag-first": spec(0b0100011, 9, 0, 13, b4=2, ext=0o03),
    "spec-v6-icmp6": spec(0b101, 0, 0, 0),
    "spec-v6-raw-port": spec(0b001, 11, 0x81, 0xbb),
    "spec-cut-v4": spec(0b010, 11, 0, 2, cut=9),
    "spec-patch-ihl": spec(0b010, 11, 0, 2, rest=bytes([14, 0x4f])),
    "spec-patch-frag": spec(0b011, 7, 0, 11, b4=1, ext=0o3, rest=bytes([56, 0xff, 57, 0xf8])),
    "spec-overwrite-v6": spec(0b001, 0, 0, 0, cut=22, rest=bytes.fromhex(V6_3_3), mode=2),
    # exceptions of the fixed set (indices into src4/src6/ports of fuzz-xdp.c)
    "except-v4-host-in-24": spec(0b000, 20, 0, 16),
    "except-v4-port-over-addr": spec(0b000, 4, 0, 3),
    "except-v4-same-entry-tcp": spec(0b000, 10, 0, 1),
    "except-v4-any-source-port": spec(0b010, 24, 0, 7),
    "except-v4-more-general": spec(0b010, 15, 0, 6),
    "except-v4-nonfirst": spec(0b1000010, 20, 0, 16),
    "except-v4-global-port": spec(0b000, 16, 0, 8),
    "except-v4-cut-l4": spec(0b000, 4, 0, 3, cut=8),
    "except-v4-alone": spec(0b000, 22, 0, 18),
    "except-v6-addr": spec(0b001, 18, 0, 16),
    "except-v6-port": spec(0b001, 4, 0, 3),
    "except-v6-ext-udp": spec(0b011, 20, 0, 12, b4=2, ext=0o20),
    "except-v6-too-deep": spec(0b001, 12, 0, 16, b4=7, ext=0o0201210),
    # mode 3: rules of the input, then a frame
    "rules-except-v4": with_rules("198.51.100.0/24\n198.51.100.0/24:53/udp\n!198.51.100.7\n",
                                  spec(0b010, 17, 0, 6)),
    "rules-except-v6-port": with_rules(
        "2001:db8:7::/48\n[2001:db8:7::/48]:53/udp\n![2001:db8:7::7]:53/udp\n",
        raw(eth(0x86dd) + ip6(V6_7_7, 17, l4(53, 17)))),
    "rules-x-and-not-x": with_rules("10.1.0.1\n!10.1.0.1\n",
                                    raw(eth(0x0800) + ip4([10, 1, 0, 1], 6, l4(80, 6)))),
    "rules-except-precedence": with_rules(
        "10.3.0.0/16\n!10.3.0.0/24\n!10.3.0.0/16:3000\n!10.3.0.3:3000/udp\n",
        spec(0b010, 11, 0, 2)),
    "rules-bad-lines": with_rules("!\n!!10.1.0.1\n10.1.0.1/33\n10.1.0.0/16\n",
                                  spec(0b000, 0, 0, 16)),
}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for target, seeds in (("rules", RULES), ("config", CONFIG), ("xdp", XDP)):
        d = os.path.join(HERE, "corpus", target)
        if os.path.isdir(d):
            for old in os.listdir(d):
                if not old.startswith("crash-regression-"):
                    os.unlink(os.path.join(d, old))
        for name, data in seeds.items():
            write(target, name, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
