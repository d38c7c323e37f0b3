#!/usr/bin/env python3
"""http_server: a scripted HTTP/1.1 server for the unit tests of pinion's HTTP client (tests/unit/http_test.c).

    python3 tests/lib/http_server.py --dir D [--tls-cert C --tls-key K]

Binds 127.0.0.1 port 0, writes D/port once listening, stops on SIGTERM. Keep-alive connections; every response
carries X-Conn (connection number, from 1) and X-Req (request number on that connection). The path selects the
behaviour:

  /cl/N            N body bytes with Content-Length
  /chunked/N/S     N body bytes in chunks of S bytes, an extension on the first chunk, a trailer field
  /close/N         N body bytes, no length: Connection: close and the body ends at the close
  /idle-close/N    like /cl/N, then the server closes the connection without saying so (an idle timeout)
  /hang            reads the request, never answers
  /trickle         Content-Length 1000000, then one byte every 20 ms (never finishes in a test's time)
  /echo            the request line, headers and body back (Content-Length)
  /status/C        status C, a short text body
  /raw/HEX         the bytes HEX verbatim, then close

As a proxy (tests of pinion's proxy support): an absolute-form target (GET http://host/path) is served like its
path (/echo shows the absolute target); CONNECT answers by the host asked for: deny.test 407 with
Proxy-Authenticate, bighead.test 200 with a 20 KiB header, early.test 200 followed at once by stray bytes, any
other 502. A CONNECT never opens a tunnel here.

Body bytes are `ALPHABET[i % 16]`, so a test can check them without a copy. Standard library only.
"""
import argparse
import os
import signal
import socket
import ssl
import sys
import threading
import time

ALPHABET = b"0123456789abcdef"
IDLE_TIMEOUT = 30
HEAD_MAX = 65536


def body_bytes(n):
    return (ALPHABET * (n // 16 + 1))[:n]


class Conn:
    def __init__(self, sock, conn_id):
        self.sock = sock
        self.id = conn_id
        self.nreq = 0
        self.buf = b""

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > HEAD_MAX:
                return None
            d = self.sock.recv(65536)
            if not d:
                return None
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head

    def read_body(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise ConnectionError("short body")
            self.buf += d
        body, self.buf = self.buf[:n], self.buf[n:]
        return body

    def send(self, status, headers, body, reason="OK"):
        h = ["HTTP/1.1 %d %s" % (status, reason), "X-Conn: %d" % self.id, "X-Req: %d" % self.nreq]
        h += ["%s: %s" % kv for kv in headers]
        self.sock.sendall(("\r\n".join(h) + "\r\n\r\n").encode() + body)


def serve(conn):
    """Answer requests on one connection until it closes. Returns when the connection should be closed."""
    while True:
        head = conn.read_head()
        if head is None:
            return
        conn.nreq += 1
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        hdrs = [l.split(":", 1) for l in lines[1:]]
        clen = 0
        for k, v in hdrs:
            if k.strip().lower() == "content-length":
                clen = int(v.strip())
        body = conn.read_body(clen)
        if method == "CONNECT":
            connect(conn, target.rsplit(":", 1)[0])
            return
        path = "/" + target.split("/", 3)[3] if target.startswith("http://") else target
        parts = path.split("?", 1)[0].split("/")[1:]
        kind = parts[0] if parts else ""
        if kind == "cl":
            conn.send(200, [("Content-Length", str(int(parts[1])))], body_bytes(int(parts[1])))
        elif kind == "chunked":
            n, size = int(parts[1]), int(parts[2])
            data = body_bytes(n)
            out = []
            for i in range(0, n, size):
                piece = data[i:i + size]
                ext = ";first=\"yes\"" if i == 0 else ""
                out.append(b"%x%s\r\n%s\r\n" % (len(piece), ext.encode(), piece))
            out.append(b"0\r\nX-Trailer: done\r\n\r\n")
            conn.send(200, [("Transfer-Encoding", "chunked")], b"".join(out))
        elif kind == "close":
            conn.send(200, [("Connection", "close")], body_bytes(int(parts[1])))
            return
        elif kind == "idle-close":
            conn.send(200, [("Content-Length", str(int(parts[1])))], body_bytes(int(parts[1])))
            return
        elif kind == "hang":
            time.sleep(IDLE_TIMEOUT)
            return
        elif kind == "trickle":
            conn.send(200, [("Content-Length", "1000000")], b"")
            for _ in range(IDLE_TIMEOUT * 50):
                conn.sock.sendall(b"x")
                time.sleep(0.02)
            return
        elif kind == "echo":
            text = ("%s %s\n" % (method, target)).encode() + b"".join(
                ("%s:%s\n" % (k, v)).encode("latin-1") for k, v in hdrs) + b"\n" + body
            conn.send(200, [("Content-Length", str(len(text)))], text)
        elif kind == "status":
            text = b"status page\n"
            conn.send(int(parts[1]), [("Content-Length", str(len(text)))], text, reason="Whatever")
        elif kind == "raw":
            conn.sock.sendall(bytes.fromhex(parts[1]))
            return
        else:
            text = b"no such behaviour\n"
            conn.send(404, [("Content-Length", str(len(text)))], text, reason="Not Found")


def connect(conn, host):
    """A proxy's answers to CONNECT (see the module's doc)."""
    if host == "deny.test":
        text = b"proxy authentication required\n"
        conn.send(407, [("Proxy-Authenticate", 'Basic realm="test"'), ("Content-Length", str(len(text)))], text,
                  reason="Proxy Authentication Required")
    elif host == "bighead.test":
        conn.send(200, [("X-Big", "x" * 20000)], b"", reason="Connection established")
    elif host == "early.test":
        conn.sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\nstray")
    else:
        conn.send(502, [("Content-Length", "0")], b"", reason="Bad Gateway")


def handle(sock, conn_id, sslctx):
    try:
        sock.settimeout(IDLE_TIMEOUT)
        if sslctx is not None:
            sock = sslctx.wrap_socket(sock, server_side=True)
        serve(Conn(sock, conn_id))
    except (OSError, ValueError, ssl.SSLError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    a = ap.parse_args()
    sslctx = None
    if a.tls_cert:
        sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sslctx.load_cert_chain(a.tls_cert, a.tls_key)
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
        threading.Thread(target=handle, args=(s, n, sslctx), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
