#!/usr/bin/env python3
"""The API client's retries against the emulator's faults (kube-api.md, issue 7 "Client"): 503 twice then 200,
429 with Retry-After, a connection closed without an answer, a 4xx that is not retried, a budget that runs out,
and a kubeconfig that appears only after pinion started (k3s at boot). Each case checks the emulator's request
log, not only the exit code.

Runs with the binary in $PINION (the host build, then the static pinion-x86_64)."""
import os
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
import pntest  # noqa: E402
import gitpeers  # noqa: E402
import kubeemu  # noqa: E402

t = pntest.TAP("apply-retry")
W = pntest.workdir("apply-retry")
EX_RETRY = 75
EX_DATA = 65

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: default\ndata:\n  k: v\n"
repos = W / "repos"
gitpeers.make_bare_repo({"apps/a.yaml": CM % "retry-a"}, repos, "repo")
http = gitpeers.GitHTTP(W / "http", repos)
emu = kubeemu.KubeEmu(W / "kube")
http.start()
emu.start()
STATE = W / "state"
APPLY_PATH = "/api/v1/namespaces/default/configmaps/retry-a"


def sync(*extra, kubeconfig=None):
    return pntest.sync_once(http.url("repo"), STATE, kubeconfig or emu.kubeconfig, *extra)


def applies(since):
    return [r for r in emu.requests(since) if r.get("method") == "PATCH" and r.get("path", "").startswith(
        APPLY_PATH)]


try:
    @t.case("503 twice, then the apply goes through: three PATCHes, two retries logged")
    def _():
        mark = emu.mark()
        emu.fault("PATCH", APPLY_PATH, "503", count=2)
        p = sync()
        assert p.returncode == 0, p.stderr
        got = [r.get("status") for r in applies(mark)]
        assert got[:2] == [503, 503] and got[2] in (200, 201), got  # the dry-run, tried three times
        assert p.stderr.count("HTTP 503; retry") == 2, p.stderr

    @t.case("429 with Retry-After: 2 waits at least that long")
    def _():
        mark = emu.mark()
        emu.fault("PATCH", APPLY_PATH, "429", count=1, retry_after=2)
        start = time.monotonic()
        p = sync()
        took = time.monotonic() - start
        assert p.returncode == 0, p.stderr
        assert [r.get("status") for r in applies(mark)][:1] == [429], applies(mark)
        assert took >= 2.0, took
        assert "HTTP 429; retry 1 in 2.0 s" in p.stderr, p.stderr

    @t.case("a connection closed without an answer is tried again on a new one")
    def _():
        mark = emu.mark()
        emu.fault("PATCH", APPLY_PATH, "close", count=1)
        p = sync()
        assert p.returncode == 0, p.stderr
        assert len(applies(mark)) >= 2, applies(mark)

    @t.case("a connection dropped in the middle of a response is tried again, and the sync converges")
    def _():
        mark = emu.mark()
        emu.fault("GET", "/api/v1/namespaces/default/configmaps/retry-a", "truncate", count=2)
        p = sync()
        assert p.returncode == 0, p.stderr
        gets = [r for r in emu.requests(mark) if r.get("method") == "GET" and
                r["path"].startswith("/api/v1/namespaces/default/configmaps/retry-a")]
        assert [r.get("fault") for r in gets[:2]] == ["truncate", "truncate"], gets[:3]
        assert len(gets) >= 3, gets
        assert "retry 1" in p.stderr, p.stderr

    @t.case("a 422 is not retried: one PATCH, a clear error")
    def _():
        mark = emu.mark()
        emu.fault("PATCH", APPLY_PATH, "422", count=1, message="ConfigMap \"retry-a\" is invalid: data: bad")
        p = sync()
        assert p.returncode == EX_DATA, (p.returncode, p.stderr)
        assert len(applies(mark)) == 1, applies(mark)
        assert "; retry " not in p.stderr, p.stderr
        assert "is invalid" in p.stderr.splitlines()[-1], p.stderr
        emu.clear_faults()

    @t.case("503 for longer than --timeout: gives up with the server's answer, retryable exit")
    def _():
        mark = emu.mark()
        emu.fault("PATCH", APPLY_PATH, "503", count=-1)
        start = time.monotonic()
        p = sync("--timeout", "3s")
        took = time.monotonic() - start
        emu.clear_faults()
        assert p.returncode == EX_RETRY, (p.returncode, p.stderr)
        assert took < 10, took
        assert len(applies(mark)) >= 2, applies(mark)
        assert "503" in p.stderr.splitlines()[-1], p.stderr

    @t.case("the kubeconfig appears after pinion started (k3s at boot): pinion waits for it, then applies")
    def _():
        late = W / "late" / "k3s.yaml"
        late.parent.mkdir()

        def write_later():
            time.sleep(1.5)
            shutil.copy(emu.kubeconfig, str(late) + ".tmp")
            os.rename(str(late) + ".tmp", late)
        th = threading.Thread(target=write_later)
        th.start()
        p = sync(kubeconfig=late)
        th.join()
        assert p.returncode == 0, p.stderr
        assert "waiting for the kubeconfig %s" % late in p.stderr, p.stderr

    @t.case("a kubeconfig that never appears: an error naming it once --timeout has passed")
    def _():
        p = sync("--timeout", "1s", kubeconfig=W / "never" / "k3s.yaml")
        assert p.returncode != 0, p.stderr
        assert "never/k3s.yaml" in p.stderr.splitlines()[-1], p.stderr

    @t.case("--context picks a context other than current-context (which points nowhere here)")
    def _():
        text = Path(emu.kubeconfig).read_text()
        text = text.replace("current-context: default", "current-context: broken").replace(
            "contexts:\n", "contexts:\n- context:\n    cluster: broken\n    user: default\n  name: broken\n", 1).replace(
            "clusters:\n", "clusters:\n- cluster:\n    server: https://127.0.0.1:1\n  name: broken\n", 1)
        two = W / "two-contexts.yaml"
        two.write_text(text)
        p = sync("--timeout", "2s", kubeconfig=two)
        assert p.returncode != 0 and "127.0.0.1:1" in p.stderr, p.stderr
        p = sync("--context", "default", kubeconfig=two)
        assert p.returncode == 0, p.stderr
finally:
    emu.stop()
    http.stop()
t.done()
