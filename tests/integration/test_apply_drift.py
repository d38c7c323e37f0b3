#!/usr/bin/env python3
"""Drift, as Flux's ApplyAll does it (issue 7): every object is dry-run first; a second sync with no change
writes nothing (no PATCH without dryRun=All in the emulator's request log, every object "unchanged"); drift in a
field pinion manages, made with kubectl under another field manager, is reverted while a field only that
manager owns stays; Flux's ssa: IfNotPresent and reconcile: disabled annotations are honoured.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("apply-drift")
W = pntest.workdir("apply-drift")

files = {
    "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: drift\n",
    "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: drift\ndata:\n  k: v\n",
    "apps/once.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: once\n  namespace: drift\n  annotations:\n"
                      "    kustomize.toolkit.fluxcd.io/ssa: IfNotPresent\ndata:\n  k: first\n",
    "apps/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: drift\ndata:\n"
                        "  password: c3VwZXJzZWNyZXQtdmFsdWU=\nstringData:\n  token: tok-0123456789\n",
    "apps/off.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: off\n  namespace: drift\n  annotations:\n"
                     "    kustomize.toolkit.fluxcd.io/reconcile: disabled\ndata:\n  k: v\n",
}
repos = W / "repos"
gitpeers.make_bare_repo(files, repos, "repo")
http = gitpeers.GitHTTP(W / "http", repos)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
emu.start()


def sync():
    return pntest.sync_once(http.url("repo"), W / "state", emu.kubeconfig)


def kubectl(*args):
    return pntest.kubectl_emu(emu, W, *args)


def writes(since):
    return [r for r in emu.requests(since) if r.get("method") in ("PATCH", "POST", "PUT", "DELETE") and
            "dryRun=All" not in r.get("query", "") + r.get("path", "")]


def actions(out):
    return dict(line.rsplit(" ", 1) for line in out.splitlines() if line.strip())


try:
    @t.case("first sync: created; reconcile: disabled is skipped and never sent")
    def _():
        p = sync()
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a["v1 ConfigMap drift/cfg"] == "created", a
        assert a["v1 ConfigMap drift/once"] == "created", a
        assert a["v1 ConfigMap drift/off"] == "skipped", a
        assert not [r for r in emu.requests() if "/configmaps/off" in r.get("path", "")], "off was sent"

    @t.case("second sync, nothing changed: every object unchanged, no write in the request log")
    def _():
        mark = emu.mark()
        p = sync()
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert set(a.values()) <= {"unchanged", "skipped"}, a
        assert writes(mark) == [], writes(mark)
        assert any("dryRun=All" in (r.get("query", "") + r.get("path", "")) for r in emu.requests(mark))

    @t.case("drift in a managed field is reverted; a field only another manager owns stays; IfNotPresent left alone")
    def _():
        if not pntest.have("kubectl"):
            raise pntest.Skip("kubectl not installed")
        p = kubectl("patch", "-n", "drift", "configmap", "cfg", "--field-manager=someone", "--type=merge", "-p",
                    json.dumps({"data": {"k": "changed", "extra": "theirs"}}))
        assert p.returncode == 0, p.stderr
        p = kubectl("patch", "-n", "drift", "configmap", "once", "--field-manager=someone", "--type=merge", "-p",
                    json.dumps({"data": {"k": "edited"}}))
        assert p.returncode == 0, p.stderr
        p = sync()
        assert p.returncode == 0, p.stderr
        a = actions(p.stdout)
        assert a["v1 ConfigMap drift/cfg"] == "configured", a
        assert a["v1 ConfigMap drift/once"] == "skipped", a
        cm = json.loads(kubectl("get", "-n", "drift", "configmap", "cfg", "-o", "json").stdout)
        assert cm["data"] == {"k": "v", "extra": "theirs"}, cm["data"]
        once = json.loads(kubectl("get", "-n", "drift", "configmap", "once", "-o", "json").stdout)
        assert once["data"]["k"] == "edited", once["data"]

    @t.case("a refused Secret: the server's message is quoted with every value masked")
    def _():
        emu.fault("PATCH", "/api/v1/namespaces/drift/secrets/creds", "422", count=1,
                  message='Secret "creds" is invalid: data[password]: Invalid value: "c3VwZXJzZWNyZXQtdmFsdWU=" '
                          '(supersecret-value), stringData[token]: "tok-0123456789"')
        p = sync()
        emu.clear_faults()
        assert p.returncode != 0, p.stderr
        for secret in ("c3VwZXJzZWNyZXQtdmFsdWU=", "supersecret-value", "tok-0123456789"):
            assert secret not in p.stderr and secret not in p.stdout, p.stderr
        assert 'Invalid value: "***" (***), stringData[token]: "***"' in p.stderr, p.stderr
finally:
    emu.stop()
    http.stop()
t.done()
