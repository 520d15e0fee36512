#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The longest times one task held a CPU, from a step's perf recording.

  bench/stall-runs.py PERF_DATA [N]

PERF_DATA is a step's `perf record -a -g -k CLOCK_MONOTONIC` (PERF_DIR of
bench/stalls.sh, sampled at perf's default 4 kHz).  A run is a sequence
of samples in the kernel on one CPU, of one thread, with no other sample
between them: how long the kernel kept that CPU for that thread (or for
an interrupt on top of it).  With preempt=none, that is a stall: nothing
else gets the CPU until the kernel reschedules.  Unlike bench-stall's
longest gap, it does not grow when other work shares the CPUs: on a
loaded machine the gap is the run queue's length (and a user-space
process of another cgroup may run 100 ms and more in one slice), a
kernel run is one piece of work.
Prints the N (default 5) longest runs, the thread and the kernel
functions most often in their stacks.
"""
import collections
import subprocess
import sys

def samples(data):
    """(comm, tid, cpu, time, in_kernel, frames) per sample."""
    out = subprocess.run(
        ["perf", "script", "-i", data, "-F", "comm,tid,cpu,time,ip,sym"],
        capture_output=True, text=True, check=True).stdout
    cur = None
    for line in out.splitlines():
        if not line.strip():
            if cur:
                yield cur
            cur = None
            continue
        if cur is None:
            head = line.split()
            # comm (may hold spaces) tid [cpu] time:
            t = float(head[-1].rstrip(":"))
            cpu = int(head[-2].strip("[]"))
            tid = int(head[-3])
            cur = [" ".join(head[:-3]), tid, cpu, t, None, []]
        else:
            parts = line.split(None, 1)
            if cur[4] is None:  # the sampled ip: a kernel address?
                cur[4] = parts[0].startswith("ffff")
            cur[5].append(parts[1].split("+")[0] if len(parts) > 1 else "?")
    if cur:
        yield cur


def runs(data):
    last = {}  # cpu -> [comm, tid, first, last, frames, cpu]
    done = []
    for comm, tid, cpu, t, kernel, stack in samples(data):
        key = tid if kernel and tid != 0 else None
        r = last.get(cpu)
        if r and key is not None and r[1] == key:
            r[3] = t
            r[4].update(set(stack[:16]))
            continue
        if r and r[1] is not None:
            done.append(r)
        last[cpu] = [comm, key, t, t, collections.Counter(stack[:16]), cpu]
    done.extend(r for r in last.values() if r[1] is not None)
    return done


def main():
    data = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rs = sorted(runs(data), key=lambda r: r[2] - r[3])[:n]
    for comm, tid, first, last, frames, cpu in rs:
        ms = (last - first) * 1000 + 0.25
        top = ", ".join(f for f, _ in frames.most_common(6))
        print(f"{ms:8.1f} ms  cpu {cpu}  {comm} ({tid}) at {first:.3f}: {top}",
              flush=True)


if __name__ == "__main__":
    main()
