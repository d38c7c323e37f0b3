#!/usr/bin/env python3
"""fwd_proxy: a forwarding HTTP proxy for pinion's proxy tests (Python 3 standard library only).

    python3 tests/lib/fwd_proxy.py --dir D [--map NAME=ADDR ...] [--user U --password-file F]

- CONNECT host:port (the tunnel for https:// origins): answered "200 Connection established", then bytes are
  relayed both ways until either side closes.
- Absolute-form requests (GET http://host:port/path HTTP/1.1, for http:// origins): forwarded in origin form
  without Proxy-Authorization, over one upstream connection per client connection (keep-alive both ways);
  responses need Content-Length (git_http.py and the redirect server send it) or end at the close.
- The proxy resolves names itself: --map git.pinion.test=127.0.0.1 lets a test address a loopback server by a
  name that is not loopback (pinion never proxies localhost or 127.0.0.0/8). Only mapped names, localhost and
  IP literals are reached; anything else is answered 502, so a test never touches the network.
- --user/--password-file: requests without the right Proxy-Authorization: Basic are answered 407 with
  Proxy-Authenticate.
- D/requests.log: one line per request, "<connection number> <request line> auth=<none|ok|bad>" (never the
  credentials). Binds 127.0.0.1 port 0, writes D/port atomically once listening, stops on SIGTERM.
"""
import argparse
import base64
import os
import select
import signal
import socket
import sys
import threading

HEAD_MAX = 65536
IDLE_TIMEOUT = 60
RELAY_CHUNK = 65536


class Reader:
    """Buffered reads from a socket: lines and exact byte counts."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        d = self.sock.recv(RELAY_CHUNK)
        if not d:
            return False
        self.buf += d
        return True

    def head(self):
        """The request or response head up to the blank line, as a list of str lines; None at EOF."""
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > HEAD_MAX or not self.fill():
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode("latin-1").split("\r\n")

    def exact(self, n):
        while len(self.buf) < n:
            if not self.fill():
                raise ConnectionError("short body")
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def rest(self):
        while self.fill():
            pass
        data, self.buf = self.buf, b""
        return data


def header(lines, name):
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == name:
            return v.strip()
    return None


class Proxy:
    def __init__(self, args):
        self.dir = args.dir
        self.map = dict(m.split("=", 1) for m in args.map)
        self.cred = None
        if args.user:
            with open(args.password_file) as f:
                pw = f.readline().rstrip("\r\n")
            self.cred = base64.b64encode(("%s:%s" % (args.user, pw)).encode()).decode()
        self.lock = threading.Lock()
        self.log_path = os.path.join(self.dir, "requests.log")

    def log(self, conn_id, line, auth):
        with self.lock, open(self.log_path, "a") as f:
            f.write("%d %s auth=%s\n" % (conn_id, line, auth))

    def auth(self, lines):
        v = header(lines, "proxy-authorization")
        if v is None:
            return "none"
        scheme, _, cred = v.partition(" ")
        return "ok" if self.cred and scheme.lower() == "basic" and cred.strip() == self.cred else "bad"

    def address(self, hostport):
        host, _, port = hostport.rpartition(":")
        host = host.strip("[]")
        if host in self.map:
            host = self.map[host]
        elif host != "localhost":
            try:
                socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
            except OSError:
                return None
        return host, int(port)

    @staticmethod
    def answer(sock, status, reason, headers=(), body=b""):
        h = ["HTTP/1.1 %d %s" % (status, reason), "Content-Length: %d" % len(body)]
        h += ["%s: %s" % kv for kv in headers]
        sock.sendall(("\r\n".join(h) + "\r\n\r\n").encode() + body)

    def serve(self, sock, conn_id):
        r = Reader(sock)
        up = upkey = upr = None
        try:
            while True:
                lines = r.head()
                if lines is None:
                    return
                method, target, _ = lines[0].split(" ", 2)
                auth = self.auth(lines)
                self.log(conn_id, lines[0], auth)
                clen = int(header(lines, "content-length") or "0")
                body = r.exact(clen) if method != "CONNECT" else b""
                if self.cred and auth != "ok":
                    self.answer(sock, 407, "Proxy Authentication Required",
                                [("Proxy-Authenticate", 'Basic realm="pinion-test-proxy"')],
                                b"proxy authentication required\n")
                    if method == "CONNECT":
                        return
                    continue
                if method == "CONNECT":
                    addr = self.address(target)
                    try:
                        if addr is None:
                            raise OSError("unknown host")
                        up = socket.create_connection(addr, timeout=IDLE_TIMEOUT)
                    except OSError:
                        self.answer(sock, 502, "Bad Gateway", body=b"cannot reach %s\n" % target.encode())
                        return
                    sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    if r.buf:
                        up.sendall(r.buf)
                    self.relay(sock, up)
                    return
                if not target.startswith("http://"):
                    self.answer(sock, 400, "Bad Request", body=b"absolute-form or CONNECT only\n")
                    return
                hostport, _, path = target[len("http://"):].partition("/")
                if ":" not in hostport.rpartition("]")[2]:
                    hostport += ":80"
                addr = self.address(hostport)
                if addr is None:
                    self.answer(sock, 502, "Bad Gateway", body=b"unknown host\n")
                    return
                if upkey != addr:
                    if up is not None:
                        up.close()
                    up = socket.create_connection(addr, timeout=IDLE_TIMEOUT)
                    upkey, upr = addr, Reader(up)
                fwd = ["%s /%s HTTP/1.1" % (method, path)]
                fwd += [l for l in lines[1:] if l.partition(":")[0].strip().lower()
                        not in ("proxy-authorization", "proxy-connection")]
                up.sendall(("\r\n".join(fwd) + "\r\n\r\n").encode("latin-1") + body)
                resp = upr.head()
                if resp is None:
                    self.answer(sock, 502, "Bad Gateway", body=b"upstream closed\n")
                    return
                n = header(resp, "content-length")
                data = upr.exact(int(n)) if n is not None else upr.rest()
                sock.sendall(("\r\n".join(resp) + "\r\n\r\n").encode("latin-1") + data)
                if n is None:
                    return
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            for s in (sock, up):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    @staticmethod
    def relay(a, b):
        socks = [a, b]
        while True:
            ready, _, _ = select.select(socks, [], [], IDLE_TIMEOUT)
            if not ready:
                return
            for s in ready:
                d = s.recv(RELAY_CHUNK)
                if not d:
                    return
                (b if s is a else a).sendall(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--map", action="append", default=[])
    ap.add_argument("--user")
    ap.add_argument("--password-file")
    a = ap.parse_args()
    p = Proxy(a)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(32)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    tmp = os.path.join(a.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.replace(tmp, os.path.join(a.dir, "port"))
    n = 0
    while True:
        s, _ = ls.accept()
        n += 1
        s.settimeout(IDLE_TIMEOUT)
        threading.Thread(target=p.serve, args=(s, n), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
