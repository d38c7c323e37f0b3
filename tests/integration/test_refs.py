#!/usr/bin/env python3
"""Ref kinds through the CLI, as `flux create source git` has them (--branch, --tag, --semver, --ref, --commit),
against git http-backend (protocol v2) and sshd without AcceptEnv (protocol v0): each fetch prints the revision
as Flux writes it (v1.2.0@sha1:<hex>, sha1:<hex>, refs/pull/1/head@sha1:<hex>), annotated tags peeled to their
commit, and the store's ls-tree equals git's for that commit. Refusals: no tag in the range, a missing tag, a
commit the server will not serve, bad flag values."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402

t = pntest.TAP("refs")
W = pntest.workdir("refs")
PINION = pntest.pinion()
EX_USAGE, EX_DATA = 64, 65
GIT_ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(W), GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.invalid", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid")


def git(*args):
    return pntest.run(["git"] + [str(a) for a in args], check=True, env=GIT_ENV).stdout


def pinion(*args):
    return pntest.run([PINION] + [str(a) for a in args])


def last_line(p):
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


repos = W / "repos"
commits = [{"a.yaml": "v: %d\n" % i, "dir/b%d.yaml" % i: "b: %d\n" % i} for i in range(4)]
bare = gitpeers.make_bare_repo(commits, repos, "tagged")
c = git("-C", bare, "rev-list", "--reverse", "main").split()
assert len(c) == 4, c
git("-C", bare, "tag", "-a", "-m", "one", "v1.0.0", c[0])
git("-C", bare, "tag", "-a", "-m", "one-two", "v1.2.0", c[1])
git("-C", bare, "tag", "1.5.0", c[2])                         # lightweight, no "v"
git("-C", bare, "tag", "-a", "-m", "rc", "v2.0.0-rc.1", c[3])
git("-C", bare, "tag", "light", c[1])
git("-C", bare, "tag", "not-a-version", c[3])
git("-C", bare, "update-ref", "refs/pull/1/head", c[2])
# a repository without allowAnySHA1InWant and without tags: its first commit is no tip, so "not our ref" in v0
strict = gitpeers.make_bare_repo(commits, repos, "strict")
git("-C", strict, "config", "--unset", "uploadpack.allowAnySHA1InWant")
strict_first = git("-C", strict, "rev-list", "--reverse", "main").split()[0]

http = gitpeers.GitHTTP(W / "http", repos)
http.start()
sshd = gitpeers.GitSSHD(W / "sshd", repos, accept_env=False)
sshd.start()
SSH = ["--private-key-file", sshd.client_key.path, "--known-hosts-file", sshd.known_hosts]


def fetch(server, repo, state, *args):
    extra = SSH if server is sshd else []
    return pinion("fetch", "--url", server.url(repo), "--state-dir", W / state, *(list(args) + extra))


def same_tree(state, commit):
    ours = pinion("ls-tree", "--state-dir", W / state).stdout
    theirs = git("-C", bare, "ls-tree", "-r", commit)
    assert ours == theirs, "ls-tree differs:\n%s\n---\n%s" % (ours, theirs)


KINDS = [
    ("--branch main", ["--branch", "main"], "main@sha1:%s" % c[3], c[3]),
    ("--tag v1.0.0 (annotated: peeled)", ["--tag", "v1.0.0"], "v1.0.0@sha1:%s" % c[0], c[0]),
    ("--tag light (lightweight)", ["--tag", "light"], "light@sha1:%s" % c[1], c[1]),
    ("--semver '>=1.0 <2' (highest: 1.5.0, no v)", ["--semver", ">=1.0 <2"], "1.5.0@sha1:%s" % c[2], c[2]),
    ("--semver ~1.2 (annotated: peeled)", ["--semver", "~1.2"], "v1.2.0@sha1:%s" % c[1], c[1]),
    ("--semver '1.x || >=2.0.0-0' (a pre-release named)", ["--semver", "1.x || >=2.0.0-0"],
     "v2.0.0-rc.1@sha1:%s" % c[3], c[3]),
    ("--semver '*' (pre-releases left out)", ["--semver", "*"], "1.5.0@sha1:%s" % c[2], c[2]),
    ("--ref refs/pull/1/head", ["--ref", "refs/pull/1/head"], "refs/pull/1/head@sha1:%s" % c[2], c[2]),
    ("--commit (not a tip)", ["--commit", c[1]], "sha1:%s" % c[1], c[1]),
    ("--commit with --branch: the branch names the revision (Flux's CheckoutCommit)",
     ["--branch", "main", "--commit", c[0]], "main@sha1:%s" % c[0], c[0]),
    ("--commit wins over --tag (Flux's precedence)", ["--tag", "v1.0.0", "--commit", c[1]],
     "sha1:%s" % c[1], c[1]),
]

try:
    for server, proto in ((http, "HTTP v2"), (sshd, "SSH v0")):
        for i, (name, args, revision, commit) in enumerate(KINDS):
            def case(server=server, args=args, revision=revision, commit=commit, state="%s-%d" % (proto[:3], i)):
                p = fetch(server, "tagged", state, *args)
                assert p.returncode == 0, p.stderr
                assert p.stdout == revision + "\n", (p.stdout, revision)
                assert (W / state / "fetched").read_text() == revision + "\n"
                same_tree(state, commit)
            t.case("%s: %s" % (proto, name))(case)

        @t.case("%s: a range no tag matches is a not-found error naming it" % proto)
        def _(server=server, proto=proto):
            p = fetch(server, "tagged", "nomatch-" + proto[:3], "--semver", ">=3")
            assert p.returncode == EX_DATA, (p.returncode, p.stderr)
            assert 'matches the semver range ">=3"' in last_line(p), p.stderr

        @t.case("%s: a missing tag is a not-found error naming it" % proto)
        def _(server=server, proto=proto):
            p = fetch(server, "tagged", "notag-" + proto[:3], "--tag", "v9")
            assert p.returncode == EX_DATA, (p.returncode, p.stderr)
            assert 'ref "refs/tags/v9" not found' in last_line(p), p.stderr

    @t.case("--commit with a --branch the server does not have: not found, nothing fetched")
    def _():
        p = fetch(http, "tagged", "nobranch", "--branch", "nope", "--commit", c[0])
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        assert 'branch "nope" not found' in last_line(p), p.stderr
        assert not (W / "nobranch" / "fetched").exists()

    @t.case("SSH v0: a commit the server does not serve (no allow*SHA1InWant) is refused clearly")
    def _():
        p = fetch(sshd, "strict", "strict", "--commit", strict_first)
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        assert "commit %s cannot be fetched" % strict_first in last_line(p), p.stderr
        assert not (W / "strict" / "fetched").exists()

    @t.case("HTTP v2: the same commit is served (protocol v2 does not limit wants to tips)")
    def _():
        p = fetch(http, "strict", "strict2", "--commit", strict_first)
        assert p.returncode == 0, p.stderr
        assert p.stdout == "sha1:%s\n" % strict_first, p.stdout

    @t.case("switching the ref kind in one state directory: the source line changes, the revision follows")
    def _():
        p = fetch(http, "tagged", "switch", "--tag", "v1.0.0")
        assert p.returncode == 0, p.stderr
        assert (W / "switch" / "source").read_text().endswith(" tag v1.0.0\n")
        p = fetch(http, "tagged", "switch")
        assert p.returncode == 0 and p.stdout == "main@sha1:%s\n" % c[3], p.stderr
        assert (W / "switch" / "source").read_text() == "%s main\n" % http.url("tagged")

    @t.case("bad ref flags are usage errors naming the flag")
    def _():
        for args, needle in ((["--commit", "abc123"], "--commit \"abc123\": a full commit id"),
                             (["--ref", "pull/1/head"], "--ref \"pull/1/head\": a full ref name"),
                             (["--semver", "latest"], "bad semver range \"latest\""),
                             (["--tag", "refs/tags/v1"], "a tag name")):
            p = fetch(http, "tagged", "bad", *args)
            assert p.returncode == EX_USAGE, (args, p.returncode, p.stderr)
            assert needle in last_line(p), p.stderr
finally:
    http.stop()
    sshd.stop()
t.done()
