#!/usr/bin/env python3
"""The real-git test peers (tests/peers/gitpeers.py) work with real `git`: shallow clones over the Python CGI host
(http, https + basic auth, bearer), nginx + fcgiwrap (http, chunked responses, https /auth) and a private sshd
(protocol v2 with AcceptEnv, v0 without, an ed25519 + rsa host key variant), plus the negative checks (wrong
password, system CA bundle, unknown host key, unauthorized client key). Nothing may be left running."""
import base64
import http.client
import json
import os
import re
import ssl
import time
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
from gitpeers import GitHTTP, GitNginx, GitSSHD, make_ca, make_client_key, make_small_repo  # noqa: E402

T = pntest.TAP("peer-git")
NEEDED = ["git", "openssl", "ssh", "ssh-keygen", "ssh-keyscan", gitpeers.SSHD, gitpeers.NGINX, gitpeers.FCGIWRAP]
missing = [c for c in NEEDED if not (os.path.isabs(c) and os.access(c, os.X_OK)) and not pntest.have(c)]
if missing:
    T.skip("real git peers", "missing: %s" % " ".join(missing))
    T.done()

WD = pntest.workdir("peer-git")
REPOS = WD / "repos"
USER, PASSWORD, TOKEN, WRONG = "agent", "s3cret-pw", "tok-3f9a1c", "wrong-pw-77"
CLONES = [0]


def trace_protocol(stderr):
    """The protocol version the server spoke, from GIT_TRACE_PACKET output: 2 if it sent `version 2`, 0 if it
    started with a v0 ref advertisement (<oid> HEAD\\0capabilities), None if neither."""
    if re.search(r"packet:\s+\S+< version 2$", stderr, re.M):
        return 2
    if re.search(r"packet:\s+\S+< version 1$", stderr, re.M):
        return 1
    if re.search(r"packet:\s+\S+< [0-9a-f]{40} HEAD\\0", stderr, re.M):
        return 0
    return None


def clone(peer, url, env=None, args=(), expect_ok=True, trace=True):
    """git clone --depth 1 --single-branch url; returns (CompletedProcess, destination)."""
    CLONES[0] += 1
    dest = WD / "clones" / ("c%d" % CLONES[0])
    env = dict(env or peer.env_for_git())
    if trace:
        env["GIT_TRACE_PACKET"] = "1"
    p = pntest.run(["git"] + list(args) + ["clone", "--depth", "1", "--single-branch", url, dest], env=env)
    if expect_ok:
        assert p.returncode == 0, "clone %s failed (%d):\n%s" % (url, p.returncode, p.stderr[-3000:])
        check_checkout(dest)
    return p, dest


def check_checkout(dest):
    assert (dest / ".git" / "shallow").is_file(), "no .git/shallow: not a shallow clone"
    yamls = sorted(str(p.relative_to(dest)) for p in dest.rglob("*.yaml") if ".git" not in p.parts)
    assert "clusters/prod/flux-system/gotk-sync.yaml" in yamls, yamls
    assert "apps/base/podinfo/deployment.yaml" in yamls, yamls
    assert len(yamls) == 9, yamls
    dep = (dest / "apps/base/podinfo/deployment.yaml").read_text()
    assert "replicas: 2" in dep, "not the tip commit:\n" + dep
    n = pntest.run(["git", "-C", dest, "rev-list", "--count", "HEAD"], env=gitpeers.git_env(WD / "home")).stdout
    assert n.strip() == "1", "depth 1 clone has %s commits" % n.strip()


def raw_request(host, port, method, path, headers=None, body=None, tls_ca=None, server_hostname="localhost",
                encode_chunked=False):
    """One raw HTTP/1.1 request with http.client; returns (status, headers dict (lower-case names), body)."""
    if tls_ca:
        ctx = ssl.create_default_context(cafile=str(tls_ca))
        c = http.client.HTTPSConnection(host, port, context=ctx, timeout=pntest.PEER_START_TIMEOUT)
    else:
        c = http.client.HTTPConnection(host, port, timeout=pntest.PEER_START_TIMEOUT)
    try:
        c.request(method, path, body=body, headers=headers or {}, encode_chunked=encode_chunked)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data, r
    finally:
        c.close()


def pkt(s):
    b = s.encode() if isinstance(s, str) else s
    return b"%04x" % (len(b) + 4) + b


def basic(user, pw):
    return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


# --------------------------------------------------------------------------------------------------------------
peers = []
ca = None
try:
    ca = make_ca(WD / "tls")
    make_small_repo(REPOS, "small")
    h_plain = GitHTTP(WD / "http", REPOS)
    h_tls = GitHTTP(WD / "https", REPOS, tls=ca, user=USER, password=PASSWORD)
    h_bearer = GitHTTP(WD / "bearer", REPOS, bearer=TOKEN)
    ngx = GitNginx(WD / "nginx", REPOS, tls=ca, user=USER, password=PASSWORD)
    sshd_v2 = GitSSHD(WD / "sshd-v2", REPOS, accept_env=True)
    sshd_v0 = GitSSHD(WD / "sshd-v0", REPOS, accept_env=False)
    sshd_er = GitSSHD(WD / "sshd-ed-rsa", REPOS, host_keys=("ed25519", "rsa"))
    for p in (h_plain, h_tls, h_bearer, ngx, sshd_v2, sshd_v0, sshd_er):
        p.start()
        peers.append(p)
    T.ok(True, "peers start (CGI host x3, nginx + fcgiwrap, sshd x3)")
except Exception:
    import traceback
    T.ok(False, "peers start (CGI host x3, nginx + fcgiwrap, sshd x3)", traceback.format_exc())
    for p in peers:
        p.stop()
    T.done()


try:
    # ---- Python CGI host ---------------------------------------------------------------------------------------
    @T.case("CGI host http: git clone --depth 1 speaks protocol v2")
    def _():
        p, _ = clone(h_plain, h_plain.url("small"))
        assert trace_protocol(p.stderr) == 2, p.stderr[-2000:]

    @T.case("CGI host log: Git-Protocol header reached the server, keep-alive reused the connection")
    def _():
        reqs = h_plain.requests()
        assert reqs, "empty request log"
        assert all(r["headers"].get("Git-Protocol") == "version=2" for r in reqs), json.dumps(reqs, indent=1)
        assert [r["method"] for r in reqs][:2] == ["GET", "POST"], reqs
        assert reqs[0]["path"] == "/small.git/info/refs" and reqs[0]["query"] == "service=git-upload-pack", reqs[0]
        assert all(r["status"] == 200 for r in reqs), reqs
        assert all(r["resp_bytes"] > 0 for r in reqs), reqs
        assert any(r["req_bytes"] > 0 for r in reqs if r["method"] == "POST"), reqs
        assert max(r["conn_req"] for r in reqs) >= 2, "no request reused a connection: %s" % reqs

    @T.case("CGI host: chunked request body is de-chunked (raw ls-refs POST)")
    def _():
        body = pkt("command=ls-refs\n") + pkt("object-format=sha1\n") + b"0001" + pkt("symrefs\n") + \
            pkt("ref-prefix refs/heads/\n") + b"0000"
        chunks = [body[:7], body[7:30], body[30:]]
        st, hd, data, _ = raw_request("127.0.0.1", h_plain.port, "POST", "/small.git/git-upload-pack",
                                      headers={"Git-Protocol": "version=2",
                                               "Content-Type": "application/x-git-upload-pack-request"},
                                      body=iter(chunks), encode_chunked=True)
        assert st == 200, (st, data)
        assert hd.get("content-length") == str(len(data)), hd
        assert b"refs/heads/main" in data, data
        # the host logs each request after answering it, so a late line of the previous clone may come
        # after ours: find ours (the only chunked one) rather than taking the last line
        deadline = time.monotonic() + pntest.PEER_START_TIMEOUT
        recs = []
        while not recs and time.monotonic() < deadline:
            recs = [r for r in h_plain.requests() if r.get("req_chunked")]
            if not recs:
                time.sleep(0.05)
        assert recs, h_plain.requests()
        rec = recs[-1]
        assert rec["req_bytes"] == len(body), rec

    @T.case("CGI host: unknown repo gives the CGI Status (404)")
    def _():
        st, hd, data, _ = raw_request("127.0.0.1", h_plain.port, "GET",
                                      "/nope.git/info/refs?service=git-upload-pack")
        assert st == 404, (st, data)

    @T.case("CGI host https + basic auth: clone via https://localhost:P")
    def _():
        p, _ = clone(h_tls, h_tls.url("small", creds=True))
        assert trace_protocol(p.stderr) == 2, p.stderr[-2000:]
        reqs = [r for r in h_tls.requests() if r["status"] == 200]
        assert reqs and all(r["auth"] == "Basic" and r["user"] == USER and r["tls"] for r in reqs), reqs

    @T.case("CGI host https + basic auth: clone via https://127.0.0.1:P")
    def _():
        clone(h_tls, h_tls.url("small", host="127.0.0.1", creds=True))

    @T.case("CGI host https: wrong password gives 401 + WWW-Authenticate and git fails")
    def _():
        st, hd, _, r = raw_request("localhost", h_tls.port, "GET", "/small.git/info/refs?service=git-upload-pack",
                                   headers={"Authorization": basic(USER, WRONG)}, tls_ca=ca.ca_crt)
        assert st == 401, st
        assert hd.get("www-authenticate") == 'Basic realm="git"', hd
        st, _, _, _ = raw_request("localhost", h_tls.port, "GET", "/small.git/info/refs?service=git-upload-pack",
                                  tls_ca=ca.ca_crt)
        assert st == 401, "no credentials: %d" % st
        url = h_tls.url("small").replace("https://", "https://%s:%s@" % (USER, WRONG))
        p, _ = clone(h_tls, url, expect_ok=False)
        assert p.returncode != 0, "clone with a wrong password succeeded"
        assert "401" in p.stderr or "Authentication failed" in p.stderr, p.stderr[-2000:]
        assert any(x["status"] == 401 and x["auth"] == "Basic" and not x["auth_ok"] for x in h_tls.requests())

    @T.case("CGI host https: the system CA bundle does not trust the test server")
    def _():
        env = h_tls.env_for_git()
        if os.path.exists(gitpeers.SYSTEM_CA_BUNDLE):
            env["GIT_SSL_CAINFO"] = gitpeers.SYSTEM_CA_BUNDLE
        else:
            env.pop("GIT_SSL_CAINFO", None)
        p, _ = clone(h_tls, h_tls.url("small", creds=True), env=env, expect_ok=False)
        assert p.returncode != 0, "clone succeeded with the system CA bundle"
        assert "certificate" in p.stderr.lower(), p.stderr[-2000:]

    @T.case("CGI host bearer: clone with http.extraHeader Authorization: Bearer")
    def _():
        assert h_bearer.git_auth_args() == ["-c", "http.extraHeader=Authorization: Bearer %s" % TOKEN]
        clone(h_bearer, h_bearer.url("small"), args=h_bearer.git_auth_args())
        reqs = h_bearer.requests()
        assert reqs and all(r["auth"] == "Bearer" and r["auth_ok"] for r in reqs), reqs

    @T.case("CGI host bearer: wrong or missing token gives 401 and git fails")
    def _():
        p, _ = clone(h_bearer, h_bearer.url("small"), args=["-c", "http.extraHeader=Authorization: Bearer nope"],
                     expect_ok=False)
        assert p.returncode != 0, "clone with a wrong token succeeded"
        st, hd, _, _ = raw_request("127.0.0.1", h_bearer.port, "GET", "/small.git/info/refs")
        assert st == 401 and hd.get("www-authenticate") == 'Bearer realm="git"', (st, hd)

    @T.case("CGI host logs never hold the password or the token")
    def _():
        for h in (h_tls, h_bearer):
            text = h.request_log.read_text()
            assert PASSWORD not in text and TOKEN not in text and WRONG not in text, "secret in %s" % h.request_log
            assert base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode() not in text

    # ---- nginx + fcgiwrap --------------------------------------------------------------------------------------
    @T.case("nginx http: clone speaks protocol v2")
    def _():
        p, _ = clone(ngx, ngx.url("small"))
        assert trace_protocol(p.stderr) == 2, p.stderr[-2000:]

    @T.case("nginx http: responses are chunked (fastcgi_buffering off)")
    def _():
        st, hd, data, r = raw_request("127.0.0.1", ngx.port, "GET", "/small.git/info/refs?service=git-upload-pack",
                                      headers={"Git-Protocol": "version=2"})
        assert st == 200, (st, data)
        assert hd.get("transfer-encoding", "").lower() == "chunked", hd
        assert "content-length" not in hd, hd
        assert r.version == 11, r.version
        assert b"version 2" in data, data[:200]

    @T.case("nginx https /auth: clone with basic auth")
    def _():
        p, _ = clone(ngx, ngx.url("small", tls=True, auth=True, creds=True))
        assert trace_protocol(p.stderr) == 2, p.stderr[-2000:]

    @T.case("nginx https (no auth) via https://localhost:P")
    def _():
        clone(ngx, ngx.url("small", tls=True))

    @T.case("nginx /auth: wrong password and no credentials give 401, git fails")
    def _():
        path = "/auth/small.git/info/refs?service=git-upload-pack"
        st, hd, _, _ = raw_request("localhost", ngx.https_port, "GET", path, tls_ca=ca.ca_crt,
                                   headers={"Authorization": basic(USER, WRONG)})
        assert st == 401 and "basic" in hd.get("www-authenticate", "").lower(), (st, hd)
        st, _, _, _ = raw_request("localhost", ngx.https_port, "GET", path, tls_ca=ca.ca_crt)
        assert st == 401, st
        url = ngx.url("small", tls=True, auth=True).replace("https://", "https://%s:%s@" % (USER, WRONG))
        p, _ = clone(ngx, url, expect_ok=False)
        assert p.returncode != 0, "clone with a wrong password succeeded"

    # ---- sshd -----------------------------------------------------------------------------------------------------
    @T.case("sshd with AcceptEnv GIT_PROTOCOL: clone speaks protocol v2")
    def _():
        assert "AcceptEnv GIT_PROTOCOL" in sshd_v2.config.read_text()
        p, _ = clone(sshd_v2, sshd_v2.url("small"))
        assert trace_protocol(p.stderr) == 2, p.stderr[-2000:]
        log = sshd_v2.logfile.read_text()
        assert "Accepted publickey for root" in log or "Accepted publickey for %s" % sshd_v2.login in log, log

    @T.case("sshd without AcceptEnv: git falls back to protocol v0")
    def _():
        assert "AcceptEnv" not in sshd_v0.config.read_text()
        p, _ = clone(sshd_v0, sshd_v0.url("small"))
        assert trace_protocol(p.stderr) == 0, p.stderr[-2000:]

    @T.case("sshd with ed25519 + rsa host keys only: clone works, no ecdsa key offered")
    def _():
        kh = sshd_er.known_hosts.read_text().split("\n")
        types = sorted(l.split()[1] for l in kh if l.strip())
        assert types == ["ssh-ed25519", "ssh-rsa"], types
        p, _ = clone(sshd_er, sshd_er.url("small"))
        assert trace_protocol(p.stderr) == 2, p.stderr[-2000:]
        for t, want in (("ecdsa", False), ("ed25519", True), ("rsa", True)):
            k = pntest.run(["ssh-keyscan", "-T", "10", "-p", sshd_er.port, "-t", t, "127.0.0.1"])
            assert bool(k.stdout.strip()) == want, (t, k.stdout, k.stderr)

    @T.case("sshd: each host key type (ecdsa, rsa, ed25519) verifies alone")
    def _():
        for t in sshd_v2.host_keys:
            kh = sshd_v2.write_known_hosts(WD / ("kh-only-" + t), types=[t])
            env = sshd_v2.env_for_git(known_hosts=kh)
            # the client must negotiate the one algorithm it has a known_hosts line for
            alg = {"ecdsa": "ecdsa-sha2-nistp256", "rsa": "rsa-sha2-512,rsa-sha2-256", "ed25519": "ssh-ed25519"}[t]
            env["GIT_SSH_COMMAND"] += " -o HostKeyAlgorithms=" + alg
            clone(sshd_v2, sshd_v2.url("small"), env=env, trace=False)

    @T.case("sshd: unknown or mismatched host key is refused by ssh")
    def _():
        empty = WD / "kh-empty"
        empty.write_text("")
        p, _ = clone(sshd_v2, sshd_v2.url("small"), env=sshd_v2.env_for_git(known_hosts=empty), expect_ok=False)
        assert p.returncode != 0 and "Host key verification failed" in p.stderr, p.stderr[-2000:]
        # another server's ed25519 key under this server's name
        wrong = WD / "kh-wrong"
        wrong.write_text("[127.0.0.1]:%d %s\n" % (sshd_v2.port, sshd_er.host_key_pub("ed25519")))
        env = sshd_v2.env_for_git(known_hosts=wrong)
        env["GIT_SSH_COMMAND"] += " -o HostKeyAlgorithms=ssh-ed25519"
        p, _ = clone(sshd_v2, sshd_v2.url("small"), env=env, expect_ok=False)
        assert p.returncode != 0 and "Host key verification failed" in p.stderr, p.stderr[-2000:]

    @T.case("sshd: a client key that is not authorized is refused")
    def _():
        k = make_client_key(WD / "keys", "ed25519", "openssh", name="stranger")
        p, _ = clone(sshd_v2, sshd_v2.url("small"), env=sshd_v2.env_for_git(key=k), expect_ok=False)
        assert p.returncode != 0 and "Permission denied" in p.stderr, p.stderr[-2000:]

    @T.case("sshd: authorized ECDSA P-384 PKCS#8 and RSA PEM client keys work")
    def _():
        for typ, fmt, head in (("ecdsa-p384", "pkcs8", "-----BEGIN PRIVATE KEY-----"),
                               ("rsa2048", "pem", "-----BEGIN RSA PRIVATE KEY-----"),
                               ("ecdsa-p256", "pem", "-----BEGIN EC PRIVATE KEY-----")):
            k = make_client_key(WD / "keys", typ, fmt)
            assert k.path.read_text().startswith(head), (typ, fmt, k.path.read_text()[:40])
            sshd_v2.authorize(k)
            clone(sshd_v2, sshd_v2.url("small"), env=sshd_v2.env_for_git(key=k), trace=False)

    @T.case("make_client_key: ed25519 PKCS#8 via openssl, no ed25519 PEM")
    def _():
        k = make_client_key(WD / "keys", "ed25519", "pkcs8")
        assert k.path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
        assert k.pubkey.startswith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"), k.pubkey
        try:
            make_client_key(WD / "keys", "ed25519", "pem")
        except ValueError:
            pass
        else:
            raise AssertionError("ed25519 PEM did not raise")
finally:
    for p in peers:
        p.stop()


@T.case("all peer processes are gone after stop()")
def _():
    pids = [pid for p in peers for pid in p.last_pids]
    assert len(pids) >= len(peers), pids
    alive = [pid for pid in pids if gitpeers.pid_alive(pid)]
    assert not alive, "still running: %s" % alive
    # not even as zombies (a worker orphaned by its parent's early exit would linger as one under PID 1)
    deadline = time.monotonic() + pntest.PEER_STOP_TIMEOUT
    while True:
        zombies = [pid for pid in pids if os.path.exists("/proc/%d" % pid)]
        if not zombies or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not zombies, "left as zombies: %s" % [(z, open("/proc/%d/stat" % z).read()[:80]) for z in zombies
                                                  if os.path.exists("/proc/%d" % z)]
    # nothing else running from this workdir either (cmdlines that name it: sshd -f, nginx -c, git_http.py --dir)
    left = []
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != os.getpid():
            try:
                cmd = open("/proc/%s/cmdline" % d, "rb").read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(WD) in cmd and gitpeers.pid_alive(int(d)):
                left.append((d, cmd))
    assert not left, left


T.done()
