#!/usr/bin/env python3
"""Preflight before any write (issue 7): a unit whose objects need a CRD nobody installed (Traefik's Middleware, as
homelabs have it) and a namespace that does not exist fails with one message naming each, the files that need
them, and writes nothing: the emulator's request log holds no PATCH, and kubectl finds nothing.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("apply-preflight")
W = pntest.workdir("apply-preflight")
EX_DATA = 65

MW = ("apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: %s\n  namespace: traefik\n"
      "spec:\n  headers:\n    stsSeconds: 31536000\n")
files = {
    "apps/kustomization.yaml": "resources:\n- ns.yaml\n- cm.yaml\n- mw-a.yaml\n- mw-b.yaml\n- lab.yaml\n",
    "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: traefik\n",
    "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  namespace: traefik\ndata:\n  a: b\n",
    "apps/mw-a.yaml": MW % "secure-headers",
    "apps/mw-b.yaml": MW % "rate-limit",
    "apps/lab.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lab-config\n  namespace: lab\n",
}
repos = W / "repos"
gitpeers.make_bare_repo(files, repos, "repo")
http = gitpeers.GitHTTP(W / "http", repos)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
emu.start()
try:
    @t.case("a missing CRD and a missing namespace: one message naming both and their files, nothing written")
    def _():
        mark = emu.mark()
        p = pntest.sync_once(http.url("repo"), W / "state", emu.kubeconfig)
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        last = p.stderr.strip().splitlines()[-1]
        assert ("traefik.io/v1alpha1 Middleware traefik/secure-headers (apps/mw-a.yaml): no kind Middleware in "
                "apiVersion traefik.io/v1alpha1 is served: is its CRD installed? (and 1 more object)") in last, last
        assert ("v1 ConfigMap lab/lab-config (apps/lab.yaml): namespace lab does not exist: add a Namespace to the "
                "unit or create it") in last, last
        assert "traefik does not exist" not in last, last  # the unit creates that one
        writes = [r for r in emu.requests(mark) if r.get("method") in ("PATCH", "POST", "PUT", "DELETE")]
        assert writes == [], writes
        assert not (W / "state" / "applied").exists()
finally:
    emu.stop()
    http.stop()
t.done()
