#!/usr/bin/env python3
"""The object store end to end against a real git http-backend: crash safety at every named crash point of a
fetch (platform/crash.h), a full disk, old packs removed once neither `fetched` nor `applied` needs them, and the
memory of a fetch (the static binary under `prlimit --as` with a 64 MiB blob and a delta on it; the peak RSS of a
homelab-sized fetch against PN_FETCH_RSS_GOAL).

# pn-test: slow
# pn-test: host-only   (it runs the static pinion-x86_64 itself for the memory cases)
"""
import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402

t = pntest.TAP("store")
W = pntest.workdir("store")
PINION = pntest.pinion()
STATIC = pntest.ROOT / "pinion-x86_64"
EX_DATA = 65
CRASH_STATUS = 137

# The crash points of a fetch (platform/crash.h), in order. After the first four `fetched` is the new revision.
CRASH_POINTS = ["pack-write", "pack-written", "pack-thin", "pack-fsync", "index-written", "index-fsync", "pack-renamed",
                "index-renamed", "objects-fsync", "fetched-written", "fetched-fsync", "fetched-renamed",
                "fetched-dir-fsync", "old-index-removed", "old-pack-removed", "old-packs-fsync"]
AFTER_FETCHED = {"fetched-renamed", "fetched-dir-fsync", "old-index-removed", "old-pack-removed", "old-packs-fsync"}
# PN_FETCH_RSS_GOAL (agent/source/odb.h)
RSS_GOAL_KIB = 4 * 1024
# The address-space limit the static binary fetches a 64 MiB blob and a delta on it under. Measured: the
# tightest limit that works is AS_TIGHTEST_MIB (PN_STORE_FIND_AS=1 searches it again); the test allows a margin.
AS_TIGHTEST_MIB = 2
AS_LIMIT_MIB = 4
BIG = 64 << 20


def git(*args, **kw):
    return pntest.run(["git"] + [str(a) for a in args], check=True,
                      env=dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(W)), **kw).stdout


def pinion(*args, binary=None, **kw):
    return pntest.run([binary or PINION] + [str(a) for a in args], **kw)


def homelab_files(seed, napps=112):
    """A homelab-sized tree in onedr0p/home-ops' layout: ~4 files per app (ks.yaml, app/kustomization.yaml,
    app/helmrelease.yaml, app/externalsecret.yaml), 468 files and ~420 KB of YAML for 112 apps."""
    rnd = random.Random(seed)
    files = {}
    namespaces = ["default", "media", "network", "monitoring", "database", "home", "security", "storage",
                  "kube-system", "flux-system", "cert-manager", "system-upgrade", "actions-runner", "ai",
                  "observability", "rook-ceph", "external-secrets", "games", "tools", "volsync"]
    for i in range(napps):
        ns = namespaces[i % len(namespaces)]
        app = "app-%03d" % i
        base = "kubernetes/apps/%s/%s" % (ns, app)
        files[base + "/ks.yaml"] = (
            "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: &app %s\n"
            "  namespace: flux-system\nspec:\n  targetNamespace: %s\n  commonMetadata:\n    labels:\n"
            "      app.kubernetes.io/name: *app\n  path: ./%s/app\n  prune: true\n  sourceRef:\n"
            "    kind: GitRepository\n    name: home-kubernetes\n  wait: false\n  interval: 30m\n"
            "  postBuild:\n    substitute:\n      APP: *app\n      VOLSYNC_CAPACITY: %dGi\n" % (app, ns, base, i % 9 + 1))
        files[base + "/app/kustomization.yaml"] = (
            "---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
            "  - ./helmrelease.yaml\n  - ./externalsecret.yaml\n")
        values = "".join("      key%02d: \"%032x\"\n" % (k, rnd.getrandbits(128)) for k in range(rnd.randint(38, 72)))
        files[base + "/app/helmrelease.yaml"] = (
            "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: %s\nspec:\n"
            "  interval: 30m\n  chart:\n    spec:\n      chart: app-template\n      version: 3.%d.%d\n"
            "      sourceRef:\n        kind: HelmRepository\n        name: bjw-s\n        namespace: flux-system\n"
            "  values:\n    env:\n%s" % (app, i % 7, i % 5, values))
        files[base + "/app/externalsecret.yaml"] = (
            "---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: %s\nspec:\n"
            "  secretStoreRef:\n    kind: ClusterSecretStore\n    name: onepassword-connect\n  target:\n"
            "    name: %s-secret\n  dataFrom:\n    - extract:\n        key: %s\n" % (app, app, app))
    for ns in namespaces:
        files["kubernetes/apps/%s/kustomization.yaml" % ns] = (
            "---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" +
            "".join("  - ./%s/ks.yaml\n" % n.split("/")[-2] for n in sorted(files)
                    if n.startswith("kubernetes/apps/%s/" % ns) and n.endswith("/ks.yaml")))
    return files


def revisions(base, n, edits=1):
    """n commits: base, then one file changed and one added per commit."""
    out = [dict(base)]
    for k in range(1, n):
        d = dict(out[-1])
        name = sorted(d)[(k * 37) % len(d)]
        d[name] = d[name] + "# revision %d\n" % k
        d["kubernetes/notes/rev-%d.yaml" % k] = "revision: %d\n" % k
        out.append(d)
    return out


def head_of(bare):
    return git("-C", bare, "rev-parse", "refs/heads/main").strip()


def commits_of(bare):
    return git("-C", bare, "rev-list", "--reverse", "refs/heads/main").split()


def set_tip(bare, commit):
    git("-C", bare, "update-ref", "refs/heads/main", commit)


def read_rev(state, slot="fetched"):
    p = Path(state) / slot
    return p.read_text().strip() if p.exists() else None


def compare_store(state, bare, commit, binary=None):
    """pinion ls-tree / cat-file equal git ls-tree -r / cat-file -p for every object of commit."""
    ours = pinion("ls-tree", "--state-dir", state, binary=binary, check=True).stdout
    theirs = git("-C", bare, "ls-tree", "-r", commit)
    assert ours == theirs, "ls-tree differs"
    objs = [commit, git("-C", bare, "rev-parse", commit + "^{tree}").strip()]
    objs += [line.split()[2] for line in git("-C", bare, "ls-tree", "-r", "-t", commit).splitlines()]
    want = subprocess.run(["git", "-C", str(bare), "cat-file", "--batch"],
                          input="".join(o + "\n" for o in objs).encode(), stdout=subprocess.PIPE, check=True).stdout
    pos = 0
    for o in objs:
        header_end = want.index(b"\n", pos)
        size = int(want[pos:header_end].split()[2])
        body = want[header_end + 1:header_end + 1 + size]
        pos = header_end + 1 + size + 1
        mine = pntest.run([binary or PINION, "cat-file", "--state-dir", state, o], text=False, check=True).stdout
        if not mine == body:
            # trees print as `git cat-file -p` does, not in their raw form
            pretty = subprocess.run(["git", "-C", str(bare), "cat-file", "-p", o], stdout=subprocess.PIPE,
                                    check=True).stdout
            assert mine == pretty, "cat-file %s differs" % o
    return len(objs)


def leftovers(state):
    """Temporaries anywhere in the state directory: .tmp-* in objects/, <file>.tmp.<pid> beside the revisions,
    and a pack without its index."""
    state = Path(state)
    out = [p.name for p in state.rglob("*") if ".tmp" in p.name]
    objs = state / "objects"
    if objs.exists():
        for p in objs.glob("pack-*.pack"):
            if not p.with_suffix(".pnidx").exists():
                out.append(p.name)
    return out


def packs(state):
    return sorted(p.name for p in (Path(state) / "objects").glob("pack-*.pnidx"))


repos = W / "repos"
repos.mkdir()
# Every file changes from r1 to r2, so the thin pack of r2 (deltas on r1's blobs, completed with their bases)
# leaves nothing in r1's pack that r2 needs: every crash point, the old pack's removal included, is reached.
small_base = {"kubernetes/apps/%02d/app.yaml" % i: "".join("name: app%02d\nkey%d: value-%d-%d\n" % (i, k, i, k)
                                                         for k in range(12)) for i in range(30)}
small_revs = [small_base, {k: v + "# revision 2\n" for k, v in small_base.items()}]
crash_repo = gitpeers.make_bare_repo(small_revs, repos, "crash")
crash_r1, crash_r2 = commits_of(crash_repo)
homelab_revs = revisions(homelab_files(1), 4)
homelab = gitpeers.make_bare_repo(homelab_revs, repos, "homelab")
hl = commits_of(homelab)
rewrite = gitpeers.make_bare_repo([{k: v + "# revision %d\n" % r for k, v in homelab_files(2, 20).items()}
                                   for r in range(4)], repos, "rewrite")
rw = commits_of(rewrite)
_revert_blob = "".join("line %d of a file that goes back to its first version\n" % i for i in range(40))
revert_repo = gitpeers.make_bare_repo([{"a.yaml": _revert_blob, "b.yaml": "b: 1\n"},
                                       {"a.yaml": _revert_blob + "changed: 2\n", "b.yaml": "b: 2\n"},
                                       {"a.yaml": _revert_blob, "b.yaml": "b: 3\n"}], repos, "revert")
rv = commits_of(revert_repo)
many = gitpeers.make_bare_repo(revisions(homelab_files(3, 10), 19), repos, "many")
mn = commits_of(many)

http = gitpeers.GitHTTP(W / "http", repos)
http.start()


def fetch_args(name, state):
    return ["fetch", "--url", http.url(name), "--branch", "main", "--state-dir", state]


# A state directory holding crash_r1, copied for every crash point.
template = W / "state-template"
set_tip(crash_repo, crash_r1)
p = pinion(*fetch_args("crash", template))
assert p.returncode == 0, p.stderr
set_tip(crash_repo, crash_r2)

for point in CRASH_POINTS:
    @t.case("crash at %s: the last good revision reads back, the next fetch succeeds and leaves nothing behind"
            % point)
    def _():
        state = W / ("state-crash-" + point)
        shutil.copytree(template, state)
        p = pntest.run([PINION] + fetch_args("crash", state), env=dict(os.environ, PN_CRASH_AT=point))
        assert p.returncode == CRASH_STATUS, (p.returncode, p.stderr)
        now = crash_r2 if point in AFTER_FETCHED else crash_r1
        assert read_rev(state) == "main@sha1:" + now, (point, read_rev(state))
        compare_store(state, crash_repo, now)
        p = pinion(*fetch_args("crash", state))
        assert p.returncode == 0, p.stderr
        assert p.stdout == "main@sha1:%s\n" % crash_r2
        assert read_rev(state) == "main@sha1:" + crash_r2
        compare_store(state, crash_repo, crash_r2)
        left = leftovers(state)
        assert not left, left
        assert len(packs(state)) == 1, packs(state)



@t.case("crash points: PN_CRASH_AT naming no point changes nothing")
def _():
    state = W / "state-crash-none"
    shutil.copytree(template, state)
    p = pntest.run([PINION] + fetch_args("crash", state), env=dict(os.environ, PN_CRASH_AT="no-such-point"))
    assert p.returncode == 0, p.stderr
    compare_store(state, crash_repo, crash_r2)


@t.case("a fetch while another holds the state directory's lock is refused as retryable, and changes nothing")
def _():
    import fcntl
    state = W / "state-locked"
    shutil.copytree(template, state)
    with open(state / "lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        p = pinion(*fetch_args("crash", state))
    assert p.returncode == 75, (p.returncode, p.stderr)
    assert "another pinion process is writing to" in p.stderr, p.stderr
    assert read_rev(state) == "main@sha1:" + crash_r1


def fsize_limit(nbytes):
    def pre():
        # a full disk, as a file size limit: write(2) fails with EFBIG once a file would pass nbytes
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return pre


def new_pack_size(state, args):
    """The size of the pack a fetch would add to state (tried on a copy)."""
    probe = Path(str(state) + "-probe")
    shutil.rmtree(probe, ignore_errors=True)
    shutil.copytree(state, probe)
    before = set(packs(probe))
    p = pinion(*args[:-1], probe)
    assert p.returncode == 0, p.stderr
    new = [q for q in packs(probe) if q not in before]
    assert len(new) == 1, new
    return (probe / "objects" / new[0]).with_suffix(".pack").stat().st_size


for kind, extra in (("whole", ["--ref", "refs/heads/main"]), ("thin", [])):
    @t.case("disk full while a %s pack is written: a clear error, the store as it was, no temporaries" % kind)
    def _(kind=kind, extra=extra):
        # another ref kind is another source: its first fetch is a whole snapshot
        state = W / ("state-full-" + kind)
        set_tip(homelab, hl[0])
        p = pinion(*fetch_args("homelab", state))
        assert p.returncode == 0, p.stderr
        before = sorted(q.name for q in (state / "objects").iterdir())
        set_tip(homelab, hl[1])
        args = fetch_args("homelab", state)[:-2] + extra + ["--state-dir", state]
        limit = new_pack_size(state, args) // 2
        p = subprocess.run([PINION] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, preexec_fn=fsize_limit(limit), restore_signals=False,
                           timeout=pntest.COMMAND_TIMEOUT)
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        line = [l for l in p.stderr.splitlines() if l.strip()][-1]
        assert "disk full or file size limit while writing the pack" in line, line
        assert "File too large" in line, line
        assert sorted(q.name for q in (state / "objects").iterdir()) == before
        assert read_rev(state) == "main@sha1:" + hl[0]
        assert not leftovers(state), leftovers(state)
        compare_store(state, homelab, hl[0])
        # and with room again, the fetch goes through
        p = pinion(*args)
        assert p.returncode == 0, p.stderr
        compare_store(state, homelab, hl[1])


@t.case("old packs: those of `fetched` and `applied` stay, the rest go")
def _():
    # every file changes in every revision: a thin pack then holds a whole revision and old packs can go
    state = W / "state-old"
    set_tip(rewrite, rw[0])
    assert pinion(*fetch_args("rewrite", state)).returncode == 0
    assert len(packs(state)) == 1
    (state / "applied").write_text("main@sha1:%s\n" % rw[0])  # as after a sync of rw[0]
    set_tip(rewrite, rw[1])
    assert pinion(*fetch_args("rewrite", state)).returncode == 0
    assert len(packs(state)) == 2, packs(state)  # rw[0] is still the applied revision: it must stay appliable
    set_tip(rewrite, rw[2])
    p = pinion(*fetch_args("rewrite", state))
    assert p.returncode == 0, p.stderr
    assert len(packs(state)) == 2, packs(state)  # rw[1]'s pack went; rw[0]'s and rw[2]'s stay
    assert "removed 1 old pack" in p.stderr, p.stderr
    assert pinion("cat-file", "--state-dir", state, rw[0]).returncode == 0
    assert pinion("cat-file", "--state-dir", state, rw[1]).returncode != 0
    compare_store(state, rewrite, rw[2])
    (state / "applied").write_text("main@sha1:%s\n" % rw[2])  # applied caught up: rw[0] is needed no more
    set_tip(rewrite, rw[3])
    assert pinion(*fetch_args("rewrite", state)).returncode == 0
    assert len(packs(state)) == 2, packs(state)
    assert pinion("cat-file", "--state-dir", state, rw[0]).returncode != 0
    compare_store(state, rewrite, rw[3])
    # back to rw[2], which the store has: nothing fetched, `fetched` moves, rw[3]'s pack goes once applied
    # names a revision the store never had (it keeps nothing)
    (state / "applied").write_text("main@sha1:%s\n" % ("1" * 40))
    set_tip(rewrite, rw[2])
    p = pinion(*fetch_args("rewrite", state))
    assert p.returncode == 0, p.stderr
    assert "fetching" not in p.stderr, p.stderr
    assert len(packs(state)) == 1, packs(state)
    compare_store(state, rewrite, rw[2])


def received(stderr):
    """("thin"|"whole", bytes) from the fetch's log line."""
    line = [l for l in stderr.splitlines() if "received a " in l][-1]
    words = line.split("received a ")[1].split()
    return words[0], int(words[3])


@t.case("a changed tip comes as a thin pack on the store's commit: a few KB instead of the snapshot, equal to git")
def _():
    state = W / "state-thin"
    set_tip(homelab, hl[0])
    p = pinion(*fetch_args("homelab", state), env=dict(os.environ, PN_LOG_LEVEL="info"))
    assert p.returncode == 0, p.stderr
    kind, whole = received(p.stderr)
    assert kind == "whole", p.stderr
    for k in (1, 2, 3):
        set_tip(homelab, hl[k])
        p = pinion(*fetch_args("homelab", state), env=dict(os.environ, PN_LOG_LEVEL="info"))
        assert p.returncode == 0, p.stderr
        kind, n = received(p.stderr)
        assert kind == "thin" and n * 20 < whole, (kind, n, whole)
        compare_store(state, homelab, hl[k])
    assert len(packs(state)) == 4, packs(state)  # each thin pack keeps what it brought; the first the rest


@t.case("a file back at a version only an older commit has still arrives (the fetch tells the server `shallow`)")
def _():
    state = W / "state-revert"
    set_tip(revert_repo, rv[1])
    assert pinion(*fetch_args("revert", state)).returncode == 0
    set_tip(revert_repo, rv[2])
    p = pinion(*fetch_args("revert", state), env=dict(os.environ, PN_LOG_LEVEL="info"))
    assert p.returncode == 0, p.stderr
    assert received(p.stderr)[0] == "thin", p.stderr
    compare_store(state, revert_repo, rv[2])


@t.case("after PN_ODB_THIN_PACKS_MAX (16) packs the next fetch is a whole snapshot and the old packs go")
def _():
    state = W / "state-many"
    kinds = []
    for k, c in enumerate(mn):
        set_tip(many, c)
        p = pinion(*fetch_args("many", state), env=dict(os.environ, PN_LOG_LEVEL="info"))
        assert p.returncode == 0, p.stderr
        kinds.append(received(p.stderr)[0])
        assert len(packs(state)) == (k % 16) + 1, (k, packs(state))
    assert kinds == ["whole"] + ["thin"] * 15 + ["whole"] + ["thin"] * (len(mn) - 17), kinds
    compare_store(state, many, mn[-1])


@t.case("pinion fetch shows progress (KiB, objects) on a terminal and nothing extra otherwise")
def _():
    import pty
    state = W / "state-progress"
    set_tip(homelab, hl[0])
    master, slave = pty.openpty()
    p = subprocess.Popen([PINION] + [str(a) for a in fetch_args("homelab", state)], stdout=subprocess.PIPE,
                         stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert p.wait(timeout=pntest.COMMAND_TIMEOUT) == 0, seen
    text = seen.decode()
    last = text.replace("\r\n", "\n").split("\r")[-1]
    assert "receiving pack: " in text and last.startswith("receiving pack: "), text
    assert last.split("\n")[0].endswith(" objects, done"), text
    objects = int(last.split(" KiB, ")[1].split()[0])
    assert objects == len(git("-C", homelab, "rev-list", "--objects", hl[0]).splitlines()), objects
    # not a terminal: no progress line
    state2 = W / "state-progress-2"
    p = pinion(*fetch_args("homelab", state2))
    assert p.returncode == 0 and "receiving pack" not in p.stderr, p.stderr


def run_measured(cmd):
    """Run cmd under /usr/bin/time; returns (CompletedProcess, peak RSS of cmd in KiB). (Python's own wait4 would
    count the forked interpreter's memory before the exec.)"""
    out = W / "time.out"
    p = pntest.run(["/usr/bin/time", "-f", "%M", "-o", out] + [str(c) for c in cmd])
    return p, int(out.read_text().split()[-1])


@t.case("peak RSS of the static binary fetching a homelab-sized snapshot is under PN_FETCH_RSS_GOAL")
def _():
    if not STATIC.exists():
        raise pntest.Skip("pinion-x86_64 missing (make cross)")
    if not os.path.exists("/usr/bin/time"):
        raise pntest.Skip("/usr/bin/time missing (Debian package time)")
    state = W / "state-rss"
    set_tip(homelab, hl[0])
    size = sum(len(v) for v in homelab_revs[0].values())
    p, rss = run_measured([STATIC] + fetch_args("homelab", state))
    assert p.returncode == 0, p.stderr
    t.note("homelab-sized fetch (%d files, %d bytes): peak RSS %d KiB (goal %d KiB)"
           % (len(homelab_revs[0]), size, rss, RSS_GOAL_KIB))
    assert rss <= RSS_GOAL_KIB, rss
    compare_store(state, homelab, hl[0], binary=STATIC)


def make_big(wt, env):
    rnd = random.Random(64)
    data = bytearray(rnd.randbytes(BIG))
    (wt / "big.bin").write_bytes(data)
    data[1000] ^= 0xff
    (wt / "big2.bin").write_bytes(data)
    (wt / "README.md").write_text("a 64 MiB blob and a one-byte change of it\n")
    subprocess.run(["git", "-C", str(wt), "add", "-A"], env=env, check=True)
    subprocess.run(["git", "-C", str(wt), "commit", "-qm", "big"], env=env, check=True)


def as_limit(mib):
    def pre():
        resource.setrlimit(resource.RLIMIT_AS, (mib << 20, mib << 20))
    return pre


big_state = {}


@t.case("the static binary fetches a 64 MiB blob and a delta on it under prlimit --as=%d MiB" % AS_LIMIT_MIB)
def _():
    if not STATIC.exists():
        raise pntest.Skip("pinion-x86_64 missing (make cross)")
    bare = gitpeers.make_bare_repo(make_big, repos, "big")
    git("-C", bare, "-c", "core.bigFileThreshold=1g", "repack", "-adfq")
    big_state["bare"] = bare
    objs = git("-C", bare, "verify-pack", "-v", *bare.glob("objects/pack/*.idx"))
    assert any(" blob " in l and len(l.split()) >= 7 for l in objs.splitlines()), "no delta in the served pack"
    if os.environ.get("PN_STORE_FIND_AS") == "1":
        lo, hi = 1, 200
        while lo < hi:
            mid = (lo + hi) // 2
            st = W / ("state-as-%d" % mid)
            q = subprocess.run(["prlimit", "--as=%d" % (mid << 20), str(STATIC)] + fetch_args("big", st),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            shutil.rmtree(st, ignore_errors=True)
            if q.returncode == 0:
                hi = mid
            else:
                lo = mid + 1
        t.note("tightest --as for the 64 MiB fetch: %d MiB" % lo)
    state = W / "state-big"
    p, rss = run_measured(["prlimit", "--as=%d" % (AS_LIMIT_MIB << 20), STATIC] + fetch_args("big", state))
    assert p.returncode == 0, (p.returncode, p.stderr)
    t.note("64 MiB blob + delta: peak RSS %d KiB under --as=%d MiB (tightest that works: %d MiB)"
           % (rss, AS_LIMIT_MIB, AS_TIGHTEST_MIB))
    big_state["state"] = state
    # the delta's result read back under the same limit, streamed
    oid = git("-C", bare, "rev-parse", "HEAD:big2.bin").strip()
    q = subprocess.run(["prlimit", "--as=%d" % (AS_LIMIT_MIB << 20), str(STATIC), "cat-file", "--state-dir",
                        str(state), oid], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert q.returncode == 0, q.stderr
    want = subprocess.run(["git", "-C", str(bare), "cat-file", "blob", oid], stdout=subprocess.PIPE).stdout
    assert hashlib.sha1(q.stdout).hexdigest() == hashlib.sha1(want).hexdigest()
    assert not leftovers(state), leftovers(state)


@t.case("the 64 MiB fetch fails under a limit below what it needs, cleanly")
def _():
    if "state" not in big_state:
        raise pntest.Skip("the 64 MiB fetch did not run")
    state = W / "state-big-starved"
    p = pntest.run(["prlimit", "--as=%d" % ((AS_TIGHTEST_MIB - 1) << 20), STATIC] + fetch_args("big", state))
    if p.returncode == 75:  # a failed allocation: out of memory is retryable, nothing left behind
        assert "out of memory" in p.stderr, p.stderr
        assert not leftovers(state), leftovers(state)
    else:
        # this close to nothing the kernel may refuse to grow the stack first, killing the process (seen
        # as SIGSEGV in a full run): then it is a crash, and the crash guarantees hold instead
        assert p.returncode < 0, (p.returncode, p.stderr)
        assert not (state / "fetched").exists()
    p = pntest.run([STATIC] + fetch_args("big", state))
    assert p.returncode == 0, p.stderr
    assert not leftovers(state), leftovers(state)


http.stop()
t.done()
