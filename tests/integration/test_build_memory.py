#!/usr/bin/env python3
"""Bounded memory of `pinion build` (issue 5): the static binary builds a generated ~6,300-document tree under
`prlimit --as` with an 8 MiB-class ceiling, prints what `kubectl kustomize` prints, and a limit below what it
needs fails cleanly (out of memory, nothing printed).

The tree (deterministic, shaped like scripts/bench's homelab_tree) nests kustomizations three deep, so that
transformers, generators and name references run over spooled objects:
  kustomization.yaml                      resources: every namespace directory (no transformers)
  <ns>/kustomization.yaml                 commonAnnotations, resources: each app's ks.yaml and app/
  <ns>/<app>/ks.yaml                      a Flux Kustomization (printed, never applied)
  <ns>/<app>/app/kustomization.yaml       namespace, labels (includeSelectors), configMapGenerator, images,
                                          resources: deployment.yaml, service.yaml
The Deployment takes the generated ConfigMap through envFrom, so its name follows the hash suffix.

# pn-test: slow
# pn-test: host-only   (it runs the static pinion-x86_64 itself, and kubectl when present)
"""
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import pntest  # noqa: E402

t = pntest.TAP("build_memory")
W = pntest.workdir("build_memory")
STATIC = pntest.ROOT / "pinion-x86_64"
TIME = "/usr/bin/time"
EX_TEMPFAIL = 75

# Apps in the tree: 4 documents each (Flux Kustomization, Deployment, Service, generated ConfigMap).
N_APPS = 1575
N_NAMESPACES = 12
# The address-space limit the static binary builds the tree under. Measured on x86_64 (musl): the tightest limit
# that works is AS_TIGHTEST_MIB (binary and stack included; PN_BUILD_FIND_AS=1 searches it again); the test
# allows a margin.
AS_TIGHTEST_MIB = 4
AS_LIMIT_MIB = 6
# PN_BUILD_RSS_GOAL (agent/render/build.h): the peak RSS of the same build without a limit (measured 2.9 MiB)
RSS_GOAL_KIB = 4 * 1024
KUBECTL_TIMEOUT = 900 * pntest.SLOW


def tree_files(n_apps=N_APPS, seed=5):
    rnd = random.Random(seed)
    files = {}
    by_ns = {}
    for i in range(n_apps):
        ns = "ns%02d" % (i % N_NAMESPACES)
        app = "app%04d" % i
        base = "%s/%s" % (ns, app)
        by_ns.setdefault(ns, []).append(app)
        files[base + "/ks.yaml"] = (
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: %s\n"
            "  namespace: flux-system\nspec:\n  targetNamespace: %s\n  path: ./%s/app\n  interval: 30m\n"
            "  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n" % (app, ns, base))
        files[base + "/app/kustomization.yaml"] = (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s\n"
            "labels:\n  - pairs:\n      app.kubernetes.io/name: %s\n    includeSelectors: true\n"
            "configMapGenerator:\n  - name: %s-env\n    literals:\n%s"
            "images:\n  - name: ghcr.io/example/%s\n    newTag: \"2.%d\"\n"
            "resources:\n  - ./deployment.yaml\n  - ./service.yaml\n" % (
                ns, app, app, "".join("      - KEY_%d=%d\n" % (k, rnd.randrange(10**6))
                                      for k in range(rnd.randrange(2, 6))), app, rnd.randrange(20)))
        env = "".join("            - name: VAR_%d\n              value: \"%d\"\n" % (k, rnd.randrange(10**6))
                      for k in range(rnd.randrange(3, 12)))
        files[base + "/app/deployment.yaml"] = (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\nspec:\n  replicas: 1\n"
            "  template:\n    spec:\n      containers:\n        - name: %s\n"
            "          image: ghcr.io/example/%s:1.%d.%d\n          envFrom:\n            - configMapRef:\n"
            "                name: %s-env\n          env:\n%s" %
            (app, app, app, rnd.randrange(20), rnd.randrange(20), app, env))
        files[base + "/app/service.yaml"] = (
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\nspec:\n  ports:\n    - port: %d\n" %
            (app, 8000 + i % 1000))
    for ns, apps in sorted(by_ns.items()):
        files[ns + "/kustomization.yaml"] = (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncommonAnnotations:\n"
            "  example.com/team: team-%s\nresources:\n%s" % (
                ns, "".join("  - ./%s/ks.yaml\n  - ./%s/app\n" % (a, a) for a in apps)))
    files["kustomization.yaml"] = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" +
        "".join("  - ./%s\n" % ns for ns in sorted(by_ns)))
    return files


def write_tree(root, files):
    for k, v in files.items():
        p = root / k
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(v)


def build_under(mib, tree, tmp):
    """The static binary's `build` under an address-space limit of mib MiB (bytes out, not text)."""
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.run(["prlimit", "--as=%d" % (mib << 20), str(STATIC), "build", str(tree)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=pntest.COMMAND_TIMEOUT)


TREE = W / "tree"
TMP = W / "tmp"
state = {}


@t.case("the static binary builds a %d-document tree under prlimit --as=%d MiB" % (4 * N_APPS, AS_LIMIT_MIB))
def _():
    if not STATIC.exists():
        raise pntest.Skip("pinion-x86_64 missing (make cross)")
    if shutil.which("prlimit") is None:
        raise pntest.Skip("prlimit missing (util-linux)")
    write_tree(TREE, tree_files())
    TMP.mkdir()
    if os.environ.get("PN_BUILD_FIND_AS") == "1":
        lo, hi = 1, 64
        while lo < hi:
            mid = (lo + hi) // 2
            if build_under(mid, TREE, TMP).returncode == 0:
                hi = mid
            else:
                lo = mid + 1
        t.note("tightest --as for the tree: %d MiB" % lo)
    p = build_under(AS_LIMIT_MIB, TREE, TMP)
    assert p.returncode == 0, (p.returncode, p.stderr.decode(errors="replace"))
    out = p.stdout
    assert out.count(b"\n---\n") + 1 == 4 * N_APPS, out.count(b"\n---\n")
    assert b"name: app0007-env-" in out and b"example.com/team: team-ns07" in out
    assert not any(TMP.iterdir()), list(TMP.iterdir())	# the spool file was unlinked at once
    state["out"] = out
    if Path(TIME).exists():
        q = subprocess.run([TIME, "-v", str(STATIC), "build", str(TREE)], env=dict(os.environ, TMPDIR=str(TMP)),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", q.stderr).group(1))
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", q.stderr).group(1)
        t.note("%d documents, %d bytes of YAML: peak RSS %d KiB (goal %d KiB), %s s (under --as=%d MiB; tightest "
               "that works: %d MiB)" % (4 * N_APPS, sum(len(v) for v in tree_files().values()), rss, RSS_GOAL_KIB,
                                        wall, AS_LIMIT_MIB, AS_TIGHTEST_MIB))
        assert rss <= RSS_GOAL_KIB, rss


@t.case("the output is what kubectl kustomize prints")
def _():
    if "out" not in state:
        raise pntest.Skip("the build did not run")
    if shutil.which("kubectl") is None:
        raise pntest.Skip("kubectl missing")
    # kubectl takes minutes on this tree (about 2 on an idle x86_64): a timeout of its own
    p = subprocess.run(["kubectl", "kustomize", str(TREE)], env=dict(os.environ, KUBECONFIG="/dev/null"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=KUBECTL_TIMEOUT)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    if p.stdout != state["out"]:
        a, b = p.stdout.decode().split("\n"), state["out"].decode().split("\n")
        first = next(i for i in range(min(len(a), len(b))) if a[i] != b[i]) if a[:len(b)] != b[:len(a)] else \
            min(len(a), len(b))
        raise AssertionError("differs from kubectl at line %d: kubectl %r, pinion %r" %
                             (first + 1, a[first:first + 3], b[first:first + 3]))


@t.case("a limit below what the build needs fails cleanly: out of memory, nothing printed, nothing left")
def _():
    if "out" not in state:
        raise pntest.Skip("the build did not run")
    p = build_under(AS_TIGHTEST_MIB - 1, TREE, TMP)
    assert p.returncode == EX_TEMPFAIL, (p.returncode, p.stderr)
    assert p.stdout == b"", p.stdout[:200]
    assert b"out of memory" in p.stderr, p.stderr
    assert len(p.stderr.decode().strip().splitlines()) == 1, p.stderr
    assert not any(TMP.iterdir()), list(TMP.iterdir())


t.done()
