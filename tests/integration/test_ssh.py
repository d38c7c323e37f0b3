#!/usr/bin/env python3
"""Git over SSH through the CLI against real OpenSSH servers with git-shell (tests/peers/gitpeers.GitSSHD):
`pinion fetch` over ssh:// with protocol v2 (sshd with AcceptEnv GIT_PROTOCOL) and v0 (without), the store
reading back equal to git's; the refusals: an unknown or changed host key (with its fingerprint), a key the
server does not know, a missing repository, missing --private-key-file / --known-hosts-file (usage errors);
then `sync --once` over SSH into the API emulator."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("ssh")
W = pntest.workdir("ssh")
PINION = pntest.pinion()
EX_USAGE, EX_DATA = 64, 65


def git(*args):
    return pntest.run(["git"] + [str(a) for a in args], check=True,
                      env=dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(W))).stdout


def pinion(*args, env=None):
    e = dict(os.environ, PN_LOG_LEVEL="debug")
    e.update(env or {})
    return pntest.run([PINION] + [str(a) for a in args], env=e)


def last_line(p):
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


repos = W / "repos"
small = gitpeers.make_small_repo(repos)
flux = gitpeers.make_bare_repo({"apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: via-ssh\n"
                                "  namespace: default\ndata:\n  k: v\n"}, repos, "flux")
head = git("-C", small, "rev-parse", "refs/heads/main").strip()
# a path the remote shell must see quoted: git-upload-pack '.../it'\''s!.git'
quoted = gitpeers.make_bare_repo(small, repos, "it's!")

v2 = gitpeers.GitSSHD(W / "v2", repos)
v2.start()
key = v2.client_key.path
v0 = gitpeers.GitSSHD(W / "v0", repos, accept_env=False, client_key=v2.client_key)
v0.start()
other_key = gitpeers.make_client_key(W / "otherkey", "ed25519", "openssh", name="unauthorized")


def fetch(server, repo, state, *extra, url=None):
    return pinion("fetch", "--url", url or server.url(repo), "--state-dir", W / state,
                  "--private-key-file", key, "--known-hosts-file", server.known_hosts, *extra)


def same_tree(state):
    ours = pinion("ls-tree", "--state-dir", W / state).stdout
    theirs = git("-C", small, "ls-tree", "-r", head)
    assert ours == theirs, "ls-tree differs:\n%s\n---\n%s" % (ours, theirs)


try:
    @t.case("fetch over ssh:// with protocol v2 (AcceptEnv GIT_PROTOCOL): ls-tree equals git's")
    def _():
        p = fetch(v2, "small", "v2")
        assert p.returncode == 0, p.stderr
        assert p.stdout == "main@sha1:%s\n" % head, p.stdout
        assert "git protocol v2" in p.stderr, p.stderr
        same_tree("v2")

    @t.case("a second fetch of the unchanged branch over SSH writes nothing and succeeds")
    def _():
        before = (W / "v2" / "fetched").stat().st_mtime_ns
        p = fetch(v2, "small", "v2")
        assert p.returncode == 0, p.stderr
        assert (W / "v2" / "fetched").stat().st_mtime_ns == before

    @t.case("fetch over SSH from sshd without AcceptEnv: protocol v0, ls-tree equals git's")
    def _():
        p = fetch(v0, "small", "v0")
        assert p.returncode == 0, p.stderr
        assert p.stdout == "main@sha1:%s\n" % head, p.stdout
        assert "git protocol v0" in p.stderr, p.stderr
        same_tree("v0")

    @t.case("a repository path with a quote and a '!' reaches git-upload-pack quoted as git quotes it")
    def _():
        p = fetch(v2, "it's!", "quoted")
        assert p.returncode == 0, p.stderr
        assert p.stdout == "main@sha1:%s\n" % head, p.stdout

    @t.case("an unknown branch over SSH (v2 and v0) is a not-found error naming it")
    def _():
        for server, state in ((v2, "nb2"), (v0, "nb0")):
            p = fetch(server, "small", state, "--branch", "nope")
            assert p.returncode == EX_DATA, (p.returncode, p.stderr)
            assert 'branch "nope" not found' in last_line(p), p.stderr

    @t.case("a missing repository over SSH is a not-found error")
    def _():
        p = fetch(v2, "missing", "missing")
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        assert "repository not found" in last_line(p) or "not found" in last_line(p), p.stderr

    @t.case("a changed host key is refused, naming the fingerprint the server offered")
    def _():
        kh = W / "kh_other"
        # v0's host keys under v2's address: the server's real key is not the one known
        kh.write_text("".join("[127.0.0.1]:%d %s\n" % (v2.port, v0.host_key_pub(ty)) for ty in v0.host_keys))
        p = pinion("fetch", "--url", v2.url("small"), "--state-dir", W / "hk", "--private-key-file", key,
                   "--known-hosts-file", kh)
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        assert "SHA256:" in last_line(p), p.stderr
        assert not (W / "hk" / "fetched").exists()

    @t.case("an unknown host (not in known_hosts) is refused with a clear message")
    def _():
        kh = W / "kh_empty_for_host"
        kh.write_text("[127.0.0.1]:1 %s\n" % v2.host_key_pub("ecdsa"))
        p = pinion("fetch", "--url", v2.url("small"), "--state-dir", W / "hk2", "--private-key-file", key,
                   "--known-hosts-file", kh)
        assert p.returncode in (EX_DATA, EX_USAGE), (p.returncode, p.stderr)
        assert "127.0.0.1" in last_line(p) and "known" in last_line(p).lower(), p.stderr

    @t.case("a key the server does not know is an authentication error naming its fingerprint")
    def _():
        okey = other_key.path
        p = pinion("fetch", "--url", v2.url("small"), "--state-dir", W / "auth", "--private-key-file", okey,
                   "--known-hosts-file", v2.known_hosts)
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        assert "refused" in last_line(p) and "SHA256:" in last_line(p), p.stderr

    @t.case("SSH without --private-key-file or --known-hosts-file: usage errors naming the flag")
    def _():
        p = pinion("fetch", "--url", v2.url("small"), "--state-dir", W / "u1", "--known-hosts-file",
                   v2.known_hosts)
        assert p.returncode == EX_USAGE and "--private-key-file" in last_line(p), p.stderr
        p = pinion("fetch", "--url", v2.url("small"), "--state-dir", W / "u2", "--private-key-file", key)
        assert p.returncode == EX_USAGE and "--known-hosts-file" in last_line(p), p.stderr
        p = pinion("fetch", "--url", "git@127.0.0.1:org/repo.git", "--state-dir", W / "u3")
        assert p.returncode == EX_USAGE and "--private-key-file" in last_line(p), p.stderr

    @t.case("SSH files with an HTTP URL, HTTP credentials with an SSH URL: usage errors")
    def _():
        p = pinion("fetch", "--url", "http://127.0.0.1:1/r.git", "--state-dir", W / "u4", "--private-key-file",
                   key)
        assert p.returncode == EX_USAGE and "for SSH URLs" in last_line(p), p.stderr
        p = fetch(v2, "small", "u5", "--bearer-token-file", key)
        assert p.returncode == EX_USAGE and "HTTP(S)" in last_line(p), p.stderr

    emu = kubeemu.KubeEmu(W / "kube")
    emu.start()
    try:
        @t.case("sync --once over SSH applies the repository into the API emulator")
        def _():
            p = pinion("sync", "--once", "--url", v2.url("flux"), "--path", "./apps", "--state-dir", W / "sync",
                       "--kubeconfig", emu.kubeconfig, "--private-key-file", key, "--known-hosts-file",
                       v2.known_hosts)
            assert p.returncode == 0, p.stderr
            rev = git("-C", flux, "rev-parse", "refs/heads/main").strip()
            assert (W / "sync" / "applied").read_text() == "main@sha1:%s\n" % rev
            assert "via-ssh" in p.stdout, p.stdout
    finally:
        emu.stop()
finally:
    v2.stop()
    v0.stop()
t.done()
