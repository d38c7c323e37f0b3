#!/usr/bin/env python3
"""git_http: a small CGI host for `git http-backend` (pinion's real-git HTTP test peer).

    python3 tests/peers/git_http.py --dir D --root REPOS [--tls-cert C --tls-key K]
                                    [--user U --password-file F] [--bearer-file F]

- HTTP/1.1 with keep-alive on ThreadingHTTPServer; every response carries Content-Length.
- Every request header reaches http-backend as HTTP_<NAME> (so Git-Protocol works and v2 is negotiated; so does
  Content-Encoding for gzip'd bodies). Chunked request bodies are de-chunked; CONTENT_LENGTH is the decoded size.
- The CGI `Status:` header sets the response status (default 200).
- Optional TLS (--tls-cert/--tls-key), optional basic auth (--user + --password-file, first line of the file),
  optional bearer token (--bearer-file, first line). With both, either one is accepted. Failure: 401 with
  `WWW-Authenticate: Basic realm="git"` (and/or `Bearer realm="git"`).
- Binds 127.0.0.1 port 0, then writes D/port and D/pid (atomically) once listening. SIGTERM/SIGINT stop it.
- D/requests.jsonl: one JSON object per request: method, path, query, version, headers (all but the secret ones),
  auth (the Authorization scheme only, never the credentials), auth_ok, user, status, req_bytes (decoded body),
  req_chunked, resp_bytes (payload), conn (connection number), conn_req (request number on that connection), tls.
- D/http-backend.log: http-backend's stderr; D/server.log: connection-level errors (failed TLS handshakes etc.).

Python 3 standard library only.
"""
import argparse
import base64
import hmac
import itertools
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie"}
MAX_BODY = 512 * 1024 * 1024  # refuse absurd bodies rather than exhausting memory
IDLE_TIMEOUT = 60             # seconds a keep-alive connection may sit idle
BACKEND_TIMEOUT = 300


def first_line(path):
    with open(path, "r") as f:
        return f.readline().rstrip("\r\n")


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class Config:
    pass


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pinion-git-http/1"
    sys_version = ""
    timeout = IDLE_TIMEOUT

    # -- connection setup: the TLS handshake runs here, in the connection's own thread --------------------------
    def setup(self):
        self.conn_id = next(self.server.conn_counter)
        self.conn_req = 0
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(IDLE_TIMEOUT)
            self.request.do_handshake()
        super().setup()

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    # -- body ----------------------------------------------------------------------------------------------------
    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te:
            codings = [c.strip().lower() for c in te.split(",") if c.strip()]
            if codings != ["chunked"]:
                raise BadRequest("unsupported Transfer-Encoding %r" % te)
            return self.read_chunked(), True
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b"", False
        if not cl.strip().isdigit():
            raise BadRequest("bad Content-Length %r" % cl)
        n = int(cl)
        if n > MAX_BODY:
            raise BadRequest("body too large")
        body = self.rfile.read(n)
        if len(body) != n:
            raise BadRequest("short body")
        return body, False

    def read_chunked(self):
        parts = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise BadRequest("bad chunk size line")
            size_s = line.split(b";", 1)[0].strip()
            try:
                size = int(size_s, 16)
            except ValueError:
                raise BadRequest("bad chunk size %r" % size_s)
            if size < 0:
                raise BadRequest("bad chunk size")
            if size == 0:
                while True:  # trailers, up to the blank line
                    t = self.rfile.readline(8192)
                    if not t:
                        raise BadRequest("truncated trailers")
                    if t in (b"\r\n", b"\n"):
                        return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise BadRequest("body too large")
            data = self.rfile.read(size)
            if len(data) != size:
                raise BadRequest("short chunk")
            parts.append(data)
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadRequest("missing CRLF after chunk")

    # -- auth ----------------------------------------------------------------------------------------------------
    def check_auth(self):
        """Returns (scheme, ok, user)."""
        cfg = self.server.cfg
        hdr = self.headers.get("Authorization")
        scheme = hdr.split(None, 1)[0] if hdr and hdr.split() else None
        if not cfg.user and not cfg.bearer:
            return scheme, True, None
        if not hdr:
            return None, False, None
        parts = hdr.split(None, 1)
        cred = parts[1].strip() if len(parts) == 2 else ""
        if parts[0].lower() == "basic" and cfg.user:
            try:
                raw = base64.b64decode(cred, validate=True).decode("utf-8")
            except Exception:
                return scheme, False, None
            user, sep, password = raw.partition(":")
            ok = bool(sep) and hmac.compare_digest(user.encode(), cfg.user.encode()) \
                and hmac.compare_digest(password.encode(), cfg.password.encode())
            return scheme, ok, (user if ok else None)
        if parts[0].lower() == "bearer" and cfg.bearer:
            ok = hmac.compare_digest(cred.encode(), cfg.bearer.encode())
            return scheme, ok, None
        return scheme, False, None

    # -- responses -----------------------------------------------------------------------------------------------
    def send_payload(self, code, reason, headers, payload):
        self.send_response(code, reason)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)
        self.wfile.flush()

    def handle_one_request(self):
        # BaseHTTPRequestHandler reads the request line and headers, then calls do_<METHOD>.
        try:
            super().handle_one_request()
        except (ConnectionError, socket.timeout, ssl.SSLError):
            self.close_connection = True

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def do_HEAD(self):
        self.serve()

    def serve(self):
        self.conn_req += 1
        rec = {
            "t": round(time.time(), 3),
            "method": self.command,
            "path": urllib.parse.urlsplit(self.path).path,
            "query": urllib.parse.urlsplit(self.path).query,
            "version": self.request_version,
            "headers": {k: v for k, v in self.headers.items() if k.lower() not in SECRET_HEADERS},
            "header_names": [k for k in self.headers.keys()],
            "conn": self.conn_id,
            "conn_req": self.conn_req,
            "tls": self.server.cfg.tls,
        }
        status = 500
        resp_bytes = 0
        try:
            try:
                body, chunked = self.read_body()
            except BadRequest as e:
                rec["error"] = str(e)
                status = 400
                self.close_connection = True
                payload = ("bad request: %s\n" % e).encode()
                resp_bytes = len(payload)
                self.send_payload(400, None, [("Content-Type", "text/plain"), ("Connection", "close")], payload)
                return
            rec["req_bytes"] = len(body)
            rec["req_chunked"] = chunked
            scheme, ok, user = self.check_auth()
            rec["auth"] = scheme
            rec["auth_ok"] = ok
            rec["user"] = user
            if not ok:
                status = 401
                hdrs = [("Content-Type", "text/plain")]
                if self.server.cfg.user:
                    hdrs.append(("WWW-Authenticate", 'Basic realm="git"'))
                if self.server.cfg.bearer:
                    hdrs.append(("WWW-Authenticate", 'Bearer realm="git"'))
                payload = b"authentication required\n"
                resp_bytes = len(payload)
                self.send_payload(401, None, hdrs, payload)
                return
            status, reason, hdrs, payload = self.run_backend(body, user, scheme if ok else None)
            resp_bytes = len(payload)
            self.send_payload(status, reason, hdrs, payload)
        finally:
            rec["status"] = status
            rec["resp_bytes"] = resp_bytes
            self.server.log_request_record(rec)

    def run_backend(self, body, user, scheme):
        cfg = self.server.cfg
        split = urllib.parse.urlsplit(self.path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": cfg.home,
            "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C",
            "GIT_PROJECT_ROOT": cfg.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": self.request_version,
            "SERVER_SOFTWARE": self.server_version,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": str(self.client_address[1]),
            "REQUEST_METHOD": self.command,
            "REQUEST_URI": self.path,
            "SCRIPT_NAME": "",
            "PATH_INFO": urllib.parse.unquote(split.path),
            "QUERY_STRING": split.query,
        }
        if cfg.tls:
            env["HTTPS"] = "on"
        if user:
            env["REMOTE_USER"] = user
        if scheme:
            env["AUTH_TYPE"] = scheme
        ctype = self.headers.get("Content-Type")
        if ctype is not None:
            env["CONTENT_TYPE"] = ctype
        if body or self.command == "POST" or "Content-Length" in self.headers:
            env["CONTENT_LENGTH"] = str(len(body))
        for k in self.headers.keys():
            lk = k.lower()
            if lk in ("content-type", "content-length"):
                continue
            name = "HTTP_" + k.upper().replace("-", "_")
            vals = self.headers.get_all(k)
            env[name] = ", ".join(vals)
        with open(cfg.backend_log, "ab") as errf:
            p = subprocess.run(["git", "http-backend"], input=body, stdout=subprocess.PIPE, stderr=errf,
                               env=env, timeout=BACKEND_TIMEOUT)
        out = p.stdout
        i_crlf = out.find(b"\r\n\r\n")
        i_lf = out.find(b"\n\n")
        cands = [(i, 4) for i in (i_crlf,) if i >= 0] + [(i, 2) for i in (i_lf,) if i >= 0]
        if not cands:
            return 500, None, [("Content-Type", "text/plain")], \
                ("http-backend gave no headers (exit %d)\n" % p.returncode).encode()
        idx, sep = min(cands)
        head, payload = out[:idx], out[idx + sep:]
        status, reason, hdrs = 200, None, []
        for line in head.decode("latin-1").splitlines():
            if not line.strip():
                continue
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k.lower() == "status":
                code, _, why = v.partition(" ")
                status, reason = int(code), (why or None)
            elif k.lower() in ("content-length", "transfer-encoding", "connection"):
                continue
            else:
                hdrs.append((k, v))
        return status, reason, hdrs, payload


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, cfg, sslctx):
        self.cfg = cfg
        self.sslctx = sslctx
        self.conn_counter = itertools.count(1)
        self.log_lock = threading.Lock()
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.sslctx is not None:
            # Handshake later, in the connection's thread (Handler.setup), so a stuck client cannot block accept.
            sock = self.sslctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        with self.log_lock, open(self.cfg.server_log, "a") as f:
            f.write("%.3f %s %s: %r\n" % (time.time(), client_address, type(exc).__name__, exc))

    def log_request_record(self, rec):
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.log_lock, open(self.cfg.request_log, "a") as f:
            f.write(line)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="state directory: port, pid, requests.jsonl, logs")
    ap.add_argument("--root", required=True, help="GIT_PROJECT_ROOT: the directory of bare repos")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--user")
    ap.add_argument("--password-file")
    ap.add_argument("--bearer-file")
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args(argv)

    if bool(a.tls_cert) != bool(a.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if bool(a.user) != bool(a.password_file):
        ap.error("--user and --password-file go together")

    d = os.path.abspath(a.dir)
    os.makedirs(d, exist_ok=True)
    cfg = Config()
    cfg.root = os.path.abspath(a.root)
    cfg.home = os.path.join(d, "home")
    os.makedirs(cfg.home, exist_ok=True)
    cfg.request_log = os.path.join(d, "requests.jsonl")
    cfg.backend_log = os.path.join(d, "http-backend.log")
    cfg.server_log = os.path.join(d, "server.log")
    cfg.user = a.user
    cfg.password = first_line(a.password_file) if a.password_file else None
    cfg.bearer = first_line(a.bearer_file) if a.bearer_file else None
    cfg.tls = bool(a.tls_cert)

    sslctx = None
    if cfg.tls:
        sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sslctx.load_cert_chain(a.tls_cert, a.tls_key)

    srv = Server((a.host, 0), cfg, sslctx)
    port = srv.server_address[1]

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()
    write_atomic(os.path.join(d, "port"), "%d\n" % port)
    write_atomic(os.path.join(d, "pid"), "%d\n" % os.getpid())
    while not stop.wait(1.0):
        pass
    srv.shutdown()
    srv.server_close()
    try:
        os.unlink(os.path.join(d, "pid"))
    except FileNotFoundError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
