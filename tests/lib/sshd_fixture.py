#!/usr/bin/env python3
"""sshd_fixture: real OpenSSH servers with git-shell for the C unit test tests/unit/ssh_test.c, started like
kube_fixture.py.

    python3 tests/lib/sshd_fixture.py --dir D

Starts three GitSSHD peers (tests/peers/gitpeers.py) serving D/repos/small.git:
    main    host keys ecdsa + rsa + ed25519, AcceptEnv GIT_PROTOCOL (protocol v2)
    v0      the same host key types, no AcceptEnv (git falls back to protocol v0)
    edrsa   host keys ed25519 + rsa only, AcceptEnv GIT_PROTOCOL
Client keys in D/keys, authorized on all three, their .pub files moved away (renamed *.pub.authorized) so that
nothing can read them: client_<type>_<format> for ed25519 (openssh, pkcs8), ecdsa_p256 / ecdsa_p384 (openssh,
pkcs8, pem), ecdsa_p521 (openssh), rsa (openssh, pkcs8, pem); and `unauthorized` (ed25519), which no server
knows.
known_hosts variants in D/kh: main_all, main_ecdsa, main_rsa, main_ed25519, main_hashed (ssh-keygen -H),
main_changed (another ecdsa key), main_revoked (@revoked), main_noport (127.0.0.1 without [..]:port), empty,
v0_all, edrsa_all, edrsa_ed25519, edrsa_ecdsa (an ecdsa key the server does not have).
D/info has one `key value` line each: repos, port_main, port_v0, port_edrsa, fp_main_ecdsa, fp_main_rsa,
fp_edrsa_rsa, fp_other_ecdsa (SHA256 fingerprints as ssh-keygen -lf prints them). D/port (the main server's
port) is written last, atomically, so a reader that sees it finds everything else in place. Stops the servers
and exits on SIGTERM/SIGINT.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "peers"))
import gitpeers  # noqa: E402

CLIENT_KEYS = [("ed25519", "openssh"), ("ed25519", "pkcs8"),
               ("ecdsa-p256", "openssh"), ("ecdsa-p256", "pkcs8"), ("ecdsa-p256", "pem"),
               ("ecdsa-p384", "openssh"), ("ecdsa-p384", "pkcs8"), ("ecdsa-p384", "pem"),
               ("ecdsa-p521", "openssh"),
               ("rsa", "openssh"), ("rsa", "pkcs8"), ("rsa", "pem")]


def fingerprint(pub):
    """SHA256:... of a .pub file, from ssh-keygen -lf."""
    out = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(pub)], stdout=subprocess.PIPE, check=True,
                         timeout=60).stdout.decode()
    return out.split()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    o = ap.parse_args()
    d = Path(o.dir).resolve()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())

    repos = d / "repos"
    gitpeers.make_small_repo(repos)
    keys = [gitpeers.make_client_key(d / "keys", t, f) for t, f in CLIENT_KEYS]
    gitpeers.make_client_key(d / "keys", "ed25519", "openssh", name="unauthorized")
    other = gitpeers.make_client_key(d / "keys", "ecdsa-p256", "openssh", name="other_host_ecdsa")

    servers = {
        "main": gitpeers.GitSSHD(d / "main", repos, client_key=keys[0]),
        "v0": gitpeers.GitSSHD(d / "v0", repos, accept_env=False, client_key=keys[0]),
        "edrsa": gitpeers.GitSSHD(d / "edrsa", repos, host_keys=("ed25519", "rsa"), client_key=keys[0]),
    }
    started = []
    try:
        for s in servers.values():
            # one set of host keys for all three (key generation is most of the start-up time)
            if s is not servers["main"]:
                s.sshdir.mkdir(parents=True, exist_ok=True)
                for t in s.host_keys:
                    for suffix in ("", ".pub"):
                        shutil.copy(str(servers["main"].host_key_path(t)) + suffix, str(s.host_key_path(t)) + suffix)
            s.start()
            started.append(s)
            for k in keys[1:]:
                s.authorize(k)
        for k in keys:
            os.replace(k.pub, str(k.pub) + ".authorized")

        kh = d / "kh"
        kh.mkdir(exist_ok=True)
        main, v0, edrsa = servers["main"], servers["v0"], servers["edrsa"]
        main.write_known_hosts(kh / "main_all")
        main.write_known_hosts(kh / "main_ecdsa", types=("ecdsa",))
        main.write_known_hosts(kh / "main_rsa", types=("rsa",))
        main.write_known_hosts(kh / "main_ed25519", types=("ed25519",))
        shutil.copy(kh / "main_all", kh / "main_hashed")
        subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(kh / "main_hashed")], check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        other_pub = " ".join(Path(other.pub).read_text().split()[:2])
        (kh / "main_changed").write_text("[127.0.0.1]:%d %s\n" % (main.port, other_pub))
        (kh / "main_revoked").write_text("@revoked * %s\n[127.0.0.1]:%d %s\n"
                                         % (main.host_key_pub("ecdsa"), main.port, main.host_key_pub("ecdsa")))
        (kh / "main_noport").write_text("127.0.0.1 %s\n" % main.host_key_pub("ecdsa"))
        (kh / "empty").write_text("")
        v0.write_known_hosts(kh / "v0_all")
        edrsa.write_known_hosts(kh / "edrsa_all")
        edrsa.write_known_hosts(kh / "edrsa_ed25519", types=("ed25519",))
        (kh / "edrsa_ecdsa").write_text("[127.0.0.1]:%d %s\n" % (edrsa.port, other_pub))

        info = {
            "repos": repos,
            "port_main": main.port,
            "port_v0": v0.port,
            "port_edrsa": edrsa.port,
            "fp_main_ecdsa": fingerprint(str(main.host_key_path("ecdsa")) + ".pub"),
            "fp_main_rsa": fingerprint(str(main.host_key_path("rsa")) + ".pub"),
            "fp_edrsa_rsa": fingerprint(str(edrsa.host_key_path("rsa")) + ".pub"),
            "fp_other_ecdsa": fingerprint(other.pub),
        }
        (d / "info").write_text("".join("%s %s\n" % kv for kv in info.items()))
        tmp = d / "port.tmp"
        tmp.write_text("%d\n" % main.port)
        os.replace(tmp, d / "port")
        print("sshd_fixture: sshd on ports %d (v2), %d (v0), %d (ed25519+rsa)" % (main.port, v0.port, edrsa.port),
              flush=True)
        while not done.wait(0.2):
            for name, s in servers.items():
                if s.proc is not None and s.proc.poll() is not None:
                    print("sshd_fixture: sshd %s exited (%s)" % (name, s.proc.returncode), flush=True)
                    return 1
    finally:
        for s in started:
            s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
