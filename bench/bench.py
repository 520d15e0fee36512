#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""xdpfw benchmark harness; run it through bench/run.sh (docs/BENCHMARKS.md).

Parts (all in one run, every figure a median of several runs with min/max,
or a ratio against a peer measured in the same run):
  1 datapath   ns/pkt with BPF_PROG_TEST_RUN (bench-datapath)
  2 flood      end-to-end drop rate on a veth pair (bench-flood)
  3 control    the daemon on a 1M-entry file: initial load, one-line edit,
               1% churn, no-op SIGHUP, RSS, key writes; nft -f for comparison
  4 scaling    reload time and RSS against the number of entries; plot
  5 stalls     the longest CPU stall while 1M entries are emptied, migrated
               and detached (bench/stalls.sh; needs a quiet machine)

Every packet stays inside network namespaces this script creates (xb-*);
spoofed sources are documentation prefixes, test hosts 198.18.0.0/15.
Everything it creates is removed on exit, also on error or Ctrl-C.
"""
import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import report
import scaling

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PY = "/usr/bin/python3"
# The namespaces and veth pairs: the same script as the tests' and the demo's.
NETNS_SH = os.path.join(REPO, "scripts", "lib-netns.sh")

# The part 3 daemon serves /metrics there, in its namespace.
CP_METRICS_PORT = 9749
RELOAD_RE = re.compile(
    r"reload \((?P<trigger>[^)]+)\): (?P<path>.*): (?P<added>\d+) added, "
    r"(?P<removed>\d+) removed, (?P<unchanged>\d+) unchanged, "
    r"(?P<in_force>\d+) in force, (?P<key_writes>\d+) key writes, "
    r"(?P<ms>[\d.]+) ms")


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


def mono_ns():
    return time.monotonic_ns()


def stats(values):
    """median, min, max of a list (None when empty)."""
    v = [x for x in values if x is not None]
    if not v:
        return {"median": None, "min": None, "max": None, "n": 0, "values": []}
    return {"median": statistics.median(v), "min": min(v), "max": max(v),
            "n": len(v), "values": v}


def edit_summary(edits):
    """one_line_edits()'s edits with the median, min and max of each
    figure."""
    return {"edits": edits,
            "observed_ms": stats([e["observed_ms"] for e in edits]),
            "reload_ms": stats([e["reload_ms"] for e in edits]),
            "key_writes": stats([e["key_writes"] for e in edits])}


class Harness:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.build = args.build
        self.bin = {
            "datapath": os.path.join(self.build, "bench", "bench-datapath"),
            "flood": os.path.join(self.build, "bench", "bench-flood"),
            "probe": os.path.join(self.build, "bench", "bench-probe"),
            "xdpfw": os.path.join(self.build, "agent", "xdpfw"),
        }
        for k, p in self.bin.items():
            if not os.access(p, os.X_OK):
                sys.exit("bench: %s missing: build first (bench/run.sh does)" % p)
        self.work = tempfile.mkdtemp(prefix="xb-run-")
        self.netns = []
        self.mounts = []
        self.procs = []
        self.results = {}
        self.files = {}

    # ---- plumbing ----

    def run(self, cmd, check=True, capture=True, timeout=600, env=None):
        r = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None,
                           stderr=subprocess.PIPE if capture else None,
                           text=True, timeout=timeout, env=env)
        if check and r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (
                " ".join(cmd), r.returncode, (r.stderr or "").strip()[-2000:]))
        return r

    def netns_sh(self, *args, check=True):
        return self.run(["bash", NETNS_SH] + list(args), check=check)

    def make_ns(self, name, pairs):
        """namespace name, lo up, and each (a, b) a veth pair inside it,
        both ends up, no addresses."""
        self.netns_sh("ns-add", name)
        self.netns.append(name)
        for a, b in pairs:
            self.netns_sh("pair", name, a, "", name, b, "")

    def del_ns(self, name):
        self.netns_sh("ns-del", name)
        self.netns.remove(name)

    def bpffs(self, name):
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        self.run(["mount", "-t", "bpf", "bpf", path])
        self.mounts.append(path)
        return path

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for ns in reversed(self.netns):
            self.netns_sh("ns-del", ns, check=False)
        for m in reversed(self.mounts):
            subprocess.run(["umount", "-l", m], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.work, ignore_errors=True)

    def gen_rules(self, count, seed=1, nft_dev=None):
        key = (count, seed, nft_dev)
        if key in self.files:
            return self.files[key]
        out = os.path.join(self.work, "rules-%d-%d.txt" % (count, seed))
        cmd = [PY, os.path.join(HERE, "gen-rules.py"), "--count", str(count),
               "--seed", str(seed), "--out", out]
        nft = None
        if nft_dev:
            nft = os.path.join(self.work, "rules-%d-%d-%s.nft" % (count, seed, nft_dev))
            cmd += ["--nft", nft, "--nft-dev", nft_dev]
        t0 = time.monotonic()
        self.run(cmd)
        log("generated %d entries in %.1f s" % (count, time.monotonic() - t0))
        self.files[key] = (out, nft)
        return out, nft

    def with_exceptions(self, path, count):
        """path plus count exceptions ("!ENTRY") that no case's packet
        matches (CGNAT hosts, ULA /64s, ports of both): what exceptions
        cost a packet they do not save."""
        out = path[:-4] + "-x%d.txt" % count
        rnd = random.Random(7)
        with open(path) as f, open(out, "w") as o:
            o.write(f.read())
            for i in range(count):
                k = i % 4
                a = "100.%d.%d.%d" % (64 + rnd.randrange(64), rnd.randrange(256),
                                      rnd.randrange(256))
                if k == 0:
                    o.write("!%s\n" % a)
                elif k == 1:
                    o.write("!%s:%d/udp\n" % (a, 1 + rnd.randrange(65535)))
                elif k == 2:
                    o.write("!fd%02x:%x::/64\n" % (rnd.randrange(256), rnd.randrange(65536)))
                else:
                    o.write("![fd%02x:%x::1]:%d\n" % (rnd.randrange(256),
                                                    rnd.randrange(65536),
                                                    1 + rnd.randrange(65535)))
        os.chmod(out, 0o600)
        return out

    def nft_apply(self, ns, path):
        """nft -f PATH: (seconds, peak RSS in kB) from /usr/bin/time."""
        r = self.run(["ip", "netns", "exec", ns, "/usr/bin/time", "-f",
                      "XBTIME %e %M", "nft", "-f", path], timeout=900)
        m = re.search(r"XBTIME ([\d.]+) (\d+)", r.stderr)
        return float(m.group(1)), int(m.group(2))

    # ---- part 1: datapath ----

    def part_datapath(self):
        log("part 1: datapath cost per packet (BPF_PROG_TEST_RUN)")
        r10k, _ = self.gen_rules(10000)
        r10kx = self.with_exceptions(r10k, 1000)
        r1m, _ = self.gen_rules(1000000, nft_dev="xb-fr")
        self.make_ns("xb-dp", [("xb-da0", "xb-da1"), ("xb-db0", "xb-db1")])
        self.make_ns("xb-dq", [("xb-dc0", "xb-dc1")])
        xf = []
        # xdp-filter: its own loader, without libxdp's dispatcher (so its
        # program is an ordinary XDP program we can test-run), each
        # instance on its own bpffs; it refuses two policies in one netns.
        for ns, iface, label, policy, rules in (
                ("xb-dp", "xb-da0", "1", "allow", None),
                ("xb-dp", "xb-db0", "10k", "allow", r10k),
                ("xb-dq", "xb-dc0", "10k", "deny", r10k)):
            # xdp-filter pins under the first bpffs it finds; give it ours
            # at /sys/fs/bpf in a mount namespace of its own.
            root = self.bpffs("bpffs-xf-" + iface)
            env = dict(os.environ, LIBXDP_SKIP_DISPATCHER="1")
            self.run(["ip", "netns", "exec", ns, "unshare", "-m", "--propagation",
                      "private", "sh", "-c", 'mount --bind "$0" /sys/fs/bpf && '
                      'exec xdp-filter load "$1" --policy "$2" --mode native',
                      root, iface, policy], env=env)
            xf.append("%s=%s%s" % (label, root, "=" + rules if rules else ""))
        out = os.path.join(self.work, "datapath.json")
        cmd = [self.bin["datapath"], "--repeat", "1000000",
               "--rounds", "3" if self.quick else "7",
               "--set", "10k=" + r10k, "--set", "10k+1kx=" + r10kx,
               "--set", "1M=" + r1m, "--json", out]
        for v in self.args.variant or []:
            cmd += ["--variant", v]
        for x in xf:
            cmd += ["--xdp-filter", x]
        t0 = time.monotonic()
        r = self.run(cmd, timeout=1200)
        sys.stderr.write(r.stderr)
        print(r.stdout, end="")
        with open(out) as f:
            res = json.load(f)
        res["seconds"] = time.monotonic() - t0
        res["xdp_filter_version"] = self.run(["dpkg-query", "-W", "-f",
                                              "${Version}", "xdp-tools"],
                                             check=False).stdout.strip()
        self.results["datapath"] = res
        for ns in ("xb-dp", "xb-dq"):
            self.del_ns(ns)

    # ---- part 2: flood ----

    def part_flood(self):
        log("part 2: drop rate end to end (XDP live-frames generator, veth)")
        r1m, nft = self.gen_rules(1000000, nft_dev="xb-fr")
        ns = "xb-fl"
        self.make_ns(ns, [("xb-fs", "xb-fr")])
        t, rss = self.nft_apply(ns, nft)
        log("nft -f (1M elements, first load): %.2f s, %d MB" % (t, rss // 1024))
        self.results.setdefault("nft", {})["first_load"] = {"s": t, "rss_kb": rss}
        res = {}
        for mode, extra in (("softirq", []),
                            ("threaded", ["--napi-cpu", "1", "--gen-cpu", "0"])):
            out = os.path.join(self.work, "flood-%s.json" % mode)
            cmd = ["ip", "netns", "exec", ns, self.bin["flood"], "--tx", "xb-fs",
                   "--rx", "xb-fr", "--rules", r1m, "--nft",
                   "--seconds", "2" if self.quick else "3",
                   "--rounds", "2" if self.quick else "5", "--json", out] + extra
            if not self.quick and mode == "softirq":
                cmd.append("--nft-verify")
            r = self.run(cmd, timeout=900)
            sys.stderr.write(r.stderr)
            print("flood, receiver in %s:" % ("the generator's softirq (same CPU)"
                                              if mode == "softirq" else
                                              "threaded NAPI on its own CPU"))
            print(r.stdout, end="")
            with open(out) as f:
                res[mode] = json.load(f)
        self.results["flood"] = res
        # nft -f again over the loaded 1M set: what an operator runs after
        # each edit of an nft blocklist (the file replaces the table).
        again = []
        for i in range(1 if self.quick else 3):
            again.append(self.nft_apply(ns, nft))
            log("nft -f (1M elements, re-apply): %.2f s, %d MB" % (
                again[-1][0], again[-1][1] // 1024))
        self.results["nft"]["reapply"] = {
            "s": stats([a[0] for a in again]),
            "rss_kb": stats([a[1] for a in again])}
        # One element added incrementally, for fairness: fast, but then
        # someone has to compute the diff (what xdpfw does).
        t0 = time.monotonic()
        self.run(["ip", "netns", "exec", ns, "nft", "add", "element", "netdev",
                  "xbench", "blk", "{ 203.0.113.5 . 53 }"])
        self.results["nft"]["add_element_s"] = time.monotonic() - t0
        self.del_ns(ns)

    # ---- part 3/4: the daemon ----

    def start_daemon(self, ns, conf, label):
        logpath = os.path.join(self.work, "daemon-%s.log" % label)
        env = dict(os.environ, XDPFW_RUN_DIR=self.work)
        env.pop("JOURNAL_STREAM", None)
        p = subprocess.Popen(["ip", "netns", "exec", ns, self.bin["xdpfw"],
                              "run", "-c", conf],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, bufsize=1, env=env)
        self.procs.append(p)
        d = {"p": p, "lines": [], "cv": threading.Condition(), "log": logpath}

        def reader():
            with open(logpath, "w") as lf:
                for line in p.stderr:
                    t = mono_ns()
                    lf.write(line)
                    lf.flush()
                    with d["cv"]:
                        d["lines"].append((t, line.rstrip("\n")))
                        d["cv"].notify_all()
            with d["cv"]:
                d["lines"].append((mono_ns(), None))
                d["cv"].notify_all()
        th = threading.Thread(target=reader, daemon=True)
        th.start()
        d["thread"] = th
        return d

    def wait_line(self, d, start, pred, timeout):
        """First line at index >= start matching pred: (index, t_ns, line)."""
        end = time.monotonic() + timeout
        with d["cv"]:
            i = start
            while True:
                while i < len(d["lines"]):
                    t, line = d["lines"][i]
                    if line is None:
                        raise RuntimeError("daemon exited; log: %s" % d["log"])
                    if pred(line):
                        return i, t, line
                    i += 1
                left = end - time.monotonic()
                if left <= 0:
                    raise RuntimeError("no expected log line within %ds; log: %s"
                                       % (timeout, d["log"]))
                d["cv"].wait(left)

    def wait_reload(self, d, start, trigger, timeout=120):
        i, t, line = self.wait_line(
            d, start, lambda l: ("reload (%s)" % trigger) in l and
            (RELOAD_RE.search(l) or "rejected" in l or "cannot" in l), timeout)
        m = RELOAD_RE.search(line)
        if not m:
            raise RuntimeError("reload failed: " + line)
        g = {k: (float(v) if k == "ms" else int(v) if v.isdigit() else v)
             for k, v in m.groupdict().items()}
        return i + 1, t, g

    def rss(self, d):
        out = {}
        with open("/proc/%d/status" % d["p"].pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    out[k] = int(v.split()[0])
        return out

    def kernel_mem(self, d):
        """The kernel memory of the daemon's maps, KiB: the sum of the
        memlock (Linux 6.x: the map's real usage) in the fdinfo of every
        map it holds, each map once."""
        seen, total = set(), 0
        fdinfo = "/proc/%d/fdinfo" % d["p"].pid
        for fd in os.listdir(fdinfo):
            try:
                with open(os.path.join(fdinfo, fd)) as f:
                    info = dict(l.split(":", 1) for l in f if ":" in l)
            except OSError:
                continue
            mid = info.get("map_id", "").strip()
            if mid and mid not in seen and "memlock" in info:
                seen.add(mid)
                total += int(info["memlock"])
        return total // 1024

    def stop_daemon(self, d, ns, conf):
        d["p"].send_signal(signal.SIGTERM)
        d["p"].wait(timeout=30)
        self.run(["ip", "netns", "exec", ns, self.bin["xdpfw"], "detach", "-c",
                  conf], check=False)

    def probe(self, ns, src, sport, until, timeout_ms):
        fam6 = ":" in src
        p = subprocess.Popen(["ip", "netns", "exec", ns, self.bin["probe"],
                              "--tx", "xb-cs", "--rx", "xb-cr", "--src", src,
                              "--sport", str(sport), "--until", until,
                              "--interval-us", "2000", "--streak", "25",
                              "--timeout-ms", str(timeout_ms)],
                             stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        line = p.stdout.readline().split()
        if not line or line[0] != "READY":
            p.wait()
            raise RuntimeError("probe for %s did not get ready (%s)%s" % (
                src, line, " (IPv6)" if fam6 else ""))
        return p

    def probe_flip(self, p):
        line = p.stdout.readline().split()
        p.wait()
        if not line or line[0] != "FLIP":
            return None
        return int(line[1])

    @staticmethod
    def keys_of(entry):
        """Kernel keys of an entry: 2 for a port entry of both protocols."""
        has_port = re.search(r"(\]|\.\d+|/\d+):\d+(/|$)", entry) is not None
        if has_port and not entry.endswith(("/tcp", "/udp")):
            return 2
        return 1

    def write_rules(self, path, lines):
        """Save as an editor does: write a temporary file, rename it over."""
        tmp = path + ".xb-tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines))
            f.write("\n")
        os.rename(tmp, path)
        return mono_ns()

    def cp_setup(self, label, rules_src, max_rules=1048576):
        ns = "xb-cp"
        if ns not in self.netns:
            self.make_ns(ns, [("xb-cs", "xb-cr")])
        d = os.path.join(self.work, "cp-" + label)
        os.makedirs(d, exist_ok=True)
        root = self.bpffs("bpffs-cp-" + label)
        rules = os.path.join(d, "rules.txt")
        with open(rules_src) as f:
            lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
        conf = os.path.join(d, "xdpfw.conf")
        with open(conf, "w") as f:
            f.write("[agent]\ninterfaces = xb-cr\nxdp_mode = native\n"
                    "rules = %s\nrules_dir =\npin_dir = %s/xdpfw\nmax_rules = %d\n"
                    "log_level = info\n[stats]\ninterval = 0\nlisten = 127.0.0.1:%d\n"
                    % (rules, root, max_rules, CP_METRICS_PORT))
        self.write_rules(rules, lines)
        return ns, conf, rules, lines

    def one_line_edits(self, ns, d, idx, rules, lines, n, observe=True,
                       top=False):
        """n edits, alternately adding a new host entry and removing it again
        (at the end of the file, or with top at its start).
        Returns (list of per-edit dicts, idx)."""
        edits = []
        for i in range(n):
            host = "203.0.113.%d" % ((150 if top else 100) + i // 2)
            adding = i % 2 == 0
            p = None
            if observe:
                p = self.probe(ns, host, 40000, "dropped" if adding else "passing",
                               15000)
            if adding and top:
                lines.insert(0, host)
            elif adding:
                lines.append(host)
            else:
                lines.remove(host)
            t_save = self.write_rules(rules, lines)
            idx, t_log, g = self.wait_reload(d, idx, "inotify")
            flip = self.probe_flip(p) if p else None
            edits.append({
                "kind": "add" if adding else "remove",
                "observed_ms": (flip - t_save) / 1e6 if flip else None,
                "log_line_ms": (t_log - t_save) / 1e6,
                "reload_ms": g["ms"], "key_writes": g["key_writes"],
                "expected_key_writes": 1, "added": g["added"],
                "removed": g["removed"]})
            log("one-line edit (%s %s%s): enforced %.1f ms after save (observed), "
                "reload %.1f ms, %d key writes" % (
                    "add" if adding else "remove", host,
                    " at the top" if top else "",
                    edits[-1]["observed_ms"] or -1, g["ms"], g["key_writes"]))
        return edits, idx

    def part_control(self):
        log("part 3: control plane with 1,000,000 entries")
        r1m, _ = self.gen_rules(1000000, nft_dev="xb-fr")
        ns, conf, rules, lines = self.cp_setup("1M", r1m)
        res = {"entries": len(lines)}
        # Initial load: start -> all enforced.  The probe's source is the
        # file's last entry; the daemon writes every rule before it attaches
        # the program, so the first dropped probe means all are enforced.
        p = self.probe(ns, lines[-1], 40000, "dropped", 120000)
        t0 = mono_ns()
        d = self.start_daemon(ns, conf, "1M")
        idx, t_log, g = self.wait_reload(d, 0, "startup", timeout=300)
        _, t_run, _ = self.wait_line(d, idx, lambda l: " running: " in l, 120)
        flip = self.probe_flip(p)
        res["initial"] = {
            "observed_ms": (flip - t0) / 1e6 if flip else None,
            "until_running_line_ms": (t_run - t0) / 1e6,
            "reload_ms": g["ms"], "key_writes": g["key_writes"],
            "in_force": g["in_force"], "rss_kb": self.rss(d)}
        log("initial load: enforced %.0f ms after start (observed), sync %.0f ms, "
            "%d key writes, RSS %s" % (res["initial"]["observed_ms"] or -1,
                                       g["ms"], g["key_writes"],
                                       res["initial"]["rss_kb"]))
        # One-line edits.
        edits, idx = self.one_line_edits(ns, d, idx, rules, lines,
                                         4 if self.quick else 10)
        res["one_line"] = edit_summary(edits)
        # Two at the top of the file: the summary then reads the whole
        # text again from the end back (the daemon's peak RSS, below).
        top, idx = self.one_line_edits(ns, d, idx, rules, lines, 2, top=True)
        res["one_line_top"] = edit_summary(top)
        # 1% churn: 10,000 entries out, 10,000 new ones in (one of them
        # observed).
        n = len(lines) // 100
        rnd = random.Random(7)
        keep_tail = lines[-1]
        body = lines[8:-1]  # never the bench's probe entries
        gone = set(rnd.sample(range(len(body)), n))
        removed = [body[i] for i in sorted(gone)]
        fresh_file, _ = self.gen_rules(3 * n, seed=99)
        with open(fresh_file) as f:
            have = set(lines)
            fresh = [l.strip() for l in f if l.strip() and not l.startswith("#")
                     and l.strip() not in have][:n - 1] + ["203.0.113.99"]
        new_lines = lines[:8] + [b for i, b in enumerate(body) if i not in gone] + \
            fresh + [keep_tail]
        expected = sum(self.keys_of(e) for e in removed) + \
            sum(self.keys_of(e) for e in fresh)
        # Churned and back again, alternately: each a 1 % churn with the
        # same keys written (the first takes slots never used; the later
        # ones the slots the one before freed).  The median is the target's
        # figure; each is recorded (the report reads the first's too).
        orig = list(lines)
        churns = []
        for i in range(3 if self.quick else 5):
            forth = i % 2 == 0
            p = self.probe(ns, "203.0.113.99", 40000,
                           "dropped" if forth else "passing", 30000)
            t_save = self.write_rules(rules, new_lines if forth else orig)
            idx, t_log, g = self.wait_reload(d, idx, "inotify")
            flip = self.probe_flip(p)
            churns.append({"kind": "forth" if forth else "back",
                           "added": g["added"], "removed": g["removed"],
                           "observed_ms": (flip - t_save) / 1e6 if flip else None,
                           "reload_ms": g["ms"], "key_writes": g["key_writes"],
                           "expected_key_writes": expected})
            log("1%% churn (%s): %d added, %d removed, enforced %.0f ms after "
                "save, reload %.0f ms, %d key writes (expected %d)" % (
                    churns[-1]["kind"], g["added"], g["removed"],
                    churns[-1]["observed_ms"] or -1, g["ms"], g["key_writes"],
                    expected))
            # the daemon zeroes the freed slots' counters a second after
            # a reload, while it idles (TABLES.md, "Free slots known zero")
            time.sleep(1.5)
        lines[:] = new_lines
        res["churn"] = {"churns": churns,
                        "observed_ms": stats([c["observed_ms"] for c in churns]),
                        "reload_ms": stats([c["reload_ms"] for c in churns])}
        # No-op SIGHUP (a full re-sync that compares every kernel key).
        hups = []
        for i in range(2 if self.quick else 3):
            d["p"].send_signal(signal.SIGHUP)
            idx, t_log, g = self.wait_reload(d, idx, "SIGHUP")
            hups.append(g)
        res["sighup"] = {"reload_ms": stats([h["ms"] for h in hups]),
                         "key_writes": stats([h["key_writes"] for h in hups]),
                         "added": max(h["added"] for h in hups),
                         "removed": max(h["removed"] for h in hups)}
        log("no-op SIGHUP: %.0f ms, %d key writes" % (
            res["sighup"]["reload_ms"]["median"], res["sighup"]["key_writes"]["max"]))
        res["rss_kb"] = self.rss(d)
        res["kernel_kb"] = self.kernel_mem(d)
        res["after_audit"] = self.after_audit(ns, d, t0)
        self.stop_daemon(d, ns, conf)
        self.results["control"] = res

    def after_audit(self, ns, d, t0):
        """The daemon's peak once it has run its first periodic audit
        (audit_interval, 60 s after start; a second at most at 1M) and
        served /metrics three times ([stats] listen)."""
        left = t0 / 1e9 + 60 + 15 - time.monotonic()
        if left > 0:
            log("waiting %.0f s for the daemon's first audit" % left)
            time.sleep(left)
        sizes = []
        for _ in range(3):
            r = subprocess.run(
                ["ip", "netns", "exec", ns, "python3", "-c",
                 "import urllib.request as u; print(len(u.urlopen("
                 "'http://127.0.0.1:%d/metrics', timeout=60).read()))"
                 % CP_METRICS_PORT], capture_output=True, text=True)
            sizes.append(int(r.stdout) if r.returncode == 0 else None)
        out = {"rss_kb": self.rss(d), "metrics_bytes": sizes}
        log("after the first audit and 3 scrapes of /metrics (%s bytes): RSS %s"
            % (sizes, out["rss_kb"]))
        return out

    def scaling_point(self, size, max_rules):
        f, nft = self.gen_rules(size, nft_dev="xb-cr")
        ns, conf, rules, lines = self.cp_setup("s%d" % size, f, max_rules)
        t0 = mono_ns()
        d = self.start_daemon(ns, conf, "s%d" % size)
        idx, t_log, g = self.wait_reload(d, 0, "startup", timeout=600)
        _, t_run, _ = self.wait_line(d, idx, lambda l: " running: " in l, 300)
        pt = {"entries": len(lines), "initial_ms": g["ms"],
              "until_running_ms": (t_run - t0) / 1e6,
              "rss_after_load_kb": self.rss(d)}
        edits, idx = self.one_line_edits(ns, d, idx, rules, lines, 2 if self.quick else 4)
        pt["one_line_ms"] = stats([e["reload_ms"] for e in edits])
        pt["one_line_observed_ms"] = stats([e["observed_ms"] for e in edits])
        d["p"].send_signal(signal.SIGHUP)
        idx, _, g = self.wait_reload(d, idx, "SIGHUP", timeout=600)
        pt["sighup_ms"] = g["ms"]
        pt["rss_kb"] = self.rss(d)
        pt["kernel_kb"] = self.kernel_mem(d)
        self.stop_daemon(d, ns, conf)
        return pt, nft

    def part_scaling(self):
        log("part 4: scaling")
        sizes = [1000, 10000, 100000]
        if not self.quick:
            sizes += [4000000, 10000000]
        points = []
        for s in sizes:
            max_rules = 1048576
            while max_rules < s * 1.05:
                max_rules *= 2
            pt, nft = self.scaling_point(s, max_rules)
            if s <= 1000000 and not (self.quick and s > 100000):
                t, rss = self.nft_apply("xb-cp", nft)
                t2, rss2 = self.nft_apply("xb-cp", nft)
                pt["nft_first_s"], pt["nft_first_rss_kb"] = t, rss
                pt["nft_reapply_s"], pt["nft_reapply_rss_kb"] = t2, rss2
            points.append(pt)
            log("scaling %d: load %.0f ms, edit %.1f ms, SIGHUP %.0f ms, HWM %d MB, "
                "kernel %d MB" % (
                    s, pt["initial_ms"], pt["one_line_ms"]["median"], pt["sighup_ms"],
                    pt["rss_kb"]["VmHWM"] // 1024, pt["kernel_kb"] // 1024))
        # 1M: from part 3 (same daemon, same file generator).
        c = self.results.get("control")
        if c:
            n = self.results.get("nft", {})
            points.append({
                "entries": c["entries"], "initial_ms": c["initial"]["reload_ms"],
                "until_running_ms": c["initial"]["until_running_line_ms"],
                "rss_after_load_kb": c["initial"]["rss_kb"],
                "one_line_ms": c["one_line"]["reload_ms"],
                "one_line_observed_ms": c["one_line"]["observed_ms"],
                "sighup_ms": c["sighup"]["reload_ms"]["median"],
                "rss_kb": c["rss_kb"], "kernel_kb": c.get("kernel_kb"),
                "nft_first_s": n.get("first_load", {}).get("s"),
                "nft_first_rss_kb": n.get("first_load", {}).get("rss_kb"),
                "nft_reapply_s": (n.get("reapply", {}).get("s") or {}).get("median"),
                "nft_reapply_rss_kb": (n.get("reapply", {}).get("rss_kb") or {}).get("median")})
        points.sort(key=lambda p: p["entries"])
        self.results["scaling"] = points
        scaling.plot(points, self.args.plot, self.quick, log)

    def part_stalls(self):
        log("part 5: CPU stalls at 1M (bench/stalls.sh)")
        env = dict(os.environ, XDPFW=self.bin["xdpfw"],
                   SENDPKT=os.path.join(self.build, "test", "tools", "xdpfw-sendpkt"),
                   STALL=os.path.join(self.build, "bench", "bench-stall"))
        # With perf, each step also gets its longest kernel run of one
        # task (bench/stall-runs.py): what a stall is, where bench-stall's
        # gap also counts other work sharing the CPUs.
        if shutil.which("perf"):
            env["PERF_DIR"] = tempfile.mkdtemp(prefix="stalls-", dir=self.work)
        r = self.run(["bash", os.path.join(HERE, "stalls.sh"), "1000000"],
                     env=env, timeout=1800)
        steps, runs = {}, {}
        for line in r.stdout.splitlines():
            # its summary lines: "LABEL longest_ms MS" and, with perf,
            # "LABEL longest_run MS ms ..." (the log lines before them
            # start with "[stalls")
            m = re.match(r"^([a-z][a-z0-9 >-]*?)\s+longest_ms\s+([0-9.]+)$", line)
            if m:
                steps[m.group(1).strip()] = float(m.group(2))
            m = re.match(r"^([a-z][a-z0-9 >-]*?)\s+longest_run\s+([0-9.]+) ms", line)
            if m:
                runs[m.group(1).strip()] = float(m.group(2))
        score = runs or steps
        work = [v for k, v in score.items() if k != "idle"]
        self.results["stalls"] = {"steps_ms": steps, "kernel_run_ms": runs,
                                  "measure": "kernel run" if runs else "gap",
                                  "longest_ms": max(work) if work else None}
        log("stalls (gap): " + ", ".join("%s %.0f ms" % kv for kv in steps.items()))
        if runs:
            log("stalls (longest kernel run of one task): " +
                ", ".join("%s %.1f ms" % kv for kv in runs.items()))

    # ---- report ----

    def meta(self):
        cpu = ""
        try:
            cpu = self.run(["lscpu"]).stdout
        except Exception:
            pass
        model = re.search(r"Model name:\s*(.*)", cpu)
        return {"kernel": platform.release(), "cpu": model.group(1) if model else "",
                "cpus": os.cpu_count(), "quick": self.quick,
                "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "command": "sudo bench/run.sh" + (" --quick" if self.quick else ""),
                "lscpu": cpu}

    def main(self):
        parts = self.args.parts.split(",")
        t0 = time.monotonic()
        self.results["meta"] = self.meta()
        try:
            if "1" in parts:
                self.part_datapath()
            if "2" in parts:
                self.part_flood()
            if "3" in parts:
                self.part_control()
            if "4" in parts:
                self.part_scaling()
            if "5" in parts:
                self.part_stalls()
        finally:
            self.results["meta"]["seconds"] = time.monotonic() - t0
            os.makedirs(os.path.dirname(self.args.json), exist_ok=True)
            try:
                report.report(self.results, self.quick)
            finally:
                with open(self.args.json, "w") as f:
                    json.dump(self.results, f, indent=1, sort_keys=True)
                log("results: %s (%.0f s)" % (self.args.json,
                                             time.monotonic() - t0))


def main():
    ap = argparse.ArgumentParser(description="xdpfw benchmark harness")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--build", required=True)
    ap.add_argument("--parts", default="1,2,3,4,5")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "latest.json"))
    ap.add_argument("--plot", default=os.path.join(REPO, "docs", "bench-scaling.png"))
    ap.add_argument("--plot-only", action="store_true",
                    help="only redraw the plot from the --json results")
    ap.add_argument("--variant", action="append",
                    help="LABEL=OBJ: also time a prototype object (part 1)")
    args = ap.parse_args()
    if args.plot_only:
        with open(args.json) as f:
            res = json.load(f)
        h = Harness.__new__(Harness)
        h.args, h.quick = args, res["meta"]["quick"]
        h.plot(res["scaling"])
        return
    if os.geteuid() != 0:
        sys.exit("bench: run as root (sudo bench/run.sh)")
    h = Harness(args)

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        h.main()
    finally:
        h.cleanup()


if __name__ == "__main__":
    main()
