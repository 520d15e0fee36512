#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# seccomp-bpf.py [IN [OUT]]: a runtime's default seccomp profile (IN,
# default /usr/share/containers/seccomp.json, Debian 12's podman) with
# bpf() allowed to a container that has CAP_BPF and perf_event_open() to
# one that has CAP_PERFMON -- what the default profiles of newer runtimes
# allow (moby's profiles/seccomp/default.json has these two rules;
# containerd >= 1.7 and CRI-O, as the DaemonSet's comment says).  Debian 12's profile allows
# them only with CAP_SYS_ADMIN, so xdpfw with BPF, PERFMON and NET_ADMIN
# gets EPERM from every bpf() call under it.  Everything else is IN's.
#
#   packaging/container/seccomp-bpf.py >/etc/containers/seccomp-xdpfw.json
#   podman run --security-opt seccomp=/etc/containers/seccomp-xdpfw.json ...
import json
import sys

GRANTS = (("bpf", "CAP_BPF"), ("perf_event_open", "CAP_PERFMON"))
NAMES = {name for name, _ in GRANTS}


def widen(profile):
    out = []
    for rule in profile.get("syscalls", []):
        names = set(rule.get("names", []))
        if not names & NAMES:
            out.append(rule)
            continue
        rest = [n for n in rule["names"] if n not in NAMES]
        if rest:
            out.append(dict(rule, names=rest))
        for name, cap in GRANTS:
            if name not in names:
                continue
            if rule.get("action") == "SCMP_ACT_ALLOW":
                out.append(dict(rule, names=[name]))
                continue
            # A refusal (ERRNO) no longer applies to a container that has
            # the capability: its excludes (any of them drops the rule)
            # gain it.
            excl = dict(rule.get("excludes") or {})
            caps = list(excl.get("caps") or [])
            if cap not in caps:
                caps.append(cap)
            excl["caps"] = caps
            out.append(dict(rule, names=[name], excludes=excl))
    for name, cap in GRANTS:
        out.append({"names": [name], "action": "SCMP_ACT_ALLOW",
                    "includes": {"caps": [cap]}})
    profile["syscalls"] = out
    return profile


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/containers/seccomp.json"
    with open(src) as f:
        profile = widen(json.load(f))
    text = json.dumps(profile, indent=1) + "\n"
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
