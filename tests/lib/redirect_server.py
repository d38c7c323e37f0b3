#!/usr/bin/env python3
"""redirect_server: an HTTP/1.1 server in front of a real git peer that redirects, for pinion's redirect tests
(Python 3 standard library only).

    python3 tests/lib/redirect_server.py --dir D --upstream http://127.0.0.1:PORT

The first path segment picks the behaviour; X is the rest of the path with the query:
  /fwd/X      forwarded to the upstream as /X (Authorization included), the answer relayed
  /sNNN/X     NNN (301, 302, 303, 307, 308) to "/fwd/X" (an absolute path)
  /abs/X      302 to "http://<Host>/fwd/X" (an absolute URL)
  /rel/X      302 to "../../fwd/X"-style relative path, resolved against the request's directory
  /hop/N/X    302 to /hop/N-1/X while N > 0; /hop/0/X is forwarded as /X (N redirects in all)
  /cross/X    302 to "http://localhost:<port>/fwd/X" (another host name: credentials must not follow)
  /scheme/X   301 to "https://<Host>/fwd/X" (another scheme)
  /post/X     GET forwarded as /X; POST 307 to "/fwd/X" (a redirected POST)
  /suffix/X   302 to "/fwd/<X without /info/refs?...>" (a Location that does not end as asked)
  /noloc/X    302 without Location
Keep-alive; every answer has Content-Length. Binds 127.0.0.1 port 0, writes D/port once listening; stops on
SIGTERM. D/requests.log: "<connection number> <METHOD> <path?query> auth=<yes|no>" per request.
"""
import argparse
import http.client
import itertools
import os
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--upstream", required=True)
a = ap.parse_args()
UP = urllib.parse.urlsplit(a.upstream)
LOG = os.path.join(a.dir, "requests.log")
lock = threading.Lock()
conns = itertools.count(1)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60

    def setup(self):
        self.conn_id = next(conns)
        super().setup()

    def log_message(self, *args):
        pass

    def reply(self, status, headers=(), body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, status, location):
        self.reply(status, [("Location", location)] if location is not None else [], b"moved\n")

    def forward(self, path, body):
        c = http.client.HTTPConnection(UP.hostname, UP.port, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
        c.request(self.command, path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        self.reply(r.status, [(k, v) for k, v in r.getheaders()
                              if k.lower() not in ("content-length", "transfer-encoding", "connection")], data)
        c.close()

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock, open(LOG, "a") as f:
            f.write("%d %s %s auth=%s\n" % (self.conn_id, self.command, self.path,
                                            "yes" if self.headers.get("Authorization") else "no"))
        kind, _, rest = self.path[1:].partition("/")
        host = self.headers.get("Host", "127.0.0.1:%d" % self.server.server_address[1])
        if kind == "fwd":
            self.forward("/" + rest, body)
        elif kind[:1] == "s" and kind[1:].isdigit():
            self.redirect(int(kind[1:]), "/fwd/" + rest)
        elif kind == "abs":
            self.redirect(302, "http://%s/fwd/%s" % (host, rest))
        elif kind == "rel":
            depth = self.path.split("?", 1)[0].count("/") - 1
            self.redirect(302, "../" * depth + "fwd/" + rest)
        elif kind == "hop":
            n, _, x = rest.partition("/")
            if int(n) > 0:
                self.redirect(302, "/hop/%d/%s" % (int(n) - 1, x))
            else:
                self.forward("/" + x, body)
        elif kind == "cross":
            self.redirect(302, "http://localhost:%d/fwd/%s" % (self.server.server_address[1], rest))
        elif kind == "scheme":
            self.redirect(301, "https://%s/fwd/%s" % (host, rest))
        elif kind == "post":
            if self.command == "POST":
                self.redirect(307, "/fwd/" + rest)
            else:
                self.forward("/" + rest, body)
        elif kind == "suffix":
            self.redirect(302, "/fwd/" + rest.split("/info/refs", 1)[0] + "/")
        elif kind == "noloc":
            self.redirect(302, None)
        else:
            self.reply(404, body=b"no such behaviour\n")

    do_GET = handle_any
    do_POST = handle_any


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
tmp = os.path.join(a.dir, "port.tmp")
with open(tmp, "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.replace(tmp, os.path.join(a.dir, "port"))
srv.serve_forever()
