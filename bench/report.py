# SPDX-License-Identifier: GPL-2.0-only
"""The benchmark's summary: issue 15's targets, met or missed, and the
report printed at the end of a run (bench.py holds the harness)."""


def fmt(x, spec="%.1f"):
    return "n/a" if x is None else spec % x


# Issue 15's targets (performance, round 2): datapath cases at 1M as
# multiples of the XDP_PASS floor, by kind of case.
DP_LIMITS = {"v4-miss": 1.4, "v6-miss": 1.4,
             "v4-hit-addr": 1.8, "v4-hit-port": 1.8,
             "v6-hit-addr": 1.8, "v6-hit-port": 1.8}
DP_LIMIT_OTHER = 2.0  # prefix hits and misses next to a prefix
RELOAD_DELAY_MS = 100  # the default, which part 3's config keeps


def targets(results):
    """Each target: (name, value, limit, met); value None: not
    measured in this run (counted as missed)."""
    t = []

    def add(name, value, limit, ok):
        t.append((name, value, limit, value is not None and ok))

    dp = results.get("datapath")
    for c in (dp or {}).get("cases", []):
        r = c["results"].get("xdpfw@1M")
        lim = DP_LIMITS.get(c["name"], DP_LIMIT_OTHER)
        v = r["ratio"] if r else None
        add("datapath %s at 1M <= %.1fx floor" % (c["name"], lim), v, lim,
            v is not None and v <= lim)
        for lbl in ("1", "10k"):
            a, b = c["results"].get("xdpfw@" + lbl), c["results"].get("xf@" + lbl)
            if a and b:
                q = a["ns"] / b["ns"]
                add("datapath %s xdpfw@%s cheaper than xdp-filter" % (
                    c["name"], lbl), q, 1.0, q < 1.0)
    fl = results.get("flood", {})
    for mode, lim in (("softirq", 0.92), ("threaded", 0.85)):
        r = fl.get(mode, {}).get("ratios", {}).get("xdpfw_block_vs_drop")
        v = r[0] if r else None
        add("flood (%s) xdpfw >= %.2fx bare XDP_DROP" % (mode, lim), v, lim,
            v is not None and v >= lim)
    c = results.get("control") or {}
    ol = c.get("one_line", {})
    v = ol.get("reload_ms", {}).get("median")
    add("one-line edit <= 30 ms daemon time (median)", v, 30,
        v is not None and v <= 30)
    v = ol.get("observed_ms", {}).get("median")
    lim = RELOAD_DELAY_MS + 50
    add("one-line edit enforced <= reload_delay_ms + 50 ms (observed)", v, lim,
        v is not None and v <= lim)
    v = c.get("churn", {}).get("reload_ms", {}).get("median")
    add("1% churn <= 100 ms daemon time (median)", v, 100,
        v is not None and v <= 100)
    v = c.get("initial", {}).get("observed_ms")
    add("first load <= 1.0 s (observed)", v, 1000, v is not None and v <= 1000)
    v = c.get("sighup", {}).get("reload_ms", {}).get("median")
    add("no-op SIGHUP <= 400 ms", v, 400, v is not None and v <= 400)
    v = None
    if c:
        v = max(c["rss_kb"]["VmHWM"], c["initial"]["rss_kb"]["VmHWM"],
                c.get("after_audit", {}).get("rss_kb", {}).get("VmHWM", 0)) / 1024
    add("daemon VmHWM <= 100 MB (after an audit and /metrics)", v, 100,
        v is not None and v <= 100)
    if c:
        first = c["churn"]["churns"][0]
        ok = all(e["key_writes"] == e["expected_key_writes"]
                 for e in c["one_line"]["edits"] + c["one_line_top"]["edits"] +
                 c["churn"]["churns"]) and \
            c["sighup"]["key_writes"]["max"] == 0
        add("map writes = change size (edits, churn, SIGHUP)",
            first["key_writes"], first["expected_key_writes"], ok)
    sc = results.get("scaling") or []
    big = max((p["entries"] for p in sc), default=0)
    add("scale: 10M entries load and reload (largest measured)", big or None,
        10_000_000, big >= 10_000_000)
    st = results.get("stalls")
    v = st.get("longest_ms") if st else None
    add("no stall > 50 ms (migration, detach, 1M -> 0; %s)" %
        (st.get("measure", "gap") if st else "gap"), v, 50,
        v is not None and v <= 50)
    return t

def report(results, quick):
    print()
    print("=" * 78)
    print("xdpfw benchmarks (%s), kernel %s, %s" % (
        "quick" if quick else "full", results["meta"]["kernel"],
        results["meta"]["cpu"]))
    dp = results.get("datapath")
    if dp:
        print()
        print("1. datapath, ns/pkt (x floor), median of %d rounds, repeat %d" % (
            dp["rounds"], dp["repeat"]))
        labels = ["floor", "xdpfw@1", "xdpfw@10k", "xdpfw@10k+1kx", "xdpfw@1M",
                  "xf@1", "xf@10k",
                  "xf-deny@10k"]
        labels += [k for k in dp["cases"][0]["results"] if k not in labels]
        print("%-14s" % "case" + "".join("%16s" % l for l in labels))
        for c in dp["cases"]:
            row = "%-14s" % c["name"]
            for l in labels:
                r = c["results"].get(l)
                if not r:
                    row += "%16s" % "-"
                elif l == "floor":
                    row += "%16s" % ("%.1f" % r["ns"])
                else:
                    row += "%16s" % ("%.1f (%.2fx)" % (r["ns"], r["ratio"]))
            print(row)
    fl = results.get("flood")
    if fl:
        print()
        print("2. drop rate, Mpps counted by the receiver (median [min..max])")
        for mode, v in fl.items():
            print("  receiver %s:" % mode)
            for k, tr in v["trials"].items():
                print("    %-12s %-42s %6.3f [%.3f..%.3f]" % (
                    k, tr["what"], tr["pps"] / 1e6, tr["pps_min"] / 1e6,
                    tr["pps_max"] / 1e6))
            for k, r in v["ratios"].items():
                print("    %-26s %.2f [%.2f..%.2f]" % (k, r[0], r[1], r[2]))
    c = results.get("control")
    if c:
        n = results.get("nft", {})
        print()
        print("3. control plane, %d entries" % c["entries"])
        print("  initial load: enforced %s ms after start (observed), sync %s ms, "
              "%d key writes" % (fmt(c["initial"]["observed_ms"], "%.0f"),
                                 fmt(c["initial"]["reload_ms"], "%.0f"),
                                 c["initial"]["key_writes"]))
        o = c["one_line"]["observed_ms"]
        print("  one-line edit: enforced %s ms after save (median; min %s, max %s; "
              "observed), reload %s ms, key writes %s" % (
                  fmt(o["median"]), fmt(o["min"]), fmt(o["max"]),
                  fmt(c["one_line"]["reload_ms"]["median"]),
                  sorted(set(c["one_line"]["key_writes"]["values"]))))
        t = c["one_line_top"]
        print("  one-line edit at the top: enforced %s ms after save "
              "(median of %d; observed), reload %s ms (max %s), key writes %s" % (
                  fmt(t["observed_ms"]["median"]), t["reload_ms"]["n"],
                  fmt(t["reload_ms"]["median"]), fmt(t["reload_ms"]["max"]),
                  sorted(set(t["key_writes"]["values"]))))
        r, o = c["churn"]["reload_ms"], c["churn"]["observed_ms"]
        first = c["churn"]["churns"][0]
        print("  1%% churn (%d out, %d in, %d times, back and forth): "
              "enforced %s ms after save (median), reload %s ms (median; "
              "min %s, max %s; the first %s), %d key writes each "
              "(expected %d)" % (
                  first["removed"], first["added"], r["n"],
                  fmt(o["median"], "%.0f"), fmt(r["median"], "%.0f"),
                  fmt(r["min"], "%.0f"), fmt(r["max"], "%.0f"),
                  fmt(first["reload_ms"], "%.0f"), first["key_writes"],
                  first["expected_key_writes"]))
        print("  no-op SIGHUP: %s ms (median), %d key writes" % (
            fmt(c["sighup"]["reload_ms"]["median"], "%.0f"),
            c["sighup"]["key_writes"]["max"]))
        print("  daemon RSS: VmHWM %d MB, VmRSS %d MB" % (
            c["rss_kb"]["VmHWM"] // 1024, c["rss_kb"]["VmRSS"] // 1024))
        aa = c.get("after_audit")
        if aa:
            print("  daemon RSS after its first audit and 3 scrapes of /metrics: "
                  "VmHWM %d MB, VmRSS %d MB" % (aa["rss_kb"]["VmHWM"] // 1024,
                                               aa["rss_kb"]["VmRSS"] // 1024))
        if n:
            fl_ = n.get("first_load", {})
            re_ = n.get("reapply", {})
            print("  nft -f, same 1M-element set: first %s s (%s MB), re-apply "
                  "%s s (median) (%s MB); nft add element: %s ms" % (
                      fmt(fl_.get("s"), "%.2f"),
                      fmt((fl_.get("rss_kb") or 0) / 1024, "%.0f"),
                      fmt(re_.get("s", {}).get("median"), "%.2f"),
                      fmt((re_.get("rss_kb", {}).get("median") or 0) / 1024, "%.0f"),
                      fmt((n.get("add_element_s") or 0) * 1000, "%.0f")))
    sc = results.get("scaling")
    if sc:
        print()
        print("4. scaling")
        print("  %10s %10s %10s %10s %10s %10s %10s %10s %10s" % (
            "entries", "load ms", "edit ms", "HUP ms", "HWM MB", "RSS MB",
            "kernel MB", "nft -f s", "nft MB"))
        for p in sc:
            print("  %10d %10.0f %10.1f %10.0f %10d %10d %10s %10s %10s" % (
                p["entries"], p["initial_ms"], p["one_line_ms"]["median"],
                p["sighup_ms"], p["rss_kb"]["VmHWM"] // 1024,
                p["rss_kb"]["VmRSS"] // 1024,
                fmt((p.get("kernel_kb") or 0) / 1024 or None, "%.0f"),
                fmt(p.get("nft_reapply_s"), "%.2f"),
                fmt((p.get("nft_reapply_rss_kb") or 0) / 1024 or None, "%.0f")))
    st = results.get("stalls")
    if st:
        print()
        print("5. longest CPU stall (ms) at 1M, bench/stalls.sh: " +
              ", ".join("%s %.1f" % kv for kv in st["steps_ms"].items()))
        if st.get("kernel_run_ms"):
            print("   longest kernel run of one task (ms, scored): " +
                  ", ".join("%s %.1f" % kv
                            for kv in st["kernel_run_ms"].items()))
    t = targets(results)
    results["targets"] = [{"target": a, "value": b, "limit": c_, "met": d}
                               for a, b, c_, d in t]
    print()
    print("targets: %d met, %d missed" % (sum(1 for x in t if x[3]),
                                         sum(1 for x in t if not x[3])))
    for a, b, c_, d in t:
        print("  %-6s %-62s %s" % ("met" if d else "MISSED", a,
                                  fmt(b, "%.2f")))
