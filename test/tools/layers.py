#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""layers: the agent's modules form layers, with no cycle.

A module is a header of agent/ and the .c files that implement it (a .c
file belongs to the header that declares most of the functions it
exports: rules_entry.c to rules.h).  Module A depends on B when a file of
A includes B's header, or an object of A calls a function an object of B
defines (nm).  A private header belongs to the module it serves
(kmaps_int.h to kmaps, config_keys.h to config, rules_int.h to rules), and the daemon's parts
(daemon_int.h's struct daemon: daemon.c, startup.c, daemon_state.c,
ifattach.c, integrity.c, metrics_http.c) are one module, the top layer: nothing else may
include daemon_int.h or call into them.

Fails on any cycle of that graph, and when a module other than the CLI
depends on the daemon (or anything on the CLI but main), printing it; with --print, draws the
layers (each module above everything it depends on), as docs/DESIGN.md
shows them.

Usage: layers.py AGENT_SRC_DIR BUILD_AGENT_DIR [--print]
"""
import collections
import glob
import os
import re
import subprocess
import sys

# Headers that are a part of another module, not a module of their own.
PRIVATE = {"kmaps_int": "kmaps", "kmaps_oa_int": "kmaps",
           "config_keys": "config", "rules_int": "rules",
           "daemon_int": "daemon", "integrity": "daemon", "ifattach": "daemon",
           "metrics_http": "daemon"}
# The top layers, and who alone may depend on them.
TOP = {"daemon": {"cli", "main"}, "cli": {"main"}}
# .c file stem -> its module, from the declarations (filled by main).
OWNER = {}


def module_of(stem):
    """The module a file stem (a header's or a .c file's) belongs to."""
    stem = OWNER.get(stem, stem)
    return PRIVATE.get(stem, stem)


def owners(src, defined):
    """Each .c file's module: the header declaring most of its exported
    functions (its own stem when none does)."""
    headers = {}
    for path in glob.glob(os.path.join(src, "*.h")):
        with open(path) as f:
            headers[os.path.basename(path)[:-2]] = f.read()
    for stem, funcs in defined.items():
        votes = collections.Counter()
        for fn in funcs:
            pat = re.compile(r"\b%s\s*\(" % re.escape(fn))
            for h, text in headers.items():
                if pat.search(text):
                    votes[h] += 1
        if votes:
            best = max(votes.values())
            tops = sorted(h for h, n in votes.items() if n == best)
            OWNER[stem] = stem if stem in tops else tops[0]


def include_edges(src):
    edges = collections.defaultdict(set)
    stems = {os.path.splitext(os.path.basename(p))[0]
             for p in glob.glob(os.path.join(src, "*.[ch]"))}
    for path in glob.glob(os.path.join(src, "*.[ch]")):
        a = module_of(os.path.splitext(os.path.basename(path))[0])
        with open(path) as f:
            for inc in re.findall(r'^#include "([^"]+)\.h"', f.read(), re.M):
                b = module_of(inc)
                if inc in stems and b != a:
                    edges[a].add(b)
    return stems, edges


def read_objects(build):
    defs, undef, funcs = {}, collections.defaultdict(set), collections.defaultdict(set)
    seen = set()
    for obj in sorted(glob.glob(os.path.join(build, "*.p", "*.c.o"))):
        stem = os.path.basename(obj)[:-4]
        if stem in seen:
            continue
        seen.add(stem)
        out = subprocess.run(["nm", obj], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDRB":
                defs[f[2]] = stem
                if f[1] == "T":
                    funcs[stem].add(f[2])
            elif len(f) == 2 and f[0] == "U":
                undef[stem].add(f[1])
    return seen, defs, undef, funcs


def call_edges(defs, undef):
    edges = collections.defaultdict(set)
    for a, syms in undef.items():
        for s in syms:
            b = defs.get(s)
            if b and module_of(b) != module_of(a):
                edges[module_of(a)].add(module_of(b))
    return edges


def cycles(nodes, edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def levels(nodes, edges):
    memo = {}

    def level(v):
        if v not in memo:
            memo[v] = 0
            memo[v] = 1 + max((level(w) for w in edges.get(v, ())), default=-1)
        return memo[v]

    by = collections.defaultdict(list)
    for v in nodes:
        by[level(v)].append(v)
    return by


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    src, build = sys.argv[1], sys.argv[2]
    objs, defs, undef, funcs = read_objects(build)
    owners(src, funcs)
    stems, inc = include_edges(src)
    calls = call_edges(defs, undef)
    if not objs:
        print("FAIL: no objects under %s/*.p" % build)
        return 1
    edges = collections.defaultdict(set)
    for g in (inc, calls):
        for a, bs in g.items():
            edges[a] |= bs
    nodes = {module_of(s) for s in stems}
    nodes |= set(edges) | {b for bs in edges.values() for b in bs}
    bad = cycles(nodes, edges)
    for c in bad:
        print("FAIL: cycle among %s" % ", ".join(c))
        for a in c:
            for b in sorted(edges[a] & set(c)):
                print("    %s -> %s" % (a, b))
    for a in sorted(edges):
        for b in sorted(edges[a]):
            if b in TOP and a not in TOP[b]:
                print("FAIL: %s depends on %s, a layer above it" % (a, b))
                bad.append([a, b])
    if "--print" in sys.argv[3:] and not bad:
        by = levels(nodes, edges)
        for lv in sorted(by, reverse=True):
            print("%2d  %s" % (lv, " ".join(sorted(by[lv]))))
    print("layers: %d modules, %d dependencies, %d cycles or upward imports"
          % (len(nodes), sum(len(b) for b in edges.values()), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
