#!/usr/bin/env python3
"""A test-only HTTP proxy in front of a real git http-backend that corrupts the pack of every v2 `fetch`
response: it re-frames the pkt-lines, finds the side-band-1 pack bytes and flips one byte at --offset of the
pack stream (so zlib or the SHA-1 check must catch it). Everything else passes through unchanged.

    corrupt_proxy.py --dir D --upstream http://127.0.0.1:PORT [--offset N]
Writes D/port once listening on 127.0.0.1 (port 0); stops on SIGTERM.
"""
import argparse
import http.client
import http.server
import os
import signal
import urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--upstream", required=True)
ap.add_argument("--offset", type=int, default=40)
a = ap.parse_args()
up = urllib.parse.urlsplit(a.upstream)


def corrupt(body, offset):
    out, i, seen, in_pack = bytearray(), 0, 0, False
    while i + 4 <= len(body):
        n = int(body[i:i + 4], 16)
        if n < 4:
            out += body[i:i + 4]
            i += 4
            continue
        pkt = bytearray(body[i:i + n])
        if pkt[4:] == b"packfile\n":
            in_pack = True
        elif in_pack and pkt[4] == 1:
            data_start = 5
            if seen <= offset < seen + (n - data_start):
                pkt[data_start + offset - seen] ^= 0xFF
            seen += n - data_start
        out += pkt
        i += n
    return bytes(out + body[i:])


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else None
        c = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        if self.command == "POST" and body and b"command=fetch" in body:
            data = corrupt(data, a.offset)
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        c.close()

    do_GET = relay
    do_POST = relay


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
tmp = os.path.join(a.dir, "port.tmp")
with open(tmp, "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(tmp, os.path.join(a.dir, "port"))
srv.serve_forever()
