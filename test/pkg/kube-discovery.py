#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A stand-in for a Kubernetes API server's discovery, so that
`kubectl apply --dry-run=client` parses and maps manifests without a
cluster (test/pkg/kubernetes.sh).  It knows the kinds xdpfw's manifests
use; every object GET is 404 (nothing exists yet), so kubectl builds a
create.  Prints its port, serves until killed."""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

def res(name, kind, namespaced):
    return {"name": name, "singularName": kind.lower(), "namespaced": namespaced,
            "kind": kind, "verbs": ["create", "get", "list", "patch", "update"]}

DOCS = {
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": []},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        res("configmaps", "ConfigMap", True), res("namespaces", "Namespace", False)]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]},
    "/apis/apps/v1": {"kind": "APIResourceList", "groupVersion": "apps/v1",
                      "resources": [res("daemonsets", "DaemonSet", True)]},
    "/version": {"major": "1", "minor": "28", "gitVersion": "v1.28.0"},
}

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        doc, code = DOCS.get(path), 200
        if doc is None:
            code = 404
            doc = {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                   "reason": "NotFound", "code": 404, "message": "not found"}
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

srv = HTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
