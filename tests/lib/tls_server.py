#!/usr/bin/env python3
"""A TLS test server for pinion's TLS unit tests: accepts connections on 127.0.0.1 (port 0, written to
DIR/port), completes the handshake with the given protocol version, answers one line
"<version> <cipher> <client-cn or ->\n" and closes. Stops on SIGTERM.

    tls_server.py --dir D --cert C --key K [--tls 1.2|1.3] [--client-ca CA]
"""
import argparse
import os
import signal
import socket
import ssl
import sys
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--tls", choices=["1.2", "1.3", "any"], default="any")
ap.add_argument("--client-ca")
a = ap.parse_args()

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(a.cert, a.key)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
if a.tls == "1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
elif a.tls == "1.3":
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
if a.client_ca:
    ctx.load_verify_locations(a.client_ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL

ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


def serve(conn):
    try:
        with ctx.wrap_socket(conn, server_side=True) as s:
            peer = s.getpeercert()
            cn = "-"
            if peer:
                for rdn in peer.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            cn = v
            s.sendall(("%s %s %s\n" % (s.version(), s.cipher()[0], cn)).encode())
            try:
                s.unwrap()
            except (ssl.SSLError, OSError):
                pass
    except (ssl.SSLError, OSError):
        pass  # the client refused us: that is what the negative tests want


tmp = os.path.join(a.dir, "port.tmp")
with open(tmp, "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(tmp, os.path.join(a.dir, "port"))
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
