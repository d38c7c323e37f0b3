"""gitpeers: real Git servers on loopback for pinion's tests (Python 3 standard library only).

    from gitpeers import make_ca, make_bare_repo, make_client_key, GitHTTP, GitNginx, GitSSHD

    ca = make_ca(wd / "tls")                                   # EC P-256 CA + server cert for localhost/127.0.0.1
    repo = make_bare_repo(flux_tree(), wd / "repos", "small")  # real git builds it: <repos>/small.git
    with GitHTTP(wd / "http", wd / "repos", tls=ca, user="agent", password="s3cret") as h:
        url = h.url("small")                                   # https://localhost:P/small.git
        env = h.env_for_git()                                  # private HOME, GIT_SSL_CAINFO, ...
    with GitNginx(wd / "nginx", wd / "repos", tls=ca) as n:    # http + https listeners, /auth/... basic auth
        n.url("small"); n.url("small", tls=True); n.url("small", tls=True, auth=True, creds=True)
    with GitSSHD(wd / "sshd", wd / "repos") as s:              # OpenSSH sshd + git-shell as root
        s.url("small")                                         # ssh://root@127.0.0.1:P/<abs repos>/small.git
        s.env_for_git()                                        # GIT_SSH_COMMAND with key + known_hosts

Everything (config, keys, pid files, logs, nginx temp dirs) stays under the peer's workdir. Servers bind only
127.0.0.1, are stopped by PID (never by name), and every wait is bounded by pntest's constants.
See /work/shared/reference/git-protocol.md §2 for the recipes these follow.
"""
import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import pntest  # noqa: E402

HERE = Path(__file__).resolve().parent
GIT_HTTP = HERE / "git_http.py"
SSHD = "/usr/sbin/sshd"
NGINX = "/usr/sbin/nginx"
FCGIWRAP = "/usr/sbin/fcgiwrap"
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
START_RETRIES = 5

# Fixed identity and dates: a repo built from the same files has the same commit ids on every run.
_IDENTITY = {
    "GIT_AUTHOR_NAME": "pinion test", "GIT_AUTHOR_EMAIL": "test@pinion.invalid",
    "GIT_COMMITTER_NAME": "pinion test", "GIT_COMMITTER_EMAIL": "test@pinion.invalid",
}
_PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
               "ftp_proxy", "FTP_PROXY")


class PeerError(AssertionError):
    pass


# ---------------------------------------------------------------------------------------------------------------
# small helpers

def _run(cmd, **kw):
    return pntest.run(cmd, check=True, **kw)


def free_port():
    """A port that was free a moment ago on 127.0.0.1 (bind port 0, read it, close). Callers that hand it to a
    server that cannot bind port 0 itself must retry on a bind failure."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _read_pid(path):
    try:
        return int(Path(path).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _children(pid):
    """Direct children of pid, from /proc (PPid field of /proc/N/stat)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(b")") + 2:].split()
        if len(rest) > 1 and int(rest[1]) == pid:
            out.append(int(d))
    return out


def descendants(pid):
    """All descendants of pid (children, grandchildren, ...), from /proc."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in _children(p):
            if c not in out:
                out.append(c)
                todo.append(c)
    return out


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rfind(b")") + 2:][:1] != b"Z"


def _wait_gone(pids, timeout=pntest.PEER_STOP_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(pid_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def _kill_pids(pids, sig=signal.SIGTERM):
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def _reap(proc, timeout=pntest.PEER_STOP_TIMEOUT):
    """Wait for a Popen child (after it was signalled); SIGKILL if it does not go."""
    if proc is None:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def _tail(path, n=4000):
    try:
        return Path(path).read_text(errors="replace")[-n:]
    except FileNotFoundError:
        return "(no %s)" % path


def git_env(home, **extra):
    """A complete environment for running real git/ssh as a client: the machine's git config and proxies are
    never used (private HOME, GIT_CONFIG_NOSYSTEM, no XDG_CONFIG_HOME), no prompts, C locale."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in _PROXY_VARS and k not in ("XDG_CONFIG_HOME", "SSH_ASKPASS",
                                                                               "SSH_AUTH_SOCK", "EMAIL")}
    Path(home).mkdir(parents=True, exist_ok=True)
    env.update({
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "LC_ALL": "C",
        "LANG": "C",
        "no_proxy": "127.0.0.1,localhost",
        "NO_PROXY": "127.0.0.1,localhost",
    })
    env.update(_IDENTITY)
    env.update({k: str(v) for k, v in extra.items()})
    return env


# ---------------------------------------------------------------------------------------------------------------
# TLS

class CA:
    """Paths of a test CA and the server certificate it signed (attributes: dir, ca_crt, ca_key, server_crt,
    server_key). The server certificate is CN=localhost with SAN DNS:localhost, IP:127.0.0.1 and serverAuth."""

    def __init__(self, d):
        d = Path(d)
        self.dir = d
        self.ca_crt = d / "ca.crt"
        self.ca_key = d / "ca.key"
        self.server_crt = d / "server.crt"
        self.server_key = d / "server.key"

    def __repr__(self):
        return "CA(%s)" % self.dir


def make_ca(d, extra_dns=()):
    """Make (or reuse, if already made in d) an EC P-256 CA and a server cert for localhost / 127.0.0.1 (and the
    names in extra_dns, e.g. a name only a test proxy resolves) with the openssl CLI. Returns a CA (see its
    attributes)."""
    ca = CA(d)
    d = ca.dir
    if all(p.exists() for p in (ca.ca_crt, ca.ca_key, ca.server_crt, ca.server_key)):
        return ca
    d.mkdir(parents=True, exist_ok=True)
    (d / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=DNS:localhost,IP:127.0.0.1%s\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n" % "".join(",DNS:" + n for n in extra_dns))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _run(["openssl", "req", "-x509"] + ec + ["-keyout", ca.ca_key, "-out", ca.ca_crt, "-days", "3650",
         "-subj", "/CN=pinion-test-CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    _run(["openssl", "req"] + ec + ["-keyout", ca.server_key, "-out", d / "server.csr", "-subj", "/CN=localhost"])
    _run(["openssl", "x509", "-req", "-in", d / "server.csr", "-CA", ca.ca_crt, "-CAkey", ca.ca_key,
          "-set_serial", "0x%x" % int.from_bytes(os.urandom(8), "big"), "-out", ca.server_crt, "-days", "825",
          "-extfile", d / "server.ext"])
    for p in (ca.ca_key, ca.server_key):
        os.chmod(p, 0o600)
    return ca


def _resolve_tls(tls, workdir):
    if tls is None or tls is False:
        return None
    if tls is True:
        return make_ca(Path(workdir) / "tls")
    if isinstance(tls, CA):
        return tls
    return make_ca(tls)  # a directory


def apr1_htpasswd(path, user, password):
    """Write an htpasswd file (user:$apr1$...) with `openssl passwd -apr1`, which nginx understands."""
    h = _run(["openssl", "passwd", "-apr1", password]).stdout.strip()
    Path(path).write_text("%s:%s\n" % (user, h))
    return Path(path)


# ---------------------------------------------------------------------------------------------------------------
# repositories

def flux_tree(variant=0):
    """A small Flux-like layout as {relative path: text}: clusters/, infrastructure/, apps/ with a few YAML files.
    variant changes the contents (for a second commit)."""
    files = {
        "clusters/prod/flux-system/gotk-sync.yaml":
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n"
            "  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n"
            "  url: ssh://git@example.invalid/fleet.git\n",
        "clusters/prod/flux-system/kustomization.yaml":
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- gotk-sync.yaml\n",
        "clusters/prod/apps.yaml":
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n"
            "  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/prod\n  prune: true\n"
            "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        "infrastructure/namespaces.yaml":
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n",
        "apps/base/podinfo/kustomization.yaml":
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: podinfo\n"
            "resources:\n- deployment.yaml\n- service.yaml\n",
        "apps/base/podinfo/deployment.yaml":
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  replicas: %d\n"
            "  selector:\n    matchLabels:\n      app: podinfo\n  template:\n    metadata:\n      labels:\n"
            "        app: podinfo\n    spec:\n      containers:\n      - name: podinfo\n"
            "        image: ghcr.io/stefanprodan/podinfo:6.5.%d\n" % (1 + variant, variant),
        "apps/base/podinfo/service.yaml":
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\nspec:\n  selector:\n    app: podinfo\n"
            "  ports:\n  - port: 9898\n",
        "apps/prod/kustomization.yaml":
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../base/podinfo\n",
    }
    return files


def _git(args, cwd=None, env=None, **kw):
    return _run(["git"] + list(args), cwd=cwd, env=env, **kw)


def build_worktree(path, commits, branch="main", object_format="sha1", home=None):
    """Create a git worktree at path with real git: one commit per entry of `commits` (each a {relpath: text or
    bytes or None (delete)} dict), fixed dates so ids are reproducible. Returns path."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    env = git_env(home or path.parent / ".git-home")
    _git(["init", "-q", "--object-format=" + object_format, "-b", branch, str(path)], env=env)
    for i, files in enumerate(commits):
        for rel, content in files.items():
            f = path / rel
            if content is None:
                if f.exists():
                    f.unlink()
                continue
            f.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                f.write_bytes(content)
            else:
                f.write_text(content)
        date = "%d +0000" % (1700000000 + 3600 * i)
        cenv = dict(env, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        _git(["-C", path, "add", "-A"], env=cenv)
        _git(["-C", path, "commit", "-q", "--allow-empty", "-m", "commit %d" % (i + 1)], env=cenv)
    return path


def make_bare_repo(src, repos_dir, name, object_format="sha1", branch="main"):
    """Serve a repository as <repos_dir>/<name>.git and return that path. src is one of:
      - a path to an existing git worktree or repo: cloned with `git clone --bare --no-local`;
      - a dict {relpath: content}: one commit of those files;
      - a list of such dicts: one commit per dict (None as content deletes a file);
      - a callable builder(worktree_path, env): gets an initialized empty worktree and the git env to use, and
        makes its commits itself.
    The served repo gets uploadpack.allowFilter, uploadpack.allowAnySHA1InWant, http.receivepack and a+rX."""
    repos_dir = Path(repos_dir)
    repos_dir.mkdir(parents=True, exist_ok=True)
    bare = repos_dir / (name + ".git")
    if bare.exists():
        raise PeerError("%s exists already" % bare)
    scratch = repos_dir.parent / (".build-" + name)
    env = git_env(repos_dir.parent / ".git-home")
    if isinstance(src, (str, Path)):
        wt = Path(src)
    else:
        if scratch.exists():
            shutil.rmtree(scratch)
        if isinstance(src, dict):
            wt = build_worktree(scratch, [src], branch=branch, object_format=object_format)
        elif isinstance(src, (list, tuple)):
            wt = build_worktree(scratch, list(src), branch=branch, object_format=object_format)
        elif callable(src):
            wt = build_worktree(scratch, [], branch=branch, object_format=object_format)
            src(wt, env)
        else:
            raise TypeError("make_bare_repo: unsupported src %r" % (src,))
    _git(["clone", "-q", "--bare", "--no-local", str(wt), str(bare)], env=env)
    for k, v in (("uploadpack.allowFilter", "true"), ("uploadpack.allowAnySHA1InWant", "true"),
                 ("http.receivepack", "true")):
        _git(["-C", bare, "config", k, v], env=env)
    if scratch.exists():
        shutil.rmtree(scratch)
    for dirpath, dirnames, filenames in os.walk(bare):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | 0o444 | (0o111 if os.path.isdir(p) else 0))
    return bare


def make_small_repo(repos_dir, name="small"):
    """The standard small test repo: the Flux-like tree in 3 commits (the last one changes the Deployment)."""
    c1 = flux_tree(0)
    c2 = {"infrastructure/sources.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
                                         "metadata:\n  name: podinfo\nspec:\n  url: https://example.invalid\n"}
    c3 = {"apps/base/podinfo/deployment.yaml": flux_tree(1)["apps/base/podinfo/deployment.yaml"]}
    return make_bare_repo([c1, c2, c3], repos_dir, name)


# ---------------------------------------------------------------------------------------------------------------
# SSH keys

_KEYTYPES = {
    # name: (ssh-keygen args, known name)
    "ed25519": ["-t", "ed25519"],
    "ecdsa": ["-t", "ecdsa", "-b", "256"],
    "ecdsa-p256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa-p384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa-p521": ["-t", "ecdsa", "-b", "521"],
    "rsa": ["-t", "rsa", "-b", "3072"],
    "rsa2048": ["-t", "rsa", "-b", "2048"],
    "rsa4096": ["-t", "rsa", "-b", "4096"],
}
_KEYFORMATS = {"openssh": "RFC4716", "pkcs8": "PKCS8", "pem": "PEM"}


class ClientKey:
    """A client key pair: .path (private key file, mode 0600), .pub (public key file, OpenSSH one-line form),
    .type, .fmt, .pubkey (the 'type base64 comment' line), .passphrase."""

    def __init__(self, path, pub, type_, fmt, passphrase):
        self.path, self.pub, self.type, self.fmt, self.passphrase = Path(path), Path(pub), type_, fmt, passphrase

    @property
    def pubkey(self):
        return self.pub.read_text().strip()

    def __fspath__(self):
        return str(self.path)

    def __repr__(self):
        return "ClientKey(%s, %s, %s)" % (self.path, self.type, self.fmt)


def _ed25519_pkcs8(path, passphrase, comment):
    """ssh-keygen cannot write ed25519 as PKCS#8 (and OpenSSH 9.2 cannot read it): make it with openssl and build
    the OpenSSH public key line from the raw 32-byte key."""
    cmd = ["openssl", "genpkey", "-algorithm", "ed25519", "-out", path]
    if passphrase:
        cmd += ["-aes-256-cbc", "-pass", "pass:" + passphrase]
    _run(cmd)
    os.chmod(path, 0o600)
    pcmd = ["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"]
    if passphrase:
        pcmd += ["-passin", "pass:" + passphrase]
    der = subprocess.run([str(c) for c in pcmd], stdout=subprocess.PIPE, check=True,
                         timeout=pntest.COMMAND_TIMEOUT).stdout
    raw = der[-32:]

    def sshstr(b):
        return len(b).to_bytes(4, "big") + b
    blob = sshstr(b"ssh-ed25519") + sshstr(raw)
    Path(str(path) + ".pub").write_text("ssh-ed25519 %s %s\n" % (base64.b64encode(blob).decode(), comment))


def make_client_key(d, type="ed25519", fmt="openssh", name=None, passphrase="", comment="agent@pinion-test"):
    """Generate a client key with ssh-keygen in directory d and return a ClientKey.
    type: ed25519, ecdsa-p256 (ecdsa, ecdsa256), ecdsa-p384 (ecdsa384), ecdsa-p521, rsa (3072), rsa2048, rsa4096.
    fmt: openssh (-----BEGIN OPENSSH PRIVATE KEY-----), pkcs8 (-----BEGIN PRIVATE KEY----- or ENCRYPTED PRIVATE KEY
    with a passphrase), pem (traditional: BEGIN EC PRIVATE KEY / BEGIN RSA PRIVATE KEY).
    ed25519 has no PEM form (ValueError); its PKCS#8 form is made with openssl and OpenSSH itself cannot load it."""
    if type not in _KEYTYPES:
        raise ValueError("unknown key type %r (one of %s)" % (type, ", ".join(sorted(_KEYTYPES))))
    if fmt not in _KEYFORMATS:
        raise ValueError("unknown key format %r (one of %s)" % (fmt, ", ".join(sorted(_KEYFORMATS))))
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    path = d / (name or "client_%s_%s" % (type.replace("-", "_"), fmt))
    for p in (path, Path(str(path) + ".pub")):
        if p.exists():
            p.unlink()
    if type == "ed25519" and fmt == "pem":
        raise ValueError("ed25519 keys have no traditional PEM form (use openssh or pkcs8)")
    if type == "ed25519" and fmt == "pkcs8":
        _ed25519_pkcs8(path, passphrase, comment)
    else:
        _run(["ssh-keygen", "-q"] + _KEYTYPES[type] + ["-m", _KEYFORMATS[fmt], "-N", passphrase, "-C", comment,
                                                         "-f", path])
    return ClientKey(path, str(path) + ".pub", type, fmt, passphrase)


# ---------------------------------------------------------------------------------------------------------------
# peers

class _Peer:
    name = "peer"

    def __init__(self, workdir, repos):
        self.workdir = Path(workdir).resolve()
        self.repos = Path(repos).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.home = self.workdir / "client-home"
        self.started = False
        self._procs = []       # Popen objects we own
        self.last_pids = []    # every pid that belonged to the peer when it was stopped (for leak checks)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def env_for_git(self, **extra):
        return git_env(self.home, **extra)

    def git(self, args, env=None, **kw):
        """Run real git with this peer's client environment. Returns CompletedProcess (not checked)."""
        return pntest.run(["git"] + list(args), env=env or self.env_for_git(), **kw)

    def _stop_tree(self, main_pid, sig=signal.SIGTERM, proc=None, drain=False):
        """Stop main_pid (and, should they outlive it, its descendants), by PID. Returns the pids involved.
        drain: the main process's children are per-connection/per-request workers (sshd sessions, http-backend):
        give them a moment to finish, then stop the ones left while their parent still runs to reap them (killing
        the parent first would hand them to PID 1 as zombies)."""
        if main_pid is None:
            return []
        seen = descendants(main_pid)
        if drain and seen:
            deadline = time.monotonic() + min(3.0 * pntest.SLOW, pntest.PEER_STOP_TIMEOUT)
            while time.monotonic() < deadline:
                kids = descendants(main_pid)
                seen += [k for k in kids if k not in seen]
                if not kids:  # zombies count: the parent must reap them before it goes
                    break
                time.sleep(0.05)
            kids = [k for k in descendants(main_pid) if pid_alive(k)]
            if kids:
                _kill_pids(kids)
                _wait_gone(kids)
        pids = [main_pid] + seen + [k for k in descendants(main_pid) if k not in seen]
        try:
            os.kill(main_pid, sig)
        except ProcessLookupError:
            pass
        if proc is not None and proc.pid == main_pid:
            _reap(proc)
        elif not _wait_gone([main_pid]):
            _kill_pids([main_pid], signal.SIGKILL)
        rest = [p for p in pids[1:] if pid_alive(p)]
        if rest:
            _kill_pids(rest)
            if not _wait_gone(rest):
                _kill_pids(rest, signal.SIGKILL)
                _wait_gone(rest)
        return pids


class GitHTTP(_Peer):
    """tests/peers/git_http.py (Python CGI host for git http-backend) as a subprocess.

    GitHTTP(workdir, repos, tls=None|True|CA|dir, user=None, password=None, bearer=None)
      .url(repo, host=None, creds=False) -> http(s)://HOST:PORT/<repo>.git (HOST: localhost with TLS, else
           127.0.0.1; creds=True embeds user:password@)
      .port, .base_url(host=None), .requests() -> list of the JSON request records, .env_for_git(),
      .git_auth_args() -> ["-c", "http.extraHeader=Authorization: Bearer T"] for a bearer peer."""
    name = "git-http"

    def __init__(self, workdir, repos, tls=None, user=None, password=None, bearer=None):
        super().__init__(workdir, repos)
        self.ca = _resolve_tls(tls, self.workdir)
        self.user, self.password, self.bearer = user, password, bearer
        if bool(user) != bool(password):
            raise ValueError("user and password go together")
        self.dir = self.workdir / "state"
        self.port = None
        self.proc = None

    @property
    def scheme(self):
        return "https" if self.ca else "http"

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        for f in ("port", "pid"):
            (self.dir / f).unlink(missing_ok=True)
        cmd = [sys.executable, str(GIT_HTTP), "--dir", str(self.dir), "--root", str(self.repos)]
        if self.ca:
            cmd += ["--tls-cert", str(self.ca.server_crt), "--tls-key", str(self.ca.server_key)]
        if self.user:
            pf = self.workdir / "password"
            pf.write_text(self.password + "\n")
            os.chmod(pf, 0o600)
            cmd += ["--user", self.user, "--password-file", str(pf)]
        if self.bearer:
            bf = self.workdir / "bearer"
            bf.write_text(self.bearer + "\n")
            os.chmod(bf, 0o600)
            cmd += ["--bearer-file", str(bf)]
        self.stderr = open(self.workdir / "git_http.stderr", "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr,
                                     env=git_env(self.workdir / "server-home"))
        try:
            self.port = int(pntest.wait_for_file(self.dir / "port", proc=self.proc))
            pntest.wait_for_file(self.dir / "pid", proc=self.proc)
        except Exception:
            self.stop()
            raise PeerError("git_http.py did not start:\n" + _tail(self.workdir / "git_http.stderr"))
        self.started = True
        return self

    def stop(self):
        if self.proc is None:
            return
        pid = _read_pid(self.dir / "pid") or self.proc.pid
        self.last_pids = self._stop_tree(pid, proc=self.proc, drain=True)
        if pid != self.proc.pid:  # cannot happen unless the pid file lies; still never leave our child
            self.last_pids += self._stop_tree(self.proc.pid, proc=self.proc)
        self.proc = None
        self.stderr.close()
        self.started = False

    def base_url(self, host=None):
        host = host or ("localhost" if self.ca else "127.0.0.1")
        return "%s://%s:%d" % (self.scheme, host, self.port)

    def url(self, repo, host=None, creds=False):
        host = host or ("localhost" if self.ca else "127.0.0.1")
        userinfo = ""
        if creds and self.user:
            userinfo = "%s:%s@" % (self.user, self.password)
        return "%s://%s%s:%d/%s.git" % (self.scheme, userinfo, host, self.port, repo)

    def env_for_git(self, **extra):
        env = git_env(self.home)
        if self.ca:
            env["GIT_SSL_CAINFO"] = str(self.ca.ca_crt)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def git_auth_args(self):
        if self.bearer:
            return ["-c", "http.extraHeader=Authorization: Bearer %s" % self.bearer]
        return []

    @property
    def request_log(self):
        return self.dir / "requests.jsonl"

    def requests(self):
        import json
        try:
            lines = self.request_log.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(l) for l in lines if l.strip()]

    def clear_requests(self):
        self.request_log.unlink(missing_ok=True)


def _nginx_conf(wd, port, sport, ca, repos, htpasswd, user_root):
    fcgi = """
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
      fastcgi_param GIT_PROJECT_ROOT {repos};
      fastcgi_param GIT_HTTP_EXPORT_ALL 1;
      fastcgi_param GIT_CONFIG_NOSYSTEM 1;
      fastcgi_param HOME {wd}/server-home;
      fastcgi_pass unix:{wd}/run/fcgiwrap.sock;""".format(repos=repos, wd=wd)
    ssl_lines = ""
    if ca:
        ssl_lines = ("    listen 127.0.0.1:%d ssl;\n    ssl_certificate %s;\n    ssl_certificate_key %s;\n"
                     % (sport, ca.server_crt, ca.server_key))
    return """# generated by tests/peers/gitpeers.py
{user}worker_processes 1;
daemon off;
master_process on;
pid {wd}/run/nginx.pid;
error_log {wd}/log/nginx-error.log info;
events {{ worker_connections 64; }}
http {{
  access_log {wd}/log/nginx-access.log;
  client_body_temp_path {wd}/run/tmp/body;
  fastcgi_temp_path {wd}/run/tmp/fcgi;
  proxy_temp_path {wd}/run/tmp/proxy;
  uwsgi_temp_path {wd}/run/tmp/uwsgi;
  scgi_temp_path {wd}/run/tmp/scgi;
  client_max_body_size 0;
  keepalive_timeout 60s;
  server {{
    listen 127.0.0.1:{port};
{ssl}    fastcgi_buffering off;
    location ~ ^/auth(/.*)$ {{
      auth_basic "git";
      auth_basic_user_file {htpasswd};{fcgi}
      fastcgi_param PATH_INFO $1;
      fastcgi_param REMOTE_USER $remote_user;
    }}
    location / {{{fcgi}
      fastcgi_param PATH_INFO $uri;
    }}
  }}
}}
""".format(user="user root root;\n" if user_root else "", wd=wd, port=port, ssl=ssl_lines, htpasswd=htpasswd,
           fcgi=fcgi)


class GitNginx(_Peer):
    """nginx + ONE fcgiwrap process + git http-backend; fastcgi_buffering off, so responses are chunked.

    GitNginx(workdir, repos, tls=True|CA|dir|None, user="agent", password="s3cret")
      .url(repo, tls=False, auth=False, host=None, creds=False)
          -> http://127.0.0.1:P/<repo>.git, https://localhost:PS/<repo>.git,
             https://[user:password@]localhost:PS/auth/<repo>.git (basic auth under /auth/)
      .port, .https_port, .env_for_git() (GIT_SSL_CAINFO when TLS)."""
    name = "nginx"

    def __init__(self, workdir, repos, tls=True, user="agent", password="s3cret"):
        super().__init__(workdir, repos)
        self.ca = _resolve_tls(tls, self.workdir)
        self.user, self.password = user, password
        self.port = self.https_port = None
        self.nginx = self.fcgi = None

    def start(self):
        wd = self.workdir
        for sub in ("run/tmp", "log", "server-home"):
            (wd / sub).mkdir(parents=True, exist_ok=True)
        htpasswd = apr1_htpasswd(wd / "htpasswd", self.user, self.password)
        sock = wd / "run" / "fcgiwrap.sock"
        sock.unlink(missing_ok=True)
        # one fcgiwrap process (no -c N: preforked children would outlive a kill of the parent)
        self.fcgi_log = open(wd / "log" / "fcgiwrap.log", "ab")
        self.fcgi = subprocess.Popen([FCGIWRAP, "-s", "unix:%s" % sock], stdin=subprocess.DEVNULL,
                                     stdout=self.fcgi_log, stderr=self.fcgi_log,
                                     env=git_env(wd / "server-home"))
        (wd / "run" / "fcgiwrap.pid").write_text("%d\n" % self.fcgi.pid)
        try:
            self._wait_socket(sock)
            self._start_nginx(htpasswd)
        except Exception:
            self.stop()
            raise
        self.started = True
        return self

    def _wait_socket(self, sock):
        deadline = time.monotonic() + pntest.PEER_START_TIMEOUT
        while time.monotonic() < deadline:
            if sock.is_socket():
                return
            if self.fcgi.poll() is not None:
                raise PeerError("fcgiwrap exited %d:\n%s" % (self.fcgi.returncode,
                                                           _tail(self.workdir / "log" / "fcgiwrap.log")))
            time.sleep(0.02)
        raise PeerError("fcgiwrap socket %s did not appear" % sock)

    def _start_nginx(self, htpasswd):
        wd = self.workdir
        conf = wd / "nginx.conf"
        pidf = wd / "run" / "nginx.pid"
        errlog = wd / "log" / "nginx-error.log"
        last = ""
        for attempt in range(START_RETRIES):
            self.port = free_port()
            self.https_port = free_port() if self.ca else None
            while self.https_port == self.port:
                self.https_port = free_port()
            conf.write_text(_nginx_conf(wd, self.port, self.https_port, self.ca, self.repos, htpasswd,
                                        os.geteuid() == 0))
            pidf.unlink(missing_ok=True)
            self.nginx_log = open(wd / "log" / "nginx.stderr", "ab")
            self.nginx = subprocess.Popen([NGINX, "-p", str(wd / "run" / "tmp"), "-c", str(conf), "-e", str(errlog)],
                                          stdin=subprocess.DEVNULL, stdout=self.nginx_log, stderr=self.nginx_log)
            # nginx writes its pid file after it has bound and listened on every address
            try:
                pntest.wait_for_file(pidf, proc=self.nginx)
                return
            except AssertionError as e:
                last = "%s\n%s" % (e, _tail(errlog))
                if self.nginx.poll() is None:
                    self._stop_tree(self.nginx.pid, signal.SIGQUIT, proc=self.nginx)
                self.nginx = None
                self.nginx_log.close()
                if "Address already in use" not in last:
                    break
        raise PeerError("nginx did not start:\n" + last)

    def stop(self):
        pids = []
        if self.nginx is not None:
            pid = _read_pid(self.workdir / "run" / "nginx.pid") or self.nginx.pid
            pids += self._stop_tree(pid, signal.SIGQUIT, proc=self.nginx)  # graceful: QUIT, then wait
            self.nginx = None
            self.nginx_log.close()
        if self.fcgi is not None:
            pid = _read_pid(self.workdir / "run" / "fcgiwrap.pid") or self.fcgi.pid
            pids += self._stop_tree(pid, proc=self.fcgi, drain=True)
            self.fcgi = None
            self.fcgi_log.close()
            (self.workdir / "run" / "fcgiwrap.sock").unlink(missing_ok=True)
            (self.workdir / "run" / "fcgiwrap.pid").unlink(missing_ok=True)
        if pids:
            self.last_pids = pids
        self.started = False

    def url(self, repo, tls=False, auth=False, host=None, creds=False):
        if tls or auth:
            if not self.ca:
                raise PeerError("this GitNginx has no TLS listener")
            host = host or "localhost"
            userinfo = "%s:%s@" % (self.user, self.password) if (auth and creds) else ""
            return "https://%s%s:%d%s/%s.git" % (userinfo, host, self.https_port, "/auth" if auth else "", repo)
        return "http://%s:%d/%s.git" % (host or "127.0.0.1", self.port, repo)

    def env_for_git(self, **extra):
        env = git_env(self.home)
        if self.ca:
            env["GIT_SSL_CAINFO"] = str(self.ca.ca_crt)
        env.update({k: str(v) for k, v in extra.items()})
        return env


_HOSTKEY_ARGS = {"ed25519": ["-t", "ed25519"], "ecdsa": ["-t", "ecdsa", "-b", "256"], "rsa": ["-t", "rsa", "-b", "3072"]}


class GitSSHD(_Peer):
    """A private OpenSSH sshd (/usr/sbin/sshd -D, own config, run as root) whose only login is root with a forced
    `git-shell -c "$SSH_ORIGINAL_COMMAND"` per authorized key. No system user is created.

    GitSSHD(workdir, repos, accept_env=True, host_keys=("ecdsa", "rsa", "ed25519"), client_key=None,
            extra_config=())
      accept_env: `AcceptEnv GIT_PROTOCOL` (protocol v2); False makes git fall back to v0.
      host_keys: which host key types sshd gets (the known_hosts file holds exactly these).
      client_key: a ClientKey to authorize (default: a fresh ed25519 key in workdir/keys).
      extra_config: more sshd_config lines.
      .url(repo) -> ssh://root@127.0.0.1:PORT/<absolute repos path>/<repo>.git
      .authorize(key) adds a ClientKey (or .pub path) to the authorized_keys file (takes effect at once).
      .known_hosts (path), .write_known_hosts(path, types=None), .host_key_pub(type)
      .ssh_command(key=None, known_hosts=None) and .env_for_git(key=None, known_hosts=None) -> GIT_SSH_COMMAND."""
    name = "sshd"

    def __init__(self, workdir, repos, accept_env=True, host_keys=("ecdsa", "rsa", "ed25519"), client_key=None,
                 extra_config=()):
        super().__init__(workdir, repos)
        for t in host_keys:
            if t not in _HOSTKEY_ARGS:
                raise ValueError("host key type %r (one of %s)" % (t, ", ".join(_HOSTKEY_ARGS)))
        self.accept_env = accept_env
        self.host_keys = tuple(host_keys)
        self.extra_config = list(extra_config)
        self.client_key = client_key
        self.login = "root" if os.geteuid() == 0 else _current_user()
        self.sshdir = self.workdir / "ssh"
        self.authorized_keys = self.sshdir / "authorized_keys"
        self.known_hosts = self.sshdir / "known_hosts"
        self.config = self.sshdir / "sshd_config"
        self.pidfile = self.workdir / "run" / "sshd.pid"
        self.logfile = self.workdir / "log" / "sshd.log"
        self.port = None
        self.proc = None

    def host_key_path(self, t):
        return self.sshdir / ("ssh_host_%s_key" % t)

    def host_key_pub(self, t):
        """'type base64' of the host key of type t."""
        return " ".join(Path(str(self.host_key_path(t)) + ".pub").read_text().split()[:2])

    def _prepare(self):
        for sub in ("ssh", "run", "log", "server-home", "keys"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privsep dir sshd insists on
        for t in self.host_keys:
            k = self.host_key_path(t)
            if not k.exists():
                _run(["ssh-keygen", "-q"] + _HOSTKEY_ARGS[t] + ["-N", "", "-C", "pinion-test-host", "-f", k])
        if self.client_key is None:
            self.client_key = make_client_key(self.workdir / "keys", "ed25519", "openssh", name="client_ed25519")
        if not self.authorized_keys.exists():
            self.authorized_keys.write_text("")
            self.authorize(self.client_key)

    def authorize(self, key):
        pub = Path(key.pub) if isinstance(key, ClientKey) else Path(key)
        line = " ".join(pub.read_text().split()[:3])
        opts = ('command="git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"",no-port-forwarding,no-pty,'
                'no-agent-forwarding,no-X11-forwarding,'
                'environment="HOME=%s",environment="GIT_CONFIG_NOSYSTEM=1"' % (self.workdir / "server-home"))
        with open(self.authorized_keys, "a") as f:
            f.write("%s %s\n" % (opts, line))
        os.chmod(self.authorized_keys, 0o644)

    def _write_config(self):
        lines = [
            "# generated by tests/peers/gitpeers.py",
            "ListenAddress 127.0.0.1:%d" % self.port,
        ]
        lines += ["HostKey %s" % self.host_key_path(t) for t in self.host_keys]
        lines += [
            "PidFile %s" % self.pidfile,
            "AuthorizedKeysFile %s" % self.authorized_keys,
            "AuthorizedPrincipalsFile none",
            "StrictModes no",
            "UsePAM no",
            "PermitRootLogin forced-commands-only",
            "AllowUsers %s" % self.login,
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "HostbasedAuthentication no",
            "PermitUserEnvironment HOME,GIT_CONFIG_NOSYSTEM",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "AllowAgentForwarding no",
            "AllowStreamLocalForwarding no",
            "PermitTunnel no",
            "PrintMotd no",
            "PrintLastLog no",
            "UseDNS no",
            "MaxStartups 100",
            "LoginGraceTime 30",
            "LogLevel VERBOSE",
        ]
        if self.accept_env:
            lines.append("AcceptEnv GIT_PROTOCOL")  # needed for protocol v2 over SSH
        lines += list(self.extra_config)
        self.config.write_text("\n".join(lines) + "\n")

    def start(self):
        self._prepare()
        last = ""
        for attempt in range(START_RETRIES):
            self.port = free_port()
            self._write_config()
            self.pidfile.unlink(missing_ok=True)
            _run([SSHD, "-t", "-f", self.config])
            self.logfile.unlink(missing_ok=True)
            # -D: no daemonizing, so the Popen pid is sshd's; it writes PidFile after binding its listener
            self.proc = subprocess.Popen([SSHD, "-D", "-f", str(self.config), "-E", str(self.logfile)],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            try:
                pntest.wait_for_file(self.pidfile, proc=self.proc)
            except AssertionError as e:
                last = "%s\n%s" % (e, _tail(self.logfile))
                if self.proc.poll() is None:
                    self._stop_tree(self.proc.pid, proc=self.proc)
                self.proc = None
                if "bind" in last.lower():  # "Bind to port ... failed" / "Cannot bind any address"
                    continue
                break
            self.write_known_hosts(self.known_hosts)
            self.started = True
            return self
        raise PeerError("sshd did not start:\n" + last)

    def write_known_hosts(self, path, types=None, host="127.0.0.1"):
        """Write a known_hosts file for this server ([host]:PORT form) with the host keys of `types` (default: all
        the server has). Returns the path."""
        types = self.host_keys if types is None else types
        Path(path).write_text("".join("[%s]:%d %s\n" % (host, self.port, self.host_key_pub(t)) for t in types))
        return Path(path)

    def stop(self):
        if self.proc is None:
            return
        pid = _read_pid(self.pidfile) or self.proc.pid
        self.last_pids = self._stop_tree(pid, proc=self.proc, drain=True)
        if pid != self.proc.pid:
            self.last_pids += self._stop_tree(self.proc.pid, proc=self.proc)
        self.proc = None
        self.pidfile.unlink(missing_ok=True)
        self.started = False

    def url(self, repo, user=None):
        return "ssh://%s@127.0.0.1:%d%s/%s.git" % (user or self.login, self.port, self.repos, repo)

    def ssh_command(self, key=None, known_hosts=None):
        key = key or self.client_key
        return ("ssh -F /dev/null -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s "
                "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes "
                "-o ConnectTimeout=%d -p %d" % (os.fspath(key), known_hosts or self.known_hosts,
                                               int(pntest.PEER_START_TIMEOUT), self.port))

    def env_for_git(self, key=None, known_hosts=None, **extra):
        env = git_env(self.home, GIT_SSH_COMMAND=self.ssh_command(key, known_hosts))
        env.update({k: str(v) for k, v in extra.items()})
        return env


def _current_user():
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name
