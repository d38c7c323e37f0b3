#!/usr/bin/env python3
"""The switch from Flux: a unit pinion has no inventory of yet takes the record of what Flux applied from its
Kustomization's status.inventory, so what left Git before the switch is pruned too; once pinion has its own
inventory, Flux's stale record is no longer read; a malformed record is a warning and adds nothing.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("apply-adopt")
W = pntest.workdir("apply-adopt")
FLUX_LABELS = {"kustomize.toolkit.fluxcd.io/name": "flux-system",
               "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}
KS_PATH = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/flux-system"
INV_CM = "/api/v1/namespaces/kube-system/configmaps/pinion-inventory-flux-system-flux-system"


def cm_yaml(name):
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: ad\ndata:\n  k: v\n" % name


repos = W / "repos"
bare = gitpeers.make_bare_repo({"apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ad\n",
                                "apps/a.yaml": cm_yaml("a")}, repos, "repo")
http = gitpeers.GitHTTP(W / "http", repos)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
emu.start()


def sync(state, *extra):
    return pntest.sync_once(http.url("repo"), state, emu.kubeconfig, *extra)


def cmpath(name):
    return "/api/v1/namespaces/ad/configmaps/" + name


def exists(path):
    st, _, body = emu.request("GET", path)
    return st == 200 and "deletionTimestamp" not in body.get("metadata", {})


def wait_for(cond, seconds):
    deadline = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def flux_applied(name):
    """An object as kustomize-controller left it: its field manager and the unit's labels."""
    st, _, b = emu.apply(cmpath(name), {"apiVersion": "v1", "kind": "ConfigMap",
                                        "metadata": {"name": name, "namespace": "ad", "labels": FLUX_LABELS},
                                        "data": {"k": "v"}}, manager="kustomize-controller")
    assert st in (200, 201), (st, b)


def flux_record(entries):
    emu.set_status("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system",
                   {"inventory": {"entries": entries}}, namespace="flux-system", replace=True)


try:
    # the cluster as Flux left it: its CRD, the Kustomization with its record, the objects it applied
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "kustomizations.kustomize.toolkit.fluxcd.io"},
           "spec": {"group": "kustomize.toolkit.fluxcd.io", "scope": "Namespaced",
                    "names": {"kind": "Kustomization", "plural": "kustomizations"},
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "schema": {"openAPIV3Schema": {"type": "object",
                                                                 "x-kubernetes-preserve-unknown-fields": True}}}]}}
    st, _, b = emu.apply("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd["metadata"]["name"], crd)
    assert st in (200, 201), (st, b)
    for n in ("flux-system", "ad"):
        st, _, b = emu.apply("/api/v1/namespaces/" + n, {"apiVersion": "v1", "kind": "Namespace",
                                                         "metadata": {"name": n}})
        assert st in (200, 201), (st, b)
    wait_for(lambda: emu.request("GET", "/apis/kustomize.toolkit.fluxcd.io/v1")[0] == 200, 10)
    st, _, b = emu.apply(KS_PATH, {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                                   "metadata": {"name": "flux-system", "namespace": "flux-system"},
                                   "spec": {"path": "./apps", "prune": True}})
    assert st in (200, 201), (st, b)
    for n in ("a", "old", "other"):
        flux_applied(n)
    flux_record([{"id": "_ad__Namespace", "v": "v1"}, {"id": "ad_a__ConfigMap", "v": "v1"},
                 {"id": "ad_old__ConfigMap", "v": "v1"}])

    @t.case("first sync with --prune: Flux's record is read, what left Git before the switch is pruned")
    def _():
        p = sync(W / "state1", "--prune")
        assert p.returncode == 0, p.stderr
        assert "3 objects from Flux's Kustomization flux-system/flux-system (status.inventory)" in p.stderr, p.stderr
        assert "v1 ConfigMap ad/old pruned" in p.stdout, p.stdout
        assert wait_for(lambda: not exists(cmpath("old")), 10)
        assert exists(cmpath("a")) and exists(cmpath("other"))
        inv = (W / "state1" / "inventory-flux-system-flux-system").read_text()
        assert "ad_a__ConfigMap v1" in inv and "ad_old__ConfigMap" not in inv, inv

    @t.case("with pinion's own inventory, Flux's (stale) record is not read again")
    def _():
        flux_record([{"id": "ad_a__ConfigMap", "v": "v1"}, {"id": "ad_other__ConfigMap", "v": "v1"}])
        mark = emu.mark()
        p = sync(W / "state1", "--prune")
        assert p.returncode == 0, p.stderr
        assert "from Flux's Kustomization" not in p.stderr, p.stderr
        assert exists(cmpath("other"))
        assert not [r for r in emu.requests(mark) if r["path"].startswith(KS_PATH)]

    @t.case("a malformed record is a warning naming the entry; the sync goes on and prunes nothing of it")
    def _():
        st, _, b = emu.request("DELETE", INV_CM)
        assert st == 200, (st, b)
        flux_record([{"id": "ad_other__ConfigMap", "v": "v1"}, {"id": "not-an-id", "v": "v1"}])
        p = sync(W / "state2", "--prune")
        assert p.returncode == 0, p.stderr
        assert "Flux Kustomization flux-system/flux-system: status.inventory.entries[1]" in p.stderr, p.stderr
        assert "the inventory starts without Flux's record" in p.stderr, p.stderr
        assert exists(cmpath("other"))

    @t.case("a unit with no Kustomization of Flux's (the CRD served, the object missing) reads nothing")
    def _():
        st, _, b = emu.request("DELETE", INV_CM)
        assert st == 200, (st, b)
        st, _, b = emu.request("DELETE", KS_PATH)
        assert st == 200, (st, b)
        p = sync(W / "state3", "--prune")
        assert p.returncode == 0, p.stderr
        assert "Flux" not in p.stderr, p.stderr
        assert exists(cmpath("other"))
finally:
    emu.stop()
    http.stop()
t.done()
