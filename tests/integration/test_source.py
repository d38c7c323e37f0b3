#!/usr/bin/env python3
"""Git source, beyond the skeleton: credentials from files (basic, bearer) against the real git http-backend
peers, secrets never on the command line or in output, and the offline boot: with the remote unreachable,
`sync --once` applies the last fetched revision with one warning (exit 0) unless --require-fresh."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("source")
W = pntest.workdir("source")
PINION = pntest.pinion()
EX_RETRY, EX_DATA = 75, 65

repos = W / "repos"
files = {"apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: offline\n  namespace: default\n"
         "data:\n  k: v\n"}
bare = gitpeers.make_bare_repo(files, repos, "r")
ca = gitpeers.make_ca(W / "ca")
PASSWORD = "s3cret-pa55"
TOKEN = "tok-0123456789"
pw_file = W / "pw"
pw_file.write_text(PASSWORD + "\n")
tok_file = W / "token"
tok_file.write_text(TOKEN + "\n")
bad_file = W / "bad"
bad_file.write_text("wrong\n")


def pinion(*args):
    return pntest.run([PINION] + [str(a) for a in args])


basic = gitpeers.GitHTTP(W / "basic", repos, tls=ca, user="agent", password=PASSWORD)
bearer = gitpeers.GitHTTP(W / "bearer", repos, bearer=TOKEN)
basic.start()
bearer.start()


@t.case("basic auth from --username and --password-file over HTTPS")
def _():
    p = pinion("fetch", "--url", basic.url("r"), "--ca-file", ca.ca_crt, "--state-dir", W / "s1",
               "--username", "agent", "--password-file", pw_file)
    assert p.returncode == 0, p.stderr
    assert PASSWORD not in p.stdout + p.stderr


@t.case("a wrong password is an authentication error that names the URL, not the secret")
def _():
    p = pinion("fetch", "--url", basic.url("r"), "--ca-file", ca.ca_crt, "--state-dir", W / "s2",
               "--username", "agent", "--password-file", bad_file)
    assert p.returncode == EX_DATA, (p.returncode, p.stderr)
    assert "auth" in p.stderr.lower() and "localhost" in p.stderr, p.stderr
    assert "wrong" not in p.stderr
    assert not (W / "s2" / "fetched").exists()


@t.case("no credentials for a protected repository: authentication required")
def _():
    p = pinion("fetch", "--url", basic.url("r"), "--ca-file", ca.ca_crt, "--state-dir", W / "s3")
    assert p.returncode == EX_DATA and "auth" in p.stderr.lower(), p.stderr


@t.case("bearer token from --bearer-token-file")
def _():
    p = pinion("fetch", "--url", bearer.url("r"), "--state-dir", W / "s4", "--bearer-token-file", tok_file)
    assert p.returncode == 0, p.stderr
    assert TOKEN not in p.stdout + p.stderr
    assert any(r.get("auth_ok") for r in bearer.requests())


@t.case("credentials flags that exclude each other are a usage error")
def _():
    p = pinion("fetch", "--url", bearer.url("r"), "--state-dir", W / "s5", "--bearer-token-file", tok_file,
               "--username", "a", "--password-file", pw_file)
    assert p.returncode == 64, p.stderr
    p = pinion("fetch", "--url", bearer.url("r"), "--state-dir", W / "s5", "--username", "a")
    assert p.returncode == 64 and "go together" in p.stderr, p.stderr


@t.case("a secret is never taken from the command line")
def _():
    p = pinion("fetch", "--url", bearer.url("r"), "--state-dir", W / "s6", "--password", "x")
    assert p.returncode == 64, p.stderr


# offline boot
plain = gitpeers.GitHTTP(W / "plain", repos)
plain.start()
emu = kubeemu.KubeEmu(W / "kube")
emu.start()
state = W / "offline"
url = plain.url("r")
args = ["sync", "--once", "--url", url, "--branch", "main", "--path", "./apps", "--kubeconfig", emu.kubeconfig,
        "--state-dir", state, "--timeout", "5s"]


@t.case("offline: the first sync fetches and applies")
def _():
    p = pinion(*args)
    assert p.returncode == 0, p.stderr


@t.case("a sync of an unchanged revision writes nothing to the state directory")
def _():
    before = {f.name: f.stat().st_mtime_ns for f in state.iterdir() if f.is_file()}
    p = pinion(*args)
    assert p.returncode == 0, p.stderr
    after = {f.name: f.stat().st_mtime_ns for f in state.iterdir() if f.is_file()}
    assert before == after, (before, after)


plain.stop()


@t.case("offline: remote unreachable, the cached revision is applied with one warning, exit 0")
def _():
    applied = (state / "applied").read_text()
    p = pinion(*args)
    assert p.returncode == 0, p.stderr
    warnings = [l for l in p.stderr.splitlines() if "warning" in l]
    assert len(warnings) == 1 and "applying the last fetched revision" in warnings[0], p.stderr
    assert (state / "applied").read_text() == applied


@t.case("offline: --require-fresh refuses with the retryable exit code")
def _():
    p = pinion(*(args + ["--require-fresh"]))
    assert p.returncode == EX_RETRY, (p.returncode, p.stderr)


@t.case("offline: the cache of another repository is no answer for this one")
def _():
    other = [a if a != url else url.replace("/r.git", "/other.git") for a in args]
    p = pinion(*other)
    assert p.returncode == EX_RETRY, (p.returncode, p.stderr)
    assert "applying" not in p.stderr, p.stderr


@t.case("offline: no cached revision means failure, not success")
def _():
    p = pinion(*(args[:-4] + ["--state-dir", W / "never", "--timeout", "5s"]))
    assert p.returncode == EX_RETRY, (p.returncode, p.stderr)


# What render sees is what Flux's artifact holds: Flux's default exclusions when the repository has no
# .sourceignore patterns; once it has any, they replace the non-VCS defaults (as source-controller does).
defaults = dict(files)
defaults["apps/.sops.yaml"] = "creation_rules:\n  - age: age1xyz\n"          # no kind: excluded by default
gitpeers.make_bare_repo(defaults, repos, "defaults")
ignored = dict(files)
ignored["apps/drafts/broken.yaml"] = "this: [is not, valid\n"
ignored[".sourceignore"] = "# drafts are not deployed\napps/drafts/\n"
gitpeers.make_bare_repo(ignored, repos, "ignored")
plain.start()

for name, what in (("defaults", "Flux's default exclusions hide .sops.yaml"),
                   ("ignored", ".sourceignore hides a directory of drafts")):
    @t.case(what + " from render")
    def _():
        p = pinion("sync", "--once", "--url", plain.url(name), "--branch", "main", "--path", "./apps",
                   "--kubeconfig", emu.kubeconfig, "--state-dir", W / ("ign-" + name))
        assert p.returncode == 0, p.stderr
        assert "v1 ConfigMap default/offline" in p.stdout, p.stdout


plain.stop()
emu.stop()
basic.stop()
bearer.stop()
t.done()
