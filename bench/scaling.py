# SPDX-License-Identifier: GPL-2.0-only
"""The scaling plot of part 4 (docs/bench-scaling.png): reload times and
memory against the number of entries, log-log (bench.py runs the part)."""
import os
import platform


def axes_style(ax, ylabel, title):
    """a scaling plot's panel: log-log against the number of entries."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("entries")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def plot(points, out, quick, log):
    """The two panels into out (a PNG); log(msg) says where, or why not."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("python3-matplotlib missing: no plot")
        return
    x = [p["entries"] for p in points]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.8))
    a1.plot(x, [p["until_running_ms"] for p in points], "D-",
            label="xdpfw start -> running (process, maps, sync, attach)")
    a1.plot(x, [p["initial_ms"] for p in points], "o-",
            label="xdpfw initial sync (log line)")
    a1.plot(x, [p["one_line_ms"]["median"] for p in points], "s-",
            label="xdpfw one-line edit (reload)")
    a1.plot(x, [p["sighup_ms"] for p in points], "^-", label="xdpfw no-op SIGHUP")
    nx = [p["entries"] for p in points if p.get("nft_reapply_s")]
    if nx:
        a1.plot(nx, [p["nft_reapply_s"] * 1000 for p in points
                     if p.get("nft_reapply_s")], "x--", label="nft -f (re-apply)")
    axes_style(a1, "ms", "reload time")
    a2.plot(x, [p["rss_kb"]["VmHWM"] / 1024 for p in points], "o-",
            label="xdpfw daemon VmHWM")
    a2.plot(x, [p["rss_kb"]["VmRSS"] / 1024 for p in points], "s-",
            label="xdpfw daemon VmRSS")
    kx = [p["entries"] for p in points if p.get("kernel_kb")]
    if kx:
        a2.plot(kx, [p["kernel_kb"] / 1024 for p in points if p.get("kernel_kb")],
                "d-", label="kernel: the maps (fdinfo memlock)")
    if nx:
        a2.plot(nx, [p["nft_reapply_rss_kb"] / 1024 for p in points
                     if p.get("nft_reapply_s")], "x--", label="nft -f peak RSS")
    axes_style(a2, "MB", "memory")
    fig.suptitle("xdpfw control plane scaling (%s, %s)" % (
        platform.release(), "quick" if quick else "full"))
    fig.tight_layout()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    fig.savefig(out, dpi=100)
    log("plot: %s" % out)
