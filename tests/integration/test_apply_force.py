#!/usr/bin/env python3
"""Immutable fields (issue 7): a Deployment whose selector changed in Git is refused with the server's "field is
immutable" and a hint, and nothing is deleted; with --force it is deleted (background), awaited and created
again ("recreated"), and the request log shows the DELETE.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("apply-force")
W = pntest.workdir("apply-force")
EX_DATA = 65


def deploy(app):
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: imm\nspec:\n  selector:\n"
            "    matchLabels:\n      app: %s\n  template:\n    metadata:\n      labels:\n        app: %s\n    spec:\n"
            "      containers:\n      - name: web\n        image: nginx\n" % (app, app))


NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: imm\n"
repos = W / "repos"
bare = gitpeers.make_bare_repo([{"apps/ns.yaml": NS, "apps/d.yaml": deploy("web")},
                                {"apps/ns.yaml": NS, "apps/d.yaml": deploy("web2")}], repos, "repo")
commits = pntest.run(["git", "-C", str(bare), "rev-list", "--reverse", "refs/heads/main"], check=True).stdout.split()
http = gitpeers.GitHTTP(W / "http", repos)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
emu.start()
DPATH = "/apis/apps/v1/namespaces/imm/deployments/web"


def set_tip(c):
    pntest.run(["git", "-C", str(bare), "update-ref", "refs/heads/main", c], check=True)


def sync(*extra):
    return pntest.sync_once(http.url("repo"), W / "state", emu.kubeconfig, *extra)


try:
    @t.case("a changed selector without --force: the server's refusal with a hint, nothing deleted")
    def _():
        set_tip(commits[0])
        p = sync()
        assert p.returncode == 0, p.stderr
        set_tip(commits[1])
        mark = emu.mark()
        p = sync()
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        last = p.stderr.strip().splitlines()[-1]
        assert "field is immutable" in last and "run with --force" in last, last
        assert not [r for r in emu.requests(mark) if r.get("method") == "DELETE"]

    @t.case("with --force: deleted, awaited, created again, reported as recreated")
    def _():
        mark = emu.mark()
        p = sync("--force")
        assert p.returncode == 0, p.stderr
        assert "apps/v1 Deployment imm/web recreated" in p.stdout, p.stdout
        assert [r for r in emu.requests(mark) if r.get("method") == "DELETE" and r.get("path") == DPATH]
        p = sync()
        assert p.returncode == 0 and "apps/v1 Deployment imm/web unchanged" in p.stdout, (p.stdout, p.stderr)

    @t.case("--wait: no controller makes the Deployment ready, so the wait times out naming it and why")
    def _():
        p = sync("--wait", "--timeout", "3s")
        assert p.returncode == 75, (p.returncode, p.stderr)
        last = p.stderr.strip().splitlines()[-1]
        assert "health check timed out after 3 s, not ready: apps/v1 Deployment imm/web: 0/1 replicas updated" \
            in last, last

    @t.case("--health-check without --wait: only the objects named are awaited (Flux's healthChecks)")
    def _():
        p = sync("--health-check", "Namespace/imm", "--timeout", "3s")
        assert p.returncode == 0, p.stderr
        p = sync("--health-check", "Deployment/web.imm", "--timeout", "3s")
        assert p.returncode == 75, (p.returncode, p.stderr)
        assert "not ready: apps/v1 Deployment imm/web: 0/1 replicas updated" in p.stderr, p.stderr
        mark = emu.mark()
        p = sync("--health-check", "Deployment/nope.imm")
        assert p.returncode == 64, (p.returncode, p.stderr)
        assert "--health-check Deployment/nope.imm: no such object in this unit" in p.stderr, p.stderr
        assert not [r for r in emu.requests(mark) if r.get("method") in ("PATCH", "DELETE") and
                    "dryRun" not in r.get("query", "")]

    @t.case("--wait: once the status says ready (set as a controller would), the sync succeeds")
    def _():
        import threading
        import time

        def ready():
            time.sleep(1)
            emu.set_status("apps/v1", "Deployment", "web", {
                "observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
                "availableReplicas": 1, "conditions": [
                    {"type": "Available", "status": "True"},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]},
                namespace="imm")
        th = threading.Thread(target=ready)
        th.start()
        p = sync("--wait", "--timeout", "60s")
        th.join()
        assert p.returncode == 0, p.stderr
finally:
    emu.stop()
    http.stop()
t.done()
