#!/usr/bin/env python3
"""Redirects of the first request (GET info/refs) are followed as git's http.followRedirects=initial does, and
nothing else: a redirecting server (tests/lib/redirect_server.py) in front of the real git http-backend peer
answers 301/302/303/307/308 with absolute paths, absolute URLs and relative references; the fetch succeeds and
the later POSTs go to the new base. Refused, naming both URLs: another scheme, a Location that does not end as
asked, none at all, a redirected POST, more than 20 redirects (git's limit). Credentials follow only to the same
host and port."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402

t = pntest.TAP("http_redirect")
W = pntest.workdir("http-redirect")
PINION = pntest.pinion()
EX_DATA = 65
SUFFIX = "/info/refs?service=git-upload-pack"
PASSWORD = "redir-s3cret"

repos = W / "repos"
gitpeers.make_bare_repo({"apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r\n"}, repos, "r")
peer = gitpeers.GitHTTP(W / "git", repos).start()
auth_peer = gitpeers.GitHTTP(W / "git-auth", repos, user="agent", password=PASSWORD).start()
pw_file = W / "pw"
pw_file.write_text(PASSWORD + "\n")
rproc, rport = pntest.start_helper("redirect_server.py", W / "redir", "--upstream", "http://127.0.0.1:%d" % peer.port)
aproc, aport = pntest.start_helper("redirect_server.py", W / "redir-auth", "--upstream",
                                   "http://127.0.0.1:%d" % auth_peer.port)
RLOG, ALOG = W / "redir" / "requests.log", W / "redir-auth" / "requests.log"
n_state = [0]


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


def fetch(prefix, port=rport, *extra):
    n_state[0] += 1
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    url = "http://127.0.0.1:%d/%s/r.git" % (port, prefix)
    return url, pntest.run([PINION, "fetch", "--url", url, "--branch", "main", "--state-dir",
                            W / ("s%d" % n_state[0])] + list(extra), env=env)


def followed(prefix, log=RLOG, port=rport, *extra):
    """Fetch through a redirecting prefix; returns the requests the redirect server saw, as
    (connection, method, path, auth) tuples."""
    before = len(lines(log))
    url, p = fetch(prefix, port, *extra)
    assert p.returncode == 0, p.stderr
    assert "redirect" not in p.stderr, p.stderr  # a followed redirect is logged at debug level only
    return [tuple(l.split(" ")) for l in lines(log)[before:]]


for status in (301, 302, 303, 307, 308):
    @t.case("HTTP %d to an absolute path: followed, the POSTs go to the new base, one connection" % status)
    def _():
        seen = followed("s%d" % status)
        assert [(m, p) for _, m, p, _ in seen] == [
            ("GET", "/s%d/r.git%s" % (status, SUFFIX)), ("GET", "/fwd/r.git" + SUFFIX),
            ("POST", "/fwd/r.git/git-upload-pack"), ("POST", "/fwd/r.git/git-upload-pack")], seen
        assert len({c for c, _, _, _ in seen}) == 1, seen


@t.case("at debug level a followed redirect is logged, with both URLs")
def _():
    url, p = fetch("s301", rport)
    assert "redirect" not in p.stderr, p.stderr
    env = dict(os.environ, PN_LOG_LEVEL="debug")
    p = pntest.run([PINION, "fetch", "--url", url, "--branch", "main", "--state-dir", W / "debug"], env=env)
    assert p.returncode == 0, p.stderr
    assert "%s%s redirects to http://127.0.0.1:%d/fwd/r.git%s (HTTP 301)" % (url, SUFFIX, rport, SUFFIX) in p.stderr, \
        p.stderr


@t.case("a redirect to an absolute URL on the same origin is followed")
def _():
    seen = followed("abs")
    assert [p for _, _, p, _ in seen][1:] == ["/fwd/r.git" + SUFFIX] + ["/fwd/r.git/git-upload-pack"] * 2, seen


@t.case("a relative reference with ../ segments is resolved against the request's directory")
def _():
    seen = followed("rel")
    assert [p for _, _, p, _ in seen][1:] == ["/fwd/r.git" + SUFFIX] + ["/fwd/r.git/git-upload-pack"] * 2, seen


@t.case("20 redirects in a row are followed (git's limit)")
def _():
    seen = followed("hop/20")
    assert len([1 for _, m, _, _ in seen if m == "GET"]) == 21, seen
    assert [p for _, m, p, _ in seen if m == "POST"] == ["/hop/0/r.git/git-upload-pack"] * 2, seen


def refused(name, prefix, *needles):
    @t.case(name)
    def _():
        url, p = fetch(prefix)
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        for n in needles:
            assert n % {"url": url, "port": rport} in p.stderr, (n, p.stderr)
        posts = [l for l in lines(RLOG) if " POST /%s/" % prefix in l]
        assert not posts or prefix == "post", posts


refused("the 21st redirect is refused", "hop/21",
        "%(url)s: more than 20 redirects (the last to http://127.0.0.1:%(port)d/hop/1/r.git)")
refused("a redirect to https:// from http:// is refused, naming both URLs", "scheme",
        "%(url)s" + SUFFIX + " redirects to https://127.0.0.1:%(port)d/fwd/r.git" + SUFFIX +
        " (HTTP 301): a redirect to another scheme is not followed")
refused("a Location that does not end in what was asked for is refused", "suffix",
        "%(url)s" + SUFFIX + " redirects to http://127.0.0.1:%(port)d/fwd/r.git/ (HTTP 302): it does not end in")
refused("a redirect without a Location is refused", "noloc", "redirects to (none) (HTTP 302)")
refused("a redirected POST is refused (only info/refs may be redirected, as in git)", "post",
        "%(url)s: the ls-refs request is redirected to /fwd/r.git/git-upload-pack (HTTP 307)")


@t.case("credentials follow a redirect to the same host and port")
def _():
    seen = followed("s302", ALOG, aport, "--username", "agent", "--password-file", pw_file)
    assert [a for _, _, _, a in seen] == ["auth=yes"] * 4, seen


@t.case("credentials do not follow a redirect to another host name (localhost vs 127.0.0.1)")
def _():
    before = len(lines(ALOG))
    url, p = fetch("cross", aport, "--username", "agent", "--password-file", pw_file)
    assert p.returncode == EX_DATA and "authentication required for http://localhost:%d/fwd/r.git" % aport \
        in p.stderr, (p.returncode, p.stderr)
    seen = [tuple(l.split(" ")) for l in lines(ALOG)[before:]]
    assert [(p_, a) for _, _, p_, a in seen] == [("/cross/r.git" + SUFFIX, "auth=yes"),
                                                ("/fwd/r.git" + SUFFIX, "auth=no")], seen
    assert PASSWORD not in p.stderr


pntest.stop_pid(rproc.pid)
pntest.stop_pid(aproc.pid)
peer.stop()
auth_peer.stop()
t.done()
