#!/usr/bin/env python3
"""kube_fixture: the API emulator for C unit tests (tests/unit/ssa_test.c), started like tls_server.py.

    python3 tests/lib/kube_fixture.py --dir D [--crd-establish-delay S]

Starts KubeEmu in D/emu (k3s-shaped certificates, admin Bearer token TOKEN) and writes kubeconfigs for it:
    D/k3s.yaml        what k3s writes: inline base64 CA, client certificate chain and SEC1 key, server 127.0.0.1
    D/files.yaml      the same credentials as files, named relative to D (certificate-authority, client-*)
    D/token.yaml      inline CA, Bearer token only (no client certificate)
    D/badtoken.yaml   inline CA, a token the emulator does not know
then writes D/port last (atomically), so a reader that sees it finds everything else in place. Stops the emulator
and exits on SIGTERM/SIGINT.
"""
import argparse
import os
import signal
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "peers"))
from kubeemu import KubeEmu  # noqa: E402

TOKEN = "pinion-test-token"


def files_kubeconfig(k, d):
    """certificate-authority / client-certificate / client-key as paths relative to the kubeconfig's folder."""
    rel = os.path.relpath
    return ("apiVersion: v1\nkind: Config\ncurrent-context: files\n"
            "clusters:\n- name: emu\n  cluster:\n    server: https://127.0.0.1:%d\n"
            "    certificate-authority: %s\n"
            "contexts:\n- name: files\n  context: {cluster: emu, user: admin}\n"
            "users:\n- name: admin\n  user:\n    client-certificate: %s\n    client-key: %s\n"
            % (k.port, rel(k.ca_file, d), rel(k.client_cert_file, d), rel(k.client_key_file, d)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--crd-establish-delay", type=float, default=0.0)
    o = ap.parse_args()
    d = Path(o.dir).resolve()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())

    k = KubeEmu(d / "emu", tokens=[TOKEN], crd_establish_delay=o.crd_establish_delay).start()
    try:
        k.copy_kubeconfig(d / "k3s.yaml")
        (d / "files.yaml").write_text(files_kubeconfig(k, d))
        k.write_kubeconfig(d / "token.yaml", token=TOKEN, cert=False)
        k.write_kubeconfig(d / "badtoken.yaml", token="not-" + TOKEN, cert=False)
        tmp = d / "port.tmp"
        tmp.write_text("%d\n" % k.port)
        os.replace(tmp, d / "port")
        print("kube_fixture: emulator on port %d" % k.port, flush=True)
        while not done.wait(0.2):
            if k.proc.poll() is not None:
                print("kube_fixture: the emulator exited (%s)" % k.proc.returncode, flush=True)
                return 1
    finally:
        k.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
