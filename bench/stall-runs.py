#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The longest times one task held a CPU, from a step's perf recording.

  bench/stall-runs.py PERF_DATA [N]

PERF_DATA is a step's `perf record -a -g -k CLOCK_MONOTONIC` (PERF_DIR of
bench/stalls.sh, sampled at perf's default 4 kHz).  A run is a sequence
of samples on one CPU of one thread with no other thread's sample between
them: how long that thread kept the CPU.  bench-stall spins on every CPU,
so with preempt=none a run longer than a few ticks (4 ms at HZ=250) is
kernel work that did not reschedule.  Unlike bench-stall's longest gap,
it does not grow when other work shares the CPUs: on a loaded machine the
gap is the run queue's length, a run is one task's.  bench-stall's own
samples count only in the kernel (a softirq that ran on top of it).
Prints the N (default 5) longest runs, the thread and the kernel
functions most often in their stacks.
"""
import collections
import subprocess
import sys

STALL = "bench-stall"


def samples(data):
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
            cur = (" ".join(head[:-3]), tid, cpu, t, [])
        else:
            parts = line.split(None, 1)
            cur[4].append(parts[1].split("+")[0] if len(parts) > 1 else "?")
    if cur:
        yield cur


def in_kernel(stack):
    return bool(stack) and not stack[0].startswith("[unknown]") and \
        "entry_SYSCALL" not in stack[0] and any(
            "irq" in f or "softirq" in f or "rcu" in f for f in stack)


def runs(data):
    last = {}  # cpu -> [comm, tid, first, last, frames]
    done = []
    for comm, tid, cpu, t, stack in samples(data):
        key = tid
        if comm.startswith(STALL) and not in_kernel(stack):
            key = None  # bench-stall spinning: the CPU was free
        if tid == 0:
            key = None
        r = last.get(cpu)
        if r and r[1] == key and key is not None:
            r[3] = t
            for f in set(stack[:16]):
                r[4][f] += 1
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
        print(f"{ms:8.1f} ms  cpu {cpu}  {comm} ({tid}) at {first:.3f}: {top}")


if __name__ == "__main__":
    main()
