#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kubernetes: the manifests of packaging/kubernetes parse and map to their
# kinds with Debian's kubectl (`apply --dry-run=client`, against a stand-in
# for the API server's discovery: no cluster here), and say what the README
# promises (host network, the bpffs hostPath, exactly the unit's
# capabilities, the scrape annotations, a readiness probe, one node at a
# time); a list of 1,048,576 entries split by xdpfw-split-rules gives files
# and ConfigMaps under 1 MiB that `xdpfw check` reads back as one set of
# 1,048,576 entries, and whose concatenation is the list.
# Usage: kubernetes.sh SRC XDPFW UNIT   (no privilege needed)
set -u -o pipefail

SRC=$1
XDPFW=$2
UNIT=$3
K=$SRC/packaging/kubernetes
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }

command -v kubectl >/dev/null || { echo "FAIL: no kubectl (apt-get install kubernetes-client)"; exit 1; }
TMP=$(mktemp -d) || exit 1
SRV=
trap '[ -n "$SRV" ] && kill "$SRV"; rm -rf "$TMP"' EXIT

python3 "$SRC/test/pkg/kube-discovery.py" >"$TMP/port" &
SRV=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
[ -s "$TMP/port" ] || { echo "FAIL: the discovery stand-in did not start"; exit 1; }
cat >"$TMP/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "http://127.0.0.1:$(cat "$TMP/port")"}}]
contexts: [{name: t, context: {cluster: t, user: t}}]
users: [{name: t, user: {}}]
current-context: t
EOF
export KUBECONFIG=$TMP/kubeconfig
dry() { kubectl apply --dry-run=client --validate=false "$@"; }

# ---------------------------------------------------------- manifests --
if out=$(dry -f "$K/xdpfw.yaml" 2>&1); then
	pass "kubectl apply --dry-run=client: $(echo "$out" | tr '\n' ';')"
else
	fail "kubectl apply --dry-run=client -f xdpfw.yaml: $out"
fi
printf 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x\n' >"$TMP/bad.yaml"
dry -f "$TMP/bad.yaml" >/dev/null 2>&1 && fail "kubectl accepted a broken manifest (the check cannot fail)" ||
	pass "kubectl refuses a broken manifest"

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr ' ' '\n' | sed 's/^CAP_//' | sort | tr '\n' ' ')
dry -f "$K/xdpfw.yaml" -o json >"$TMP/objs.json" 2>/dev/null || fail "kubectl -o json"
python3 - "$TMP/objs.json" "$caps" <<'EOF' || FAILS=$((FAILS + 1))
import json, sys
doc = json.load(open(sys.argv[1]))
items = doc.get("items", [doc])
ds = [o for o in items if o["kind"] == "DaemonSet"][0]
pod = ds["spec"]["template"]
spec, c = pod["spec"], pod["spec"]["containers"][0]
bad = []
def want(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond: bad.append(what)
want(spec.get("hostNetwork") is True, "hostNetwork")
vols = {v["name"]: v for v in spec["volumes"]}
mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
want(vols[mounts["/sys/fs/bpf"]].get("hostPath", {}).get("path") == "/sys/fs/bpf", "the bpffs is a hostPath at /sys/fs/bpf")
sc = c["securityContext"]
got = " ".join(sorted(sc["capabilities"]["add"])) + " "
want(got == sys.argv[2] and sc["capabilities"]["drop"] == ["ALL"] and not sc.get("privileged"),
     "capabilities: drop ALL, add exactly the unit's (%s)" % got.strip())
want(sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True,
     "no privilege escalation, read-only root")
a = pod["metadata"]["annotations"]
want(a.get("prometheus.io/scrape") == "true" and a.get("prometheus.io/port") == "9740", "scrape annotations")
want(c["readinessProbe"]["httpGet"]["path"] == "/metrics", "readiness probe on /metrics")
ru = ds["spec"]["updateStrategy"]["rollingUpdate"]
want(ds["spec"]["updateStrategy"]["type"] == "RollingUpdate" and ru["maxUnavailable"] == 1 and ru["maxSurge"] == 0,
     "rolling update, one node at a time, no surge")
rules = vols[[n for p, n in mounts.items() if p == "/var/lib/xdpfw/rules.d"][0]]
want(all("configMap" in s for s in rules["projected"]["sources"]), "rules.d is projected from ConfigMaps")
sys.exit(1 if bad else 0)
EOF

# ------------------------------------------------- a 1M list, split --
python3 - "$TMP/big.txt" <<'EOF'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('# 1,048,576 entries\n')
    for i in range(1 << 20):
        a = '10.%d.%d.%d' % (i >> 16, (i >> 8) & 255, i & 255)
        f.write(a + (':443/tcp\n' if i % 4 == 0 else '\n'))
EOF
sh "$K/xdpfw-split-rules" "$TMP/big.txt" "$TMP/rules.d" || fail "xdpfw-split-rules"
n=$(ls "$TMP"/rules.d/rules-*.txt | wc -l)
big=$(for f in "$TMP"/rules.d/rules-*.txt; do stat -c %s "$f"; done | sort -n | tail -1)
[ "$n" -ge 10 ] && [ "$big" -le 1000000 ] && pass "$n files, the largest $big bytes (<= 1000000)" ||
	fail "$n files, the largest $big bytes"
cat "$TMP"/rules.d/rules-*.txt | cmp -s - "$TMP/big.txt" && pass "the files concatenated are the list" ||
	fail "the files concatenated differ from the list"
cms=$(dry -f "$TMP/rules.d/configmaps.yaml" 2>&1 | grep -c 'configmap/xdpfw-rules-.* created (dry run)')
[ "$cms" = "$n" ] && pass "$cms ConfigMaps parse" || fail "$cms of $n ConfigMaps parse"
# The API server's limit is on a ConfigMap's data (1 MiB), as kubectl
# sends it (YAML's indentation is not data).
dry -f "$TMP/rules.d/configmaps.yaml" -o json >"$TMP/cms.json" 2>/dev/null
python3 - "$TMP/cms.json" <<'EOF' && pass "each ConfigMap's data < 1 MiB" || fail "a ConfigMap's data over 1 MiB"
import json, sys
doc = json.load(open(sys.argv[1]))
sizes = [sum(len(k) + len(v.encode()) for k, v in o["data"].items()) for o in doc.get("items", [doc])]
print("    ConfigMap data sizes: %d..%d bytes" % (min(sizes), max(sizes)))
sys.exit(0 if sizes and max(sizes) < 1048576 else 1)
EOF
: >"$TMP/empty.txt"
chmod 0644 "$TMP"/empty.txt "$TMP"/rules.d/*
cat >"$TMP/xdpfw.conf" <<EOF
[agent]
interfaces = eth0
rules = $TMP/empty.txt
rules_dir = $TMP/rules.d
pin_dir = /sys/fs/bpf/xdpfw-k8s-test
max_rules = 1048576
; the split is the subject: the host's resolvers and gateways would be
; protected addresses on top of the 1,048,576 entries, past max_rules
protect = none
EOF
chmod 0644 "$TMP/xdpfw.conf"
summary=$("$XDPFW" check -c "$TMP/xdpfw.conf" 2>"$TMP/check.err")
rc=$?
echo "    xdpfw check: $summary"
[ "$rc" = 0 ] && grep -q ' 1048576 entries' <<<"$summary" &&
	pass "xdpfw check reads the $n files as one set of 1048576 entries" ||
	fail "xdpfw check: exit $rc, '$summary' $(head -3 "$TMP/check.err")"

[ "$FAILS" = 0 ] && { echo "all checks passed"; exit 0; }
echo "$FAILS checks FAILED"
exit 1
