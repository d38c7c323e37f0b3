#!/usr/bin/env python3
"""HTTP proxies from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, as Go reads them) against a real
forwarding proxy (tests/lib/fwd_proxy.py) in front of the real git http-backend peers: https:// through a
CONNECT tunnel (TLS verified for the origin), http:// as absolute-form requests, keep-alive through the proxy
from info/refs to the fetch, proxy credentials (accepted, and refused with 407), NO_PROXY, loopback never
proxied, unsupported proxy schemes, and credentials never printed.

pinion never proxies localhost or 127.0.0.0/8, and the servers listen there only: the URLs name the git peers
git.pinion.test, which only the proxy resolves (to 127.0.0.1). A request that bypasses the proxy must resolve
that name itself and fails, naming it."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402

t = pntest.TAP("http_proxy")
W = pntest.workdir("http-proxy")
PINION = pntest.pinion()
EX_USAGE, EX_DATA, EX_RETRY = 64, 65, 75
NAME = "git.pinion.test"
PROXY_PASSWORD = "pr@xy-s3cret"
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "all_proxy",
              "ALL_PROXY", "REQUEST_METHOD")

repos = W / "repos"
gitpeers.make_bare_repo({"apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n"}, repos, "r")
ca = gitpeers.make_ca(W / "ca", extra_dns=(NAME,))
tls_peer = gitpeers.GitHTTP(W / "tls", repos, tls=ca).start()
plain_peer = gitpeers.GitHTTP(W / "plain", repos).start()
pw_file = W / "proxy-password"
pw_file.write_text(PROXY_PASSWORD + "\n")
procs = []


def start_proxy(name, *args):
    proc, port = pntest.start_helper("fwd_proxy.py", W / name, "--map", NAME + "=127.0.0.1", *args)
    procs.append(proc)
    return port, W / name / "requests.log"


port, log = start_proxy("proxy")
aport, alog = start_proxy("auth-proxy", "--user", "agent", "--password-file", pw_file)
HTTPS_URL = "https://%s:%d/r.git" % (NAME, tls_peer.port)
HTTP_URL = "http://%s:%d/r.git" % (NAME, plain_peer.port)


def log_lines(path):
    return path.read_text().splitlines() if path.exists() else []


def fetch(url, state, **env):
    e = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    e.update(env)
    args = ["fetch", "--url", url, "--branch", "main", "--state-dir", W / state]
    if url.startswith("https:"):
        args += ["--ca-file", ca.ca_crt]
    return pntest.run([PINION] + args, env=e)


@t.case("https through HTTPS_PROXY: one CONNECT carries info/refs, ls-refs and the fetch; TLS is the origin's")
def _():
    before = len(log_lines(log))
    p = fetch(HTTPS_URL, "s1", HTTPS_PROXY="http://127.0.0.1:%d" % port)
    assert p.returncode == 0, p.stderr
    seen = log_lines(log)[before:]
    assert seen == ["%s CONNECT %s:%d HTTP/1.1 auth=none" % (seen[0].split()[0], NAME, tls_peer.port)], seen
    reqs = tls_peer.requests()
    assert [r["method"] for r in reqs] == ["GET", "POST", "POST"], reqs
    assert len({r["conn"] for r in reqs}) == 1, reqs


@t.case("http through HTTP_PROXY (a value without scheme): absolute-form requests, kept alive")
def _():
    before = len(log_lines(log))
    p = fetch(HTTP_URL, "s2", HTTP_PROXY="127.0.0.1:%d" % port)
    assert p.returncode == 0, p.stderr
    seen = log_lines(log)[before:]
    base = "http://%s:%d/r.git" % (NAME, plain_peer.port)
    assert [l.split(" ", 1)[1] for l in seen] == [
        "GET %s/info/refs?service=git-upload-pack HTTP/1.1 auth=none" % base,
        "POST %s/git-upload-pack HTTP/1.1 auth=none" % base,
        "POST %s/git-upload-pack HTTP/1.1 auth=none" % base], seen
    assert len({l.split()[0] for l in seen}) == 1, seen


@t.case("proxy credentials from the proxy URL (percent-decoded) go to the proxy only, never printed")
def _():
    before = len(log_lines(alog))
    reqs = len(tls_peer.requests())
    p = fetch(HTTPS_URL, "s3", HTTPS_PROXY="http://agent:pr%%40xy-s3cret@127.0.0.1:%d" % aport)
    assert p.returncode == 0, p.stderr
    assert [l.split()[-1] for l in log_lines(alog)[before:]] == ["auth=ok"], log_lines(alog)
    assert "s3cret" not in p.stdout + p.stderr
    # inside the tunnel the origin sees no Proxy-Authorization
    for r in tls_peer.requests()[reqs:]:
        assert "Proxy-Authorization" not in r["header_names"], r


@t.case("http through an authenticating proxy: Proxy-Authorization on each absolute-form request")
def _():
    before = len(log_lines(alog))
    p = fetch(HTTP_URL, "s4", http_proxy="http://agent:pr%%40xy-s3cret@127.0.0.1:%d" % aport)
    assert p.returncode == 0, p.stderr
    assert [l.split()[-1] for l in log_lines(alog)[before:]] == ["auth=ok"] * 3, log_lines(alog)


@t.case("a wrong proxy password: 407 names the proxy and its status line, not the credentials")
def _():
    p = fetch(HTTPS_URL, "s5", HTTPS_PROXY="http://agent:wrong-pw@127.0.0.1:%d" % aport)
    assert p.returncode == EX_DATA, (p.returncode, p.stderr)
    assert "proxy http://127.0.0.1:%d" % aport in p.stderr, p.stderr
    assert "HTTP/1.1 407 Proxy Authentication Required (proxy authentication required)" in p.stderr, p.stderr
    assert "CONNECT %s:%d" % (NAME, tls_peer.port) in p.stderr, p.stderr
    assert "wrong-pw" not in p.stderr and "agent" not in p.stderr, p.stderr
    assert not (W / "s5" / "fetched").exists()


@t.case("no proxy credentials for an authenticating proxy over http: 407 is an error naming the URL")
def _():
    p = fetch(HTTP_URL, "s6", HTTP_PROXY="http://127.0.0.1:%d" % aport)
    assert p.returncode == EX_DATA, (p.returncode, p.stderr)
    assert "%s: proxy http://127.0.0.1:%d answers HTTP 407 (proxy authentication required)" % (HTTP_URL, aport) \
        in p.stderr, p.stderr


@t.case("a proxy that cannot reach the origin: its 502 is retryable and names the proxy")
def _():
    p = fetch("https://unknown.pinion.test:1/r.git", "s7", HTTPS_PROXY="http://127.0.0.1:%d" % port)
    assert p.returncode == EX_RETRY, (p.returncode, p.stderr)
    assert "proxy http://127.0.0.1:%d: CONNECT unknown.pinion.test:1: HTTP/1.1 502 Bad Gateway" % port \
        in p.stderr, p.stderr


@t.case("the uppercase variable wins over the lowercase one")
def _():
    p = fetch(HTTPS_URL, "s8", HTTPS_PROXY="http://127.0.0.1:%d" % port, https_proxy="http://127.0.0.1:1")
    assert p.returncode == 0, p.stderr


for no_proxy in (NAME, ".pinion.test", "example.org, pinion.test", "*"):
    @t.case("NO_PROXY=%s: the request goes direct (and cannot resolve the proxy-only name)" % no_proxy)
    def _():
        before = len(log_lines(log))
        p = fetch(HTTPS_URL, "s9", HTTPS_PROXY="http://127.0.0.1:%d" % port, NO_PROXY=no_proxy)
        assert p.returncode == EX_RETRY, (p.returncode, p.stderr)
        assert "cannot resolve %s" % NAME in p.stderr, p.stderr
        assert log_lines(log)[before:] == [], log_lines(log)


@t.case("NO_PROXY with another port, or lowercase no_proxy of another domain: still proxied")
def _():
    p = fetch(HTTPS_URL, "s10", HTTPS_PROXY="http://127.0.0.1:%d" % port, NO_PROXY="%s:1" % NAME)
    assert p.returncode == 0, p.stderr
    p = fetch(HTTPS_URL, "s11", HTTPS_PROXY="http://127.0.0.1:%d" % port, no_proxy="test.pinion")
    assert p.returncode == 0, p.stderr


@t.case("localhost and 127.0.0.1 are never proxied (the proxy variable points nowhere)")
def _():
    p = fetch(tls_peer.url("r"), "s12", HTTPS_PROXY="http://127.0.0.1:1")
    assert p.returncode == 0, p.stderr
    p = fetch(plain_peer.url("r"), "s13", HTTP_PROXY="http://127.0.0.1:1")
    assert p.returncode == 0, p.stderr


@t.case("a socks5:// or https:// proxy is refused plainly, its password replaced")
def _():
    p = fetch(HTTPS_URL, "s14", HTTPS_PROXY="socks5://u:s0cks-secret@127.0.0.1:1080")
    assert p.returncode == EX_DATA, (p.returncode, p.stderr)
    assert "HTTPS_PROXY=socks5://***@127.0.0.1:1080: only http:// proxies are supported" in p.stderr, p.stderr
    assert "s0cks-secret" not in p.stderr
    p = fetch(HTTP_URL, "s15", http_proxy="https://127.0.0.1:3128")
    assert p.returncode == EX_DATA and "http_proxy=https://127.0.0.1:3128" in p.stderr, p.stderr


@t.case("CGI: HTTP_PROXY is refused for http:// while REQUEST_METHOD is set (Go's rule)")
def _():
    p = fetch(HTTP_URL, "s16", HTTP_PROXY="http://127.0.0.1:%d" % port, REQUEST_METHOD="GET")
    assert p.returncode == EX_USAGE and "REQUEST_METHOD" in p.stderr, (p.returncode, p.stderr)


for proc in procs:
    pntest.stop_pid(proc.pid)
tls_peer.stop()
plain_peer.stop()
t.done()
