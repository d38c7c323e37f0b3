"""kubeemu: start and drive the Kubernetes API emulator (kube_emulator.py) from a test. Standard library only.

    from kubeemu import KubeEmu
    with KubeEmu(workdir) as k:                 # certificates (openssl CLI), server, kubeconfig
        k.kubeconfig, k.url, k.port             # k3s.yaml-shaped kubeconfig; https://127.0.0.1:PORT
        status, headers, body = k.request("GET", "/api/v1/namespaces")
        k.set_status("apps/v1", "Deployment", "web", {"readyReplicas": 1}, namespace="demo")
        k.fault("PATCH", "/apis/apps/v1", "503", count=2)
        k.requests()                            # the request log, a list of dicts
See KUBE.md for the control interface and the request log format.
"""
import base64
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import pntest  # noqa: E402

EMULATOR = HERE / "kube_emulator.py"
SANS = ("DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,"
        "DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:::1,IP:10.43.0.1")


def _openssl(*args, cwd):
    p = subprocess.run(["openssl"] + [str(a) for a in args], cwd=str(cwd), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (" ".join(map(str, args)), p.stderr))
    return p.stdout


def make_ca(d, name, cn):
    """EC P-256 CA like k3s's (CN k3s-server-ca@<unix> / k3s-client-ca@<unix>); key in SEC1 PEM."""
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name + ".key", cwd=d)
    _openssl("req", "-x509", "-new", "-key", name + ".key", "-sha256", "-days", "3650", "-subj", "/CN=" + cn,
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign", "-out", name + ".crt", cwd=d)


def make_leaf(d, name, ca, subj, usage, sans=None):
    """EC P-256 leaf signed by ca; name.crt holds the leaf, name-chain.crt leaf + CA (as k3s writes client certs)."""
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name + ".key", cwd=d)
    _openssl("req", "-new", "-key", name + ".key", "-subj", subj, "-out", name + ".csr", cwd=d)
    ext = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" \
          "extendedKeyUsage=%s\n" % usage + ("subjectAltName=%s\n" % sans if sans else "")
    Path(d, name + ".ext").write_text(ext)
    _openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
             "-sha256", "-days", "3650", "-extfile", name + ".ext", "-out", name + ".crt", cwd=d)
    Path(d, name + "-chain.crt").write_text(Path(d, name + ".crt").read_text() + Path(d, ca + ".crt").read_text())


def kubeconfig_text(server, ca_pem, cert_pem=None, key_pem=None, token=None):
    """The layout k3s writes to /etc/rancher/k3s/k3s.yaml (kube-api.md §6); *-data fields are base64 PEM."""
    def b64(s):
        return base64.b64encode(s.encode()).decode()
    user = ("    client-certificate-data: %s\n    client-key-data: %s\n" % (b64(cert_pem), b64(key_pem))
            if cert_pem else "") + ("    token: %s\n" % token if token else "")
    return ("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n    server: %s\n"
            "  name: default\ncontexts:\n- context:\n    cluster: default\n    user: default\n  name: default\n"
            "current-context: default\nkind: Config\npreferences: {}\nusers:\n- name: default\n  user:\n%s"
            % (b64(ca_pem), server, user or "    {}\n"))


class KubeEmu:
    def __init__(self, workdir, tokens=(), token_file=None, helm_crd=True, crd_establish_delay=0.0,
                 namespace_delete_delay=0.5, extra_args=()):
        self.dir = Path(workdir)
        self.args = []
        for t in tokens:
            self.args += ["--token", t]
        if token_file:
            self.args += ["--token-file", str(token_file)]
        if not helm_crd:
            self.args.append("--no-helm-crd")
        self.args += ["--crd-establish-delay", str(crd_establish_delay),
                      "--namespace-delete-delay", str(namespace_delete_delay)] + list(extra_args)
        self.proc = None
        self.port = None

    # ---- lifecycle -----------------------------------------------------------------------------------------
    def make_certs(self):
        d = self.dir
        d.mkdir(parents=True, exist_ok=True)
        t = int(time.time())
        make_ca(d, "server-ca", "k3s-server-ca@%d" % t)
        make_ca(d, "client-ca", "k3s-client-ca@%d" % t)
        make_leaf(d, "server", "server-ca", "/O=k3s/CN=k3s", "serverAuth", SANS)
        make_leaf(d, "admin", "client-ca", "/O=system:masters/CN=system:admin", "clientAuth")
        self.ca_file = d / "server-ca.crt"
        self.client_cert_file = d / "admin-chain.crt"      # leaf + client CA, as in k3s's client-admin.crt
        self.client_key_file = d / "admin.key"             # SEC1 "BEGIN EC PRIVATE KEY"

    def make_client_cert(self, name, cn, org=None, ca="client-ca"):
        """Another client identity (e.g. a user without system:masters, or a cert from an untrusted CA)."""
        subj = ("/O=%s" % org if org else "") + "/CN=%s" % cn
        make_leaf(self.dir, name, ca, subj, "clientAuth")
        return self.dir / (name + "-chain.crt"), self.dir / (name + ".key")

    def start(self):
        self.make_certs()
        for f in ("port", "pid"):
            (self.dir / f).unlink(missing_ok=True)
        self.stderr = open(self.dir / "emulator.stderr", "w")
        self.proc = subprocess.Popen([sys.executable, str(EMULATOR), "--dir", str(self.dir)] + self.args,
                                     stdout=self.stderr, stderr=subprocess.STDOUT)
        try:
            self.port = int(pntest.wait_for_file(self.dir / "port", proc=self.proc))
        except BaseException:
            self.stop()
            raise
        self.url = "https://127.0.0.1:%d" % self.port
        self.kubeconfig = self.dir / "k3s.yaml"
        self.write_kubeconfig(self.kubeconfig)
        return self

    def write_kubeconfig(self, path, host="127.0.0.1", token=None, cert=True):
        """A kubeconfig for this emulator; host="localhost" suits TLS stacks without IP SAN matching."""
        text = kubeconfig_text("https://%s:%d" % (host, self.port), self.ca_file.read_text(),
                               self.client_cert_file.read_text() if cert else None,
                               self.client_key_file.read_text() if cert else None, token)
        path = Path(path)
        path.write_text(text)
        os.chmod(path, 0o600)
        return path

    def stop(self):
        """SIGTERM by PID (then SIGKILL after pntest.PEER_STOP_TIMEOUT). Safe to call twice."""
        if self.proc is not None:
            pntest.stop_pid(self.proc.pid)
            self.proc.wait(timeout=5)
            self.proc = None
            self.stderr.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- HTTP ----------------------------------------------------------------------------------------------
    def ssl_context(self, cert=True, cert_file=None, key_file=None):
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        if cert:
            ctx.load_cert_chain(str(cert_file or self.client_cert_file), str(key_file or self.client_key_file))
        return ctx

    def connect(self, cert=True, timeout=10, **kw):
        """A keep-alive HTTPS connection (http.client) to the emulator, by default as system:admin."""
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ssl_context(cert, **kw),
                                           timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None, cert=True):
        """One request; body may be a dict/list (sent as JSON). Returns (status, headers dict, parsed body):
        JSON bodies are decoded, anything else is returned as text."""
        own = conn is None
        conn = conn or self.connect(cert)
        h = {"Accept": "application/json"}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            if own:
                conn.close()
        text = data.decode("utf-8", "replace")
        if hdrs.get("content-type", "").startswith("application/json"):
            try:
                return r.status, hdrs, json.loads(text)
            except ValueError:
                pass
        return r.status, hdrs, text

    def apply(self, path, obj, manager="test", force=False, dry_run=False, **kw):
        """Server-side apply (PATCH application/apply-patch+yaml with a JSON body), as pinion does it."""
        q = "?fieldManager=%s&force=%s" % (manager, "true" if force else "false") + ("&dryRun=All" if dry_run else "")
        return self.request("PATCH", path + q, json.dumps(obj), {"Content-Type": "application/apply-patch+yaml"},
                            **kw)

    def control(self, method, what, body=None):
        st, _, b = self.request(method, "/_emu/" + what, body)
        if st != 200:
            raise AssertionError("/_emu/%s: %s %s" % (what, st, b))
        return b

    # ---- test controls -------------------------------------------------------------------------------------
    def set_status(self, api_version, kind, name, status, namespace=None, manager="k3s", replace=False,
                   metadata=None):
        """Merge (or replace) .status of an object, like a controller would (Update, subresource status)."""
        body = {"apiVersion": api_version, "kind": kind, "name": name, "namespace": namespace, "status": status,
                "manager": manager, "replace": replace}
        if metadata is not None:
            body["metadata"] = metadata
        return self.control("POST", "status", body)

    def fault(self, method, path, action, count=1, retry_after=None, seconds=None, message=None):
        """The next `count` requests with this method ("*" = any) and path prefix get `action`: an HTTP status
        code ("429", "500", "503", ...; a Status body, Retry-After when given or for 429), "hang" (no answer for
        `seconds`, then close), "close" (connection closed without an answer) or "truncate" (a 200 whose body
        stops half-way: the connection drops mid-response; the request is not carried out)."""
        f = {"method": method, "path": path, "action": str(action), "count": count}
        for k, v in (("retryAfter", retry_after), ("seconds", seconds), ("message", message)):
            if v is not None:
                f[k] = v
        return self.control("POST", "faults", f)

    def clear_faults(self):
        return self.control("DELETE", "faults")

    def compact(self):
        """Forget all history: older resourceVersions give 410 Expired to watch / continue."""
        return self.control("POST", "compact", {})

    def configure(self, **kw):
        """crdEstablishDelay=seconds, namespaceDeleteDelay=seconds."""
        return self.control("POST", "config", kw)

    def requests(self, since=0):
        """The request log (DIR/requests.jsonl) as a list of dicts; `since` = number of entries to skip."""
        p = self.dir / "requests.jsonl"
        if not p.exists():
            return []
        return [json.loads(l) for l in p.read_text().splitlines()[since:] if l.strip()]

    def mark(self):
        """The current length of the request log, to pass to requests(since=...)."""
        return len(self.requests())

    def copy_kubeconfig(self, dest):
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.kubeconfig, dest)
        return dest
