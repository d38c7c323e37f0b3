#!/usr/bin/env python3
"""Inventory and prune (issue 7): the unit's inventory in the state directory and in the ConfigMap
kube-system/pinion-inventory-<ns>-<name>, each written only when it changes; --prune deletes what left Git only
after everything else succeeded and only while the live object carries the unit's labels; prune: Disabled,
the mass-prune guard, the Namespace guard, a failed DELETE kept and retried, a malformed commit prunes nothing,
kill -9 in the middle of an apply or a prune converges on the next sync.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("apply-prune")
W = pntest.workdir("apply-prune")
CRASHED = 137


def ns(name):
    return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n" % name


def cm(name, namespace="pr", anno=None):
    s = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\n" % (name, namespace)
    if anno:
        s += "  annotations:\n" + "".join("    %s: %s\n" % kv for kv in anno.items())
    return s + "data:\n  k: v\n"


BASE = {"apps/ns.yaml": ns("pr"), "apps/a.yaml": cm("a"), "apps/b.yaml": cm("b"), "apps/c.yaml": cm("c"),
        "apps/d.yaml": cm("d"), "apps/e.yaml": cm("e"),
        "apps/keep.yaml": cm("keep", anno={"kustomize.toolkit.fluxcd.io/prune": "Disabled"}),
        "apps/data-ns.yaml": ns("data"), "apps/data-cm.yaml": cm("cfg", "data")}


def without(*names):
    return {k: v for k, v in BASE.items() if k not in ["apps/%s.yaml" % n for n in names]}


REV = {
    "base": BASE,
    "no-b-keep": without("b", "keep"),
    "broken": dict(without("b", "keep", "c"), **{"apps/bad.yaml": "kind: [unclosed\n"}),
    "no-c": without("b", "keep", "c"),
    "few": {"apps/ns.yaml": ns("pr"), "apps/a.yaml": cm("a")},
    "mid": {"apps/ns.yaml": ns("pr"), "apps/a.yaml": cm("a"), "apps/data-ns.yaml": ns("data"),
            "apps/data-cm.yaml": cm("cfg", "data")},
    "mid-extra": {"apps/ns.yaml": ns("pr"), "apps/a.yaml": cm("a"), "apps/x1.yaml": cm("x1"),
                  "apps/x2.yaml": cm("x2"), "apps/data-ns.yaml": ns("data"), "apps/data-cm.yaml": cm("cfg", "data")},
    "no-data": {"apps/ns.yaml": ns("pr"), "apps/a.yaml": cm("a"), "apps/x1.yaml": cm("x1"),
                "apps/x2.yaml": cm("x2")},
}
ORDER = list(REV)
repos = W / "repos"


def snapshots(revs):
    """Each revision is the whole tree: files of the one before that it lacks are deleted (None)."""
    out, prev = [], {}
    for files in revs:
        out.append(dict({k: None for k in prev if k not in files}, **files))
        prev = files
    return out


bare = gitpeers.make_bare_repo(snapshots([REV[k] for k in ORDER]), repos, "repo")
commits = dict(zip(ORDER, pntest.run(["git", "-C", str(bare), "rev-list", "--reverse", "refs/heads/main"],
                                     check=True).stdout.split()))
http = gitpeers.GitHTTP(W / "http", repos)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
emu.start()
STATE = W / "state"
INV_FILE = STATE / "inventory-flux-system-flux-system"
INV_CM = "/api/v1/namespaces/kube-system/configmaps/pinion-inventory-flux-system-flux-system"


def set_tip(rev):
    pntest.run(["git", "-C", str(bare), "update-ref", "refs/heads/main", commits[rev]], check=True)


def sync(*extra, env=None):
    return pntest.sync_once(http.url("repo"), STATE, emu.kubeconfig, *extra, env=env)


def kubectl(*args):
    return pntest.kubectl_emu(emu, W, *args)


def exists(path):
    st, _, body = emu.request("GET", path)
    if st == 404:
        return False
    assert st == 200, (st, body)
    return "deletionTimestamp" not in body.get("metadata", {})


def cmpath(name, namespace="pr"):
    return "/api/v1/namespaces/%s/configmaps/%s" % (namespace, name)


def inv_file():
    return INV_FILE.read_text().splitlines()[1:]


def inv_cm():
    st, _, body = emu.request("GET", INV_CM)
    assert st == 200, (st, body)
    return body["data"]["inventory"].splitlines()[1:]


ACTIONS = ("already gone", "left in place", "held back", "prune failed", "pruned", "created", "configured",
           "unchanged", "skipped", "recreated")


def actions(out):
    res = {}
    for line in out.splitlines():
        for act in ACTIONS:
            if line.endswith(" " + act):
                res[line[:-len(act) - 1]] = act
                break
    return res


def gone(path):
    for _ in range(100):
        st, _, _ = emu.request("GET", path)
        if st == 404:
            return True
        time.sleep(0.1)
    return False


def deletes(since):
    return [r for r in emu.requests(since) if r.get("method") == "DELETE"]


try:
    @t.case("first sync: the inventory file and ConfigMap list every object, sorted, in Flux's id form")
    def _():
        set_tip("base")
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        inv = inv_file()
        assert inv == sorted(inv), inv
        assert "pr_a__ConfigMap v1" in inv and "_pr__Namespace v1" in inv and "data_cfg__ConfigMap v1" in inv, inv
        assert len(inv) == 9, inv
        assert inv_cm() == inv
        st, _, body = emu.request("GET", INV_CM)
        labels = body["metadata"].get("labels", {})
        assert "kustomize.toolkit.fluxcd.io/name" not in labels, labels

    @t.case("a second sync with no change writes neither copy (no PATCH of the ConfigMap, file untouched)")
    def _():
        mtime = INV_FILE.stat().st_mtime_ns
        mark = emu.mark()
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        assert not [r for r in emu.requests(mark) if r.get("method") != "GET" and "pinion-inventory" in r["path"]]
        assert INV_FILE.stat().st_mtime_ns == mtime

    @t.case("without --prune a removed file is left in the cluster and forgotten, as Flux does")
    def _():
        set_tip("no-b-keep")
        mark = emu.mark()
        p = sync()
        assert p.returncode == 0, p.stderr
        assert deletes(mark) == []
        assert exists(cmpath("b"))
        assert "pr_b__ConfigMap v1" not in inv_file() and "pr_b__ConfigMap v1" not in inv_cm()
        # put it back under management for the next case
        set_tip("base")
        assert sync().returncode == 0

    @t.case("--prune: a removed file is deleted (background); prune: Disabled is left in place and forgotten")
    def _():
        set_tip("no-b-keep")
        mark = emu.mark()
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a["v1 ConfigMap pr/b"] == "pruned", a
        assert a["v1 ConfigMap pr/keep"] == "left in place", a
        assert "kustomize.toolkit.fluxcd.io/prune: Disabled" in p.stderr, p.stderr
        d = deletes(mark)
        assert len(d) == 1 and d[0]["path"].endswith("/configmaps/b"), d
        assert "propagationPolicy=Background" in d[0].get("query", "") + d[0]["path"], d
        assert not exists(cmpath("b")) and exists(cmpath("keep"))
        assert "pr_b__ConfigMap v1" not in inv_file() and "pr_keep__ConfigMap v1" not in inv_file()

    @t.case("a malformed commit prunes nothing and leaves the inventory as it was")
    def _():
        before = inv_file()
        set_tip("broken")
        mark = emu.mark()
        p = sync("--prune")
        assert p.returncode != 0
        assert "bad.yaml" in p.stderr, p.stderr
        assert deletes(mark) == []
        assert exists(cmpath("c"))
        assert inv_file() == before and inv_cm() == before

    @t.case("an object whose labels no longer name the unit is left in place, not deleted")
    def _():
        p = kubectl("label", "configmap", "c", "-n", "pr", "kustomize.toolkit.fluxcd.io/name=someone-else",
                    "--overwrite")
        assert p.returncode == 0, p.stderr
        set_tip("no-c")
        mark = emu.mark()
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        assert actions(p.stdout)["v1 ConfigMap pr/c"] == "left in place", p.stdout
        assert "no longer name the unit flux-system/flux-system" in p.stderr, p.stderr
        assert deletes(mark) == [] and exists(cmpath("c"))

    @t.case("the mass-prune guard: deleting more than half of the inventory is refused, nothing deleted, "
            "the stale entries kept; --allow-mass-prune deletes them")
    def _():
        set_tip("few")
        mark = emu.mark()
        p = sync("--prune")
        assert p.returncode != 0
        last = p.stderr.strip().splitlines()[-1]
        assert "prune refused" in last and "would delete 4 of the 6 objects" in last, last
        assert "more than half" in last and "--allow-mass-prune" in last and "nothing was deleted" in last, last
        assert deletes(mark) == []
        assert "pr_d__ConfigMap v1" in inv_file() and "pr_d__ConfigMap v1" in inv_cm()
        p = sync("--prune", "--allow-mass-prune")
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a["v1 ConfigMap pr/d"] == "pruned" and a["v1 ConfigMap pr/e"] == "pruned", a
        assert a["v1 Namespace data"] == "pruned", a
        assert not exists(cmpath("d")) and not exists(cmpath("e"))
        assert inv_file() == ["_pr__Namespace v1", "pr_a__ConfigMap v1"], inv_file()
        assert gone("/api/v1/namespaces/data")

    @t.case("a failed DELETE stays in the inventory, the sync fails naming it, the next sync deletes it")
    def _():
        set_tip("mid-extra")
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        set_tip("mid")
        emu.fault("DELETE", cmpath("x1"), "403", message="denied by a test webhook")
        p = sync("--prune")
        assert p.returncode != 0
        a = actions(p.stdout)
        assert a["v1 ConfigMap pr/x1"] == "prune failed" and a["v1 ConfigMap pr/x2"] == "pruned", a
        assert "denied by a test webhook" in p.stderr and "prune v1 ConfigMap pr/x1" in p.stderr, p.stderr
        assert "pr_x1__ConfigMap v1" in inv_file() and "pr_x1__ConfigMap v1" in inv_cm()
        assert exists(cmpath("x1"))
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        assert actions(p.stdout)["v1 ConfigMap pr/x1"] == "pruned", p.stdout
        assert not exists(cmpath("x1")) and "pr_x1__ConfigMap v1" not in inv_file()

    @t.case("the union of both copies: with the state file gone the ConfigMap still drives the prune")
    def _():
        set_tip("mid-extra")
        assert sync("--prune").returncode == 0
        INV_FILE.unlink()
        set_tip("mid")
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a["v1 ConfigMap pr/x1"] == "pruned" and a["v1 ConfigMap pr/x2"] == "pruned", a
        assert inv_file() == inv_cm() and "pr_x1__ConfigMap v1" not in inv_file()

    @t.case("kill -9 in the middle of an apply: the inventory already lists the new objects, and a later "
            "revision without them prunes them")
    def _():
        set_tip("mid-extra")
        p = sync("--prune", env={"PN_CRASH_AT": "apply-object"})
        assert p.returncode == CRASHED, (p.returncode, p.stderr)
        assert "pr_x1__ConfigMap v1" in inv_file() and "pr_x2__ConfigMap v1" in inv_file(), inv_file()
        set_tip("mid")
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a.get("v1 ConfigMap pr/x1") in ("pruned", "already gone"), a
        assert not exists(cmpath("x1")) and not exists(cmpath("x2"))
        assert "pr_x1__ConfigMap v1" not in inv_file() and "pr_x1__ConfigMap v1" not in inv_cm()

    @t.case("kill -9 right after a DELETE: the next sync finds it gone and converges")
    def _():
        set_tip("mid-extra")
        assert sync("--prune").returncode == 0
        set_tip("mid")
        p = sync("--prune", env={"PN_CRASH_AT": "prune-deleted"})
        assert p.returncode == CRASHED, (p.returncode, p.stderr)
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        assert not exists(cmpath("x1")) and not exists(cmpath("x2"))
        assert "pr_x1__ConfigMap v1" not in inv_file() and "pr_x2__ConfigMap v1" not in inv_file()

    @t.case("the Namespace guard: a Namespace holding an object pinion did not apply is held back with a warning "
            "naming it; --force-namespace-prune deletes it")
    def _():
        set_tip("mid")
        assert sync("--prune").returncode == 0
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "pgdata", "namespace": "data"},
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
        st, _, body = emu.apply("/api/v1/namespaces/data/persistentvolumeclaims/pgdata", pvc, manager="kubectl")
        assert st in (200, 201), (st, body)
        set_tip("no-data")
        mark = emu.mark()
        p = sync("--prune")
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a["v1 ConfigMap data/cfg"] == "pruned", a
        assert a["v1 Namespace data"] == "held back", a
        assert "PersistentVolumeClaim data/pgdata" in p.stderr and "--force-namespace-prune" in p.stderr, p.stderr
        assert [r["path"] for r in deletes(mark)] == ["/api/v1/namespaces/data/configmaps/cfg"], deletes(mark)
        assert exists("/api/v1/namespaces/data") and "_data__Namespace v1" in inv_file()
        # held again next time, and deleted when forced
        p = sync("--prune", "--force-namespace-prune")
        assert p.returncode == 0, p.stderr
        assert actions(p.stdout)["v1 Namespace data"] == "pruned", p.stdout
        assert not exists("/api/v1/namespaces/data")
        assert "_data__Namespace v1" not in inv_file()

    @t.case("a --path that is not in the revision is an error, and nothing is pruned (Flux: ArtifactFailed)")
    def _():
        before = inv_file()
        mark = emu.mark()
        p = pntest.sync_once(http.url("repo"), STATE, emu.kubeconfig, "--prune", "--allow-mass-prune", path="./nope")
        assert p.returncode != 0
        assert "nope" in p.stderr.strip().splitlines()[-1], p.stderr
        assert deletes(mark) == [] and inv_file() == before

    @t.case("--name and --namespace must be Kubernetes names (they become labels and the ConfigMap's name)")
    def _():
        p = sync("--name", "Bad_Name")
        assert p.returncode != 0
        assert "--name \"Bad_Name\": not a Kubernetes name" in p.stderr, p.stderr
        p = sync("--namespace", "a.b")
        assert p.returncode != 0
        assert "--namespace \"a.b\": not a Kubernetes namespace" in p.stderr, p.stderr

    @t.case("the real kubectl reads the inventory ConfigMap")
    def _():
        p = kubectl("get", "configmap", "-n", "kube-system", "pinion-inventory-flux-system-flux-system",
                    "-o", "jsonpath={.data.inventory}")
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("# pinion inventory v1\n"), p.stdout
finally:
    http.stop()
    emu.stop()
t.done()
