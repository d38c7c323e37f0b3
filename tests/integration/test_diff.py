#!/usr/bin/env python3
"""pinion diff (issue 7): what sync would do, computed by GET and server-side dry-run, writing nothing: create /
configure with one line per changed field / prune; Secret values hidden; a CRD and its objects new in the same
unit; exit 0 for no change, 1 for changes, > 1 on error, as flux diff. --local DIR diffs a checkout before a
push; --url diffs the remote.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("diff")
W = pntest.workdir("diff")
PINION = pntest.pinion()
EX_DATA = 65


def deploy(replicas, image="nginx:1.25"):
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: lab\nspec:\n"
            "  replicas: %d\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n"
            "      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: %s\n"
            % (replicas, image))


SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: lab\nstringData:\n  password: %s\n"
CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
BASE = {"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n",
        "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: lab\ndata:\n  k: v\n",
        "old.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n  namespace: lab\ndata:\n  k: v\n",
        "web.yaml": deploy(1), "secret.yaml": SECRET % "hunter2-first"}
repos = W / "repos"
gitpeers.make_bare_repo({"apps/" + k: v for k, v in BASE.items()}, repos, "repo")
http = gitpeers.GitHTTP(W / "http", repos)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
emu.start()
LOCAL = W / "local"


def local(files):
    if LOCAL.exists():
        shutil.rmtree(LOCAL)
    LOCAL.mkdir()
    for k, v in files.items():
        (LOCAL / k).write_text(v)


def common():
    return ["--state-dir", str(W / "state"), "--kubeconfig", str(emu.kubeconfig)]


def diff(*extra):
    return pntest.run([PINION, "diff", "--local", str(LOCAL)] + common() + list(extra))


def writes(since):
    return [r for r in emu.requests(since) if r.get("method") in ("PATCH", "POST", "PUT", "DELETE") and
            "dryRun=All" not in r.get("query", "") + r.get("path", "")]


try:
    @t.case("an empty cluster: every object is a create, exit 1, nothing written (not even an inventory)")
    def _():
        local(BASE)
        mark = emu.mark()
        p = diff()
        assert p.returncode == 1, (p.returncode, p.stderr)
        lines = p.stdout.splitlines()
        assert "create v1 Namespace lab" in lines and "create apps/v1 Deployment lab/web" in lines, lines
        assert "create v1 ConfigMap lab/cfg" in lines, lines
        assert writes(mark) == [], writes(mark)
        assert not (W / "state").exists() or not list((W / "state").glob("inventory-*"))

    @t.case("after a sync, the same tree: no output, exit 0")
    def _():
        p = pntest.sync_once(http.url("repo"), W / "state", emu.kubeconfig)
        assert p.returncode == 0, p.stderr
        p = diff()
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
        assert p.stdout == "", p.stdout

    @t.case("a changed field: configure with the field's old and new value; Secret values hidden")
    def _():
        local(dict(BASE, **{"web.yaml": deploy(3, "nginx:1.27"), "secret.yaml": SECRET % "hunter2-second"}))
        mark = emu.mark()
        p = diff()
        assert p.returncode == 1, (p.returncode, p.stderr)
        out = p.stdout
        assert "configure apps/v1 Deployment lab/web\n" in out, out
        assert "  spec.replicas: 1 -> 3\n" in out, out
        assert '  spec.template.spec.containers[0].image: "nginx:1.25" -> "nginx:1.27"\n' in out, out
        assert "configure v1 Secret lab/creds\n" in out, out
        assert "(hidden) -> (hidden)" in out, out
        assert "hunter2" not in out + p.stderr and "aHVudGVy" not in out + p.stderr, out
        assert "ConfigMap lab/cfg" not in out, out
        assert writes(mark) == [], writes(mark)

    @t.case("--prune: what the inventory has and the tree lacks is listed as prune")
    def _():
        files = dict(BASE)
        del files["old.yaml"]
        local(files)
        p = diff()
        assert p.returncode == 0, (p.returncode, p.stdout)
        p = diff("--prune")
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert p.stdout.splitlines() == ["prune v1 ConfigMap lab/old"], p.stdout

    @t.case("a CRD and its objects new in the same unit, in a new namespace: creates, no error")
    def _():
        local(dict(BASE, **{"crd.yaml": CRD,
                            "w.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
                                      "  namespace: fresh\n",
                            "fresh.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fresh\n",
                            "cm2.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c2\n"
                                        "  namespace: fresh\n"}))
        p = diff()
        assert p.returncode == 1, (p.returncode, p.stderr)
        lines = p.stdout.splitlines()
        for want in ("create apiextensions.k8s.io/v1 CustomResourceDefinition widgets.example.com",
                     "create example.com/v1 Widget fresh/w", "create v1 Namespace fresh", "create v1 ConfigMap fresh/c2"):
            assert want in lines, (want, lines)

    @t.case("the remote: --url diffs the fetched revision (no change after the sync)")
    def _():
        p = pntest.run([PINION, "diff", "--url", http.url("repo"), "--path", "./apps"] + common())
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)

    @t.case("errors exit > 1 and name the file; --local and --url together are refused")
    def _():
        local(dict(BASE, **{"bad.yaml": "kind: [\n"}))
        p = diff()
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        assert "bad.yaml" in p.stderr, p.stderr
        p = pntest.run([PINION, "diff", "--local", str(LOCAL), "--url", http.url("repo")] + common())
        assert p.returncode == 64 and "exclude each other" in p.stderr, (p.returncode, p.stderr)
finally:
    http.stop()
    emu.stop()
t.done()
