#!/usr/bin/env python3
"""Taking over what kubectl or Flux applied (issue 7, flux-apply.md "Before apply, KC cleans up metadata"): a
cluster set up with `kubectl apply` (client-side: last-applied annotation, manager kubectl-client-side-apply) or
`kubectl apply --server-side` (manager kubectl) is adopted: the annotation goes, those managers' fields become
pinion's, and a field only Git used to have is removed; the next sync writes nothing. ssa: Merge objects are
left as they are, and a field of an unrelated manager stays.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("apply-takeover")
W = pntest.workdir("apply-takeover")
LAST = "kubectl.kubernetes.io/last-applied-configuration"


def cm(name, data, anno=None):
    o = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "adopt"}, "data": data}
    if anno:
        o["metadata"]["annotations"] = anno
    return o


NS = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "adopt"}}
GIT = {"apps/ns.yaml": json.dumps(NS), "apps/csa.yaml": json.dumps(cm("csa", {"k": "v"})),
       "apps/ssa.yaml": json.dumps(cm("ssa", {"k": "v"})),
       "apps/merge.yaml": json.dumps(cm("merge", {"k": "v"}, {"kustomize.toolkit.fluxcd.io/ssa": "Merge"}))}
repos = W / "repos"
gitpeers.make_bare_repo(GIT, repos, "repo")
http = gitpeers.GitHTTP(W / "http", repos)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
emu.start()


def sync():
    return pntest.sync_once(http.url("repo"), W / "state", emu.kubeconfig)


def kubectl(*args, stdin=None):
    return pntest.kubectl_emu(emu, W, *args, input=stdin)


def live(name):
    st, _, body = emu.request("GET", "/api/v1/namespaces/adopt/configmaps/" + name)
    assert st == 200, (st, body)
    return body


def managers(obj):
    return sorted((e["manager"], e["operation"]) for e in obj["metadata"].get("managedFields") or []
                  if not e.get("subresource"))


def actions(out):
    return dict(line.rsplit(" ", 1) for line in out.splitlines() if line.strip())


try:
    @t.case("setup: the objects made by kubectl apply (client-side and --server-side), with an extra key each")
    def _():
        p = kubectl("apply", "-f", "-", stdin=json.dumps(NS))
        assert p.returncode == 0, p.stderr
        for name in ("csa", "merge"):
            p = kubectl("apply", "-f", "-", stdin=json.dumps(cm(name, {"k": "old", "extra": "x"})))
            assert p.returncode == 0, p.stderr
        p = kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(cm("ssa", {"k": "old", "extra": "x"})))
        assert p.returncode == 0, p.stderr
        p = kubectl("patch", "-n", "adopt", "configmap", "csa", "--field-manager=someone", "--type=merge", "-p",
                    '{"data":{"theirs":"kept"}}')
        assert p.returncode == 0, p.stderr
        assert LAST in live("csa")["metadata"]["annotations"]
        assert ("kubectl", "Apply") in managers(live("ssa")), managers(live("ssa"))

    @t.case("the first sync takes kubectl's fields over: the annotation is gone, the key only kubectl applied is "
            "removed, a field of another manager stays")
    def _():
        mark = emu.mark()
        p = sync()
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a["v1 ConfigMap adopt/csa"] == "configured" and a["v1 ConfigMap adopt/ssa"] == "configured", a
        o = live("csa")
        assert LAST not in (o["metadata"].get("annotations") or {}), o["metadata"]
        assert o["data"] == {"k": "v", "theirs": "kept"}, o["data"]
        ms = [m for m, _ in managers(o)]
        assert "kubectl-client-side-apply" not in ms and "pinion" in ms and "someone" in ms, managers(o)
        o = live("ssa")
        assert o["data"] == {"k": "v"}, o["data"]
        assert [m for m, _ in managers(o)] == ["pinion"], managers(o)
        patches = [r for r in emu.requests(mark) if r.get("method") == "PATCH" and
                   r["headers"].get("Content-Type") == "application/json-patch+json"]
        assert sorted(r["path"].rsplit("/", 1)[1] for r in patches) == ["adopt", "csa", "ssa"], patches
        assert all('"op":"test","path":"/metadata/resourceVersion"' in r["body"] for r in patches), patches
        assert patches, "no take-over patch in the request log"

    @t.case("ssa: Merge objects are exempt: kubectl's key and the annotation stay")
    def _():
        o = live("merge")
        assert o["data"] == {"k": "v", "extra": "x"}, o["data"]
        assert LAST in o["metadata"]["annotations"]

    @t.case("the next sync writes nothing")
    def _():
        mark = emu.mark()
        p = sync()
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a["v1 ConfigMap adopt/csa"] == "unchanged" and a["v1 ConfigMap adopt/ssa"] == "unchanged", a
        writes = [r for r in emu.requests(mark) if r.get("method") in ("PATCH", "POST", "PUT", "DELETE") and
                  "dryRun=All" not in r.get("query", "") + r["path"]]
        assert writes == [], writes

    @t.case("kubectl still works on the adopted objects")
    def _():
        p = kubectl("get", "configmap", "-n", "adopt", "csa", "-o", "jsonpath={.data.k}")
        assert p.returncode == 0 and p.stdout == "v", (p.stdout, p.stderr)
finally:
    http.stop()
    emu.stop()
t.done()
