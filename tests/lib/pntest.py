"""pntest: the small harness every Python test and test peer in pinion uses.

Output is TAP: one `ok N - name` / `not ok N - name` / `ok N - name # SKIP why` line per test case, `1..N` at
the end. tests/run counts these lines across all phases. Standard library only: the tests must run on a fresh
Debian 12 with nothing but python3.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
PEERS = ROOT / "tests" / "peers"

# Every wait in the tests is bounded by one of these (seconds); PN_TEST_SLOW multiplies them on slow machines
# (qemu, sanitizers).
SLOW = float(os.environ.get("PN_TEST_SLOW", "1"))
PEER_START_TIMEOUT = 20 * SLOW
PEER_STOP_TIMEOUT = 10 * SLOW
COMMAND_TIMEOUT = 120 * SLOW


def pinion():
    """The binary under test: $PINION (the static pinion-x86_64 in the musl pass) or ./pinion."""
    return os.environ.get("PINION", str(ROOT / "pinion"))


class Skip(Exception):
    """Raise inside a case to report it as skipped with a reason."""


class TAP:
    def __init__(self, name):
        self.name = name
        self.n = 0
        self.failed = 0

    def _line(self, s):
        sys.stdout.write(s + "\n")
        sys.stdout.flush()

    def ok(self, cond, name, detail=""):
        self.n += 1
        if cond:
            self._line("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            self._line("not ok %d - %s" % (self.n, name))
            for l in str(detail).splitlines():
                self._line("#   " + l)
        return cond

    def skip(self, name, reason):
        self.n += 1
        self._line("ok %d - %s # SKIP %s" % (self.n, name, reason))

    def case(self, name):
        """Decorator: run the function now as one case. AssertionError/other exceptions fail it."""
        def deco(fn):
            try:
                fn()
            except Skip as e:
                self.skip(name, str(e))
            except Exception:
                self.ok(False, name, traceback.format_exc())
            else:
                self.ok(True, name)
            return fn
        return deco

    def note(self, msg):
        for l in str(msg).splitlines():
            self._line("# " + l)

    def done(self):
        self._line("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def workdir(name):
    """A fresh directory under build/test/ for one test script; removed at exit unless PN_KEEP=1."""
    base = BUILD / "test"
    base.mkdir(parents=True, exist_ok=True)
    d = Path(tempfile.mkdtemp(prefix=name + "-", dir=base))
    if os.environ.get("PN_KEEP") != "1":
        import atexit
        atexit.register(shutil.rmtree, d, True)
    return d


def run(cmd, check=False, timeout=None, **kw):
    """Run a command, capture text output. Returns CompletedProcess."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("text", True)
    p = subprocess.run([str(c) for c in cmd], timeout=timeout or COMMAND_TIMEOUT, **kw)
    if check and p.returncode != 0:
        raise AssertionError("command failed (%d): %s\nstdout:\n%s\nstderr:\n%s"
                             % (p.returncode, " ".join(map(str, cmd)), p.stdout, p.stderr))
    return p


def wait_for_file(path, timeout=PEER_START_TIMEOUT, proc=None):
    """Wait until `path` exists and is non-empty; fail early if `proc` died."""
    path = Path(path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return path.read_text().strip()
        if proc is not None and proc.poll() is not None:
            raise AssertionError("%s exited with %d before writing %s" % (proc.args, proc.returncode, path))
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % path)


def start_helper(script, d, *args):
    """Start a tests/lib helper server (python3 tests/lib/<script> --dir d ARGS) that writes d/port once
    listening. Returns (Popen, port); stop it with stop_pid(proc.pid)."""
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "lib" / script), "--dir", str(d)] +
                            [str(a) for a in args], stdin=subprocess.DEVNULL)
    try:
        return proc, int(wait_for_file(d / "port", proc=proc))
    except Exception:
        stop_pid(proc.pid)
        raise


def stop_pid(pid, sig=signal.SIGTERM, timeout=PEER_STOP_TIMEOUT):
    """Stop one process by PID (never by name): signal, wait, then SIGKILL."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            wpid, _ = os.waitpid(pid, os.WNOHANG)
            if wpid == pid:
                return
        except ChildProcessError:
            pass  # not our child: poll for its disappearance
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kubectl(kubeconfig, args, cache_dir, **kw):
    """Run the real kubectl with its own KUBECONFIG and --cache-dir (the dispatcher picks its version from the
    configured server's /version, so no call may share another's config or cache)."""
    env = dict(os.environ, KUBECONFIG=str(kubeconfig), HOME=str(Path(cache_dir).parent))
    return run(["kubectl", "--cache-dir", str(cache_dir)] + list(args), env=env, **kw)


def kubectl_emu(emu, d, *args, **kw):
    """kubectl (above) against a kube emulator: its kubeconfig copied to d/kubeconfig-kubectl, the cache in
    d/kcache."""
    cfg = Path(d) / "kubeconfig-kubectl"
    emu.copy_kubeconfig(cfg)
    return kubectl(cfg, list(args), Path(d) / "kcache", **kw)


def sync_once(url, state_dir, kubeconfig, *extra, path="./apps", env=None):
    """`pinion sync --once` of `path` in the repository at `url` with its own --state-dir and --kubeconfig, then
    the `extra` arguments; `env` adds to the environment."""
    e = dict(os.environ)
    e.update(env or {})
    return run([pinion(), "sync", "--once", "--url", url, "--path", path, "--state-dir", str(state_dir),
                "--kubeconfig", str(kubeconfig)] + list(extra), env=e)


def have(cmd):
    return shutil.which(cmd) is not None
