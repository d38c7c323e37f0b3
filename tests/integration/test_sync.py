#!/usr/bin/env python3
"""The walking skeleton end to end: pinion fetches from a real git http-backend (HTTP, HTTPS by IP and by name),
its object store reads back equal to git's, and `sync --once` applies a Flux-style repository into the API
emulator, where the real kubectl reads every object back. Every failure mode of the issue gives one line naming
its cause, the right exit code, and leaves `applied` and the cluster as they were.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("sync")
W = pntest.workdir("sync")
PINION = pntest.pinion()
EXAMPLE = pntest.ROOT / "configs" / "example-repo"
EX_RETRY = 75
EX_DATA = 65


def tree_of(src):
    return {str(f.relative_to(src)): f.read_text() for f in sorted(src.rglob("*")) if f.is_file()}


def pinion(*args, check=False):
    return pntest.run([PINION] + [str(a) for a in args], check=check)


def git(*args):
    return pntest.run(["git"] + [str(a) for a in args], check=True,
                      env=dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(W))).stdout


def one_error_line(p):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    return lines[-1] if lines else ""


repos = W / "repos"
repos.mkdir()
example = tree_of(EXAMPLE)
bare = gitpeers.make_bare_repo(example, repos, "homelab")
head = git("-C", bare, "rev-parse", "refs/heads/main").strip()

# A second repository whose YAML is broken in two ways (render must refuse it).
bad_yaml = dict(example)
bad_yaml["apps/homepage/service.yaml"] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   bad: indent\n"
gitpeers.make_bare_repo(bad_yaml, repos, "badyaml")
dup_key = dict(example)
dup_key["apps/homepage/service.yaml"] = example["apps/homepage/service.yaml"].replace(
    "  name: homepage\n", "  name: homepage\n  name: again\n", 1)
gitpeers.make_bare_repo(dup_key, repos, "dupkey")

ca = gitpeers.make_ca(W / "ca")
http = gitpeers.GitHTTP(W / "http", repos)
https = gitpeers.GitHTTP(W / "https", repos, tls=ca)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
https.start()
emu.start()


def kubectl(*args):
    cfg = W / ("kubeconfig-%d" % len(list(W.glob("kubeconfig-*"))))
    emu.copy_kubeconfig(cfg)
    return pntest.kubectl(cfg, list(args), W / ("kcache-" + cfg.name))


def cluster_snapshot():
    """Everything the API holds that a sync could have touched (name and resourceVersion)."""
    out = {}
    for path in ["/api/v1/namespaces", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                 "/api/v1/configmaps", "/api/v1/services", "/apis/apps/v1/deployments"]:
        status, _, body = emu.request("GET", path)
        out[path] = sorted((i["metadata"].get("namespace", ""), i["metadata"]["name"],
                            i["metadata"]["resourceVersion"]) for i in body.get("items", []))
    return out


def compare_store(state):
    """pinion ls-tree / cat-file equal git ls-tree -r / cat-file -p for every object of the commit."""
    ours = pinion("ls-tree", "--state-dir", state, check=True).stdout
    theirs = git("-C", bare, "ls-tree", "-r", head)
    assert ours == theirs, "ls-tree differs:\n%s\n---\n%s" % (ours, theirs)
    objs = {head}
    for line in git("-C", bare, "ls-tree", "-r", "-t", head).splitlines():
        objs.add(line.split()[2])
    objs.add(git("-C", bare, "rev-parse", head + "^{tree}").strip())
    for oid in sorted(objs):
        mine = pntest.run([PINION, "cat-file", "--state-dir", state, oid], text=False, check=True).stdout
        want = subprocess.run(["git", "-C", str(bare), "cat-file", "-p", oid], stdout=subprocess.PIPE,
                              check=True).stdout
        assert mine == want, "cat-file %s differs" % oid
    return len(objs)


for label, url, extra in [
        ("http", http.url("homelab"), []),
        ("https by IP SAN", https.url("homelab", host="127.0.0.1"), ["--ca-file", ca.ca_crt]),
        ("https by DNS SAN", https.url("homelab", host="localhost"), ["--ca-file", ca.ca_crt])]:
    @t.case("fetch over %s prints the revision and the store equals git" % label)
    def _():
        state = W / ("state-" + label.replace(" ", "-"))
        p = pinion("fetch", "--url", url, "--branch", "main", "--state-dir", state, *extra, check=True)
        assert p.stdout == "main@sha1:%s\n" % head, p.stdout
        n = compare_store(state)
        assert n > 10, n
        assert (state / "fetched").read_text() == "main@sha1:%s\n" % head


state = W / "state"
sync_args = ["--url", http.url("homelab"), "--branch", "main", "--kubeconfig", emu.kubeconfig,
             "--state-dir", state]


@t.case("sync --once applies ./infrastructure then ./apps")
def _():
    p = pinion("sync", "--once", "--path", "./infrastructure", "--name", "infrastructure", *sync_args)
    assert p.returncode == 0, p.stderr
    p = pinion("sync", "--once", "--path", "./apps", "--name", "apps", *sync_args)
    assert p.returncode == 0, p.stderr
    assert (state / "applied").read_text() == "main@sha1:%s\n" % head


@t.case("kubectl reads every object back, content included")
def _():
    if not pntest.have("kubectl"):
        raise pntest.Skip("kubectl not installed")
    p = kubectl("get", "-n", "homepage", "configmap", "homepage-config", "-o", "json")
    assert p.returncode == 0, p.stderr
    cm = json.loads(p.stdout)
    assert cm["data"]["showSearch"] == "yes"
    assert cm["metadata"]["annotations"]["homelab.example.com/build-id"] == "9007199254740993"
    assert cm["data"]["settings.yaml"] == "title: Homelab\ntheme: dark\nlayout:\n  - Services\n  - Bookmarks\n"
    assert cm["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] == "apps"
    assert cm["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"] == "flux-system"
    p = kubectl("get", "-n", "homepage", "deployment", "homepage", "-o", "json")
    d = json.loads(p.stdout)
    assert d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 3000
    for kind, name in [("namespace", "homepage"), ("crd", "bookmarks.homelab.example.com")]:
        assert kubectl("get", kind, name).returncode == 0
    for kind in ["service", "ingress", "serviceaccount", "role", "rolebinding", "bookmarks"]:
        p = kubectl("get", "-n", "homepage", kind, "-o", "name")
        assert p.returncode == 0 and p.stdout.strip(), (kind, p.stderr)
    # Flux's own objects are never sent to the API
    assert kubectl("get", "ns", "flux-system").returncode != 0


@t.case("the entry path: Flux Kustomizations are noticed, flux-system/ is skipped, nothing applied")
def _():
    p = pinion("sync", "--once", "--path", "./clusters/demo", *sync_args)
    assert p.returncode == 0, p.stderr
    assert "Kustomization flux-system/apps" in p.stderr, p.stderr
    assert "gotk" not in p.stderr


def failing(name, args, code, needle, state_dir):
    @t.case(name)
    def _():
        before = cluster_snapshot()
        applied = (state_dir / "applied").read_text() if (state_dir / "applied").exists() else None
        p = pinion(*args)
        assert p.returncode == code, (p.returncode, p.stderr)
        line = one_error_line(p)
        assert needle in line, "%r not in %r" % (needle, p.stderr)
        after = (state_dir / "applied").read_text() if (state_dir / "applied").exists() else None
        assert after == applied
        assert cluster_snapshot() == before


base = ["sync", "--once", "--branch", "main", "--path", "./apps", "--kubeconfig", emu.kubeconfig,
        "--state-dir", state]
failing("a bad URL is a usage error naming the URL", base + ["--url", "ftp://example/x.git"], 64,
        "ftp://example/x.git", state)
failing("an unreachable server is retryable (--require-fresh: no cached revision is applied)",
        base + ["--url", "http://127.0.0.1:1/homelab.git", "--require-fresh"], EX_RETRY, "127.0.0.1", state)
failing("TLS verification failure names the host", base + ["--url", https.url("homelab", host="localhost")],
        EX_DATA, "certificate verification failed for localhost", state)
failing("malformed YAML names the file and line", base + ["--url", http.url("badyaml")], EX_DATA,
        "apps/homepage/service.yaml", state)
failing("a duplicate key names the file and line", base + ["--url", http.url("dupkey")], EX_DATA,
        "duplicate key", state)

# A pack corrupted in transit (one byte flipped by a proxy in front of the real server), into a fresh state
# directory: the fetch fails, nothing is recorded, the store holds nothing half-written.
proxy_dir = W / "proxy"
proxy_dir.mkdir()
proxy = subprocess.Popen([sys.executable, str(pntest.ROOT / "tests" / "lib" / "corrupt_proxy.py"), "--dir",
                          str(proxy_dir), "--upstream", "http://127.0.0.1:%d" % http.port, "--offset", "200"])
try:
    pport = pntest.wait_for_file(proxy_dir / "port", proc=proxy)
    fresh = W / "state-corrupt"
    failing("a malformed pack is refused and recorded nowhere",
            ["sync", "--once", "--branch", "main", "--path", "./apps", "--kubeconfig", emu.kubeconfig,
             "--state-dir", fresh, "--url", "http://127.0.0.1:%s/homelab.git" % pport], EX_DATA, "pack", fresh)

    @t.case("after the malformed pack: no fetched revision, no pack left behind")
    def _():
        assert not (fresh / "fetched").exists()
        left = [p.name for p in (fresh / "objects").rglob("*") if p.is_file()] if (fresh / "objects").exists() else []
        assert not left, left
finally:
    pntest.stop_pid(proxy.pid)

# The 32-bit ARM build (every Pi 1/Zero) under qemu's arm1176: fetch and sync the same repository.
ARMEL = pntest.ROOT / "pinion-armel"


@t.case("pinion-armel under qemu-arm-static -cpu arm1176 fetches and syncs the same repository")
def _():
    if os.environ.get("PN_TEST_ARMEL", "1") == "0" or "musl" in PINION:
        raise pntest.Skip("run once, with the host build")
    if not ARMEL.exists() or not pntest.have("qemu-arm-static"):
        raise pntest.Skip("pinion-armel or qemu-arm-static missing (make cross)")
    st = W / "state-armel"
    q = ["qemu-arm-static", "-cpu", "arm1176", str(ARMEL)]
    p = pntest.run(q + ["fetch", "--url", http.url("homelab"), "--branch", "main", "--state-dir", st])
    assert p.returncode == 0 and p.stdout == "main@sha1:%s\n" % head, (p.stdout, p.stderr)
    ours = pntest.run(q + ["ls-tree", "--state-dir", st], check=True).stdout
    assert ours == git("-C", bare, "ls-tree", "-r", head)
    p = pntest.run(q + ["sync", "--once", "--url", http.url("homelab"), "--branch", "main", "--path", "./apps",
                        "--kubeconfig", emu.kubeconfig, "--state-dir", st, "--name", "apps"])
    assert p.returncode == 0, p.stderr
    assert (st / "applied").read_text() == "main@sha1:%s\n" % head


emu.stop()
https.stop()
http.stop()
t.done()
