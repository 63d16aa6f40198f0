"""A warm interpreter for witness runs: import torch once, fork once per run.

Starting a fresh interpreter costs a witness run about as much as the fixture
itself (``import torch`` alone is 1-2 s on CI's two cores). The server below
imports torch (and the libraries fixtures use) once, then forks one child per
run; the child *is* the run. What a fresh interpreter would give each run, the
child restores before the script starts:

* **a pristine process**: the server itself never runs a script, a witness or
  a torch operation (no thread pool, no CUDA context, no patched function), so
  every child starts from the same state; whatever a run patches, imports
  (``sys.modules``), seeds or registers dies with its child;
* **fresh random state**: Python's ``random``, NumPy's global generator and
  torch's default generator are reseeded from OS entropy, as at interpreter
  start (a fork would otherwise hand every run the same "unseeded" state, and
  the TL401/TL402 witnesses would see unseeded scripts as reproducible);
* **the run's environment**: ``os.environ`` is replaced by the run's, the
  working directory, ``sys.argv`` and ``sys.path`` are set as ``python -m
  torchlint.witness.runner`` would set them (``PYTHONPATH`` included);
  torch's intra-op thread count follows ``OMP_NUM_THREADS``;
* **its own process group, stdin from /dev/null, stdout/stderr to files**, so
  a timeout kills the run with the workers it started.

Variables only an interpreter start honours (``PYTHONHASHSEED`` other than the
server's, ``PYTHONOPTIMIZE`` ...) cannot be given to a forked child:
:func:`can_fork` says so and the caller starts a fresh interpreter instead. Runs
with CUDA visible (the GPU witnesses) always start fresh: CUDA may not be used in
a child forked from a process that ever touched it, and imports may touch it.

Protocol (one Unix-socket connection per run): the client sends the request as
one JSON line; the server forks; the child answers ``{"pid": N}``, runs, then
answers ``{"rc": CODE}`` and exits. A connection that closes without ``rc``
means the child died (a signal). The server exits when its stdin closes, i.e.
when the process that started it is gone.
"""
from __future__ import annotations

import atexit
import faulthandler
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, Optional, Tuple

# What the fixtures import anyway: torch._dynamo is imported by the first
# optimizer.step() of every run (~1.5 s each; see _guard_gloo_teardown). Not Lightning:
# only Lightning scripts import it, and it brings its own logging and warning filters.
PRELOAD = ("torch", "numpy", "torch.utils.data", "torch.distributed", "torch.multiprocessing",
           "torch.optim.lr_scheduler", "torch._dynamo")
SERVER_ENV = {"PYTHONHASHSEED": "0"}
# start-up-only variables: a forked child cannot honour a different value
_START_ONLY = ("PYTHONHASHSEED", "PYTHONOPTIMIZE", "PYTHONDONTWRITEBYTECODE", "PYTHONSAFEPATH",
               "PYTHONNOUSERSITE", "PYTHONHOME", "PYTHONWARNINGS", "PYTHONDEVMODE",
               "PYTHONMALLOC", "PYTHONUTF8", "PYTHONIOENCODING", "LD_PRELOAD",
               "LD_LIBRARY_PATH")
DISABLE_ENV = "TORCHLINT_WITNESS_FORK"  # "0": every run starts a fresh interpreter


# ===================================================================== client
class _Client:
    """One server per process that runs witnesses (each pytest-xdist worker has its own)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.proc: Optional[subprocess.Popen] = None
        self.address: Optional[str] = None
        self.env: Dict[str, str] = {}
        self.tmp: Optional[tempfile.TemporaryDirectory] = None

    def start(self) -> str:
        with self.lock:
            if self.proc is not None and self.proc.poll() is None:
                return self.address
            self.tmp = tempfile.TemporaryDirectory(prefix="torchlint-forkserver-")
            self.address = os.path.join(self.tmp.name, "socket")
            self.env = _server_env()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "torchlint.witness.forkserver", self.address],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=self.tmp.name, env=self.env)
            line = self.proc.stdout.readline()  # "ready" once the preloads are imported
            if line.strip() != b"ready":
                self.proc.kill()
                self.proc = None
                raise RuntimeError(f"the witness fork server did not start: {line!r}")
            atexit.register(self.stop)
            return self.address

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.stdin.close()  # the server exits when its stdin closes
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None


_CLIENT = _Client()


def enabled() -> bool:
    return (os.environ.get(DISABLE_ENV, "1") != "0" and hasattr(os, "fork")
            and hasattr(socket, "AF_UNIX"))


def _server_env() -> Dict[str, str]:
    env = dict(os.environ)
    for key, value in SERVER_ENV.items():
        env.setdefault(key, value)  # as run_script does for every run
    return env


def can_fork(env: Dict[str, str]) -> bool:
    """Whether a child of the server can be given ``env`` (see the module docstring)."""
    base = _server_env()
    return enabled() and all(env.get(k) == base.get(k) for k in _START_ONLY)


def run(request: dict, timeout: float) -> Tuple[int, bool]:
    """Run ``request`` in a forked child; returns ``(returncode, timed_out)``."""
    address = _CLIENT.start()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(address)
        conn.sendall(json.dumps(request).encode() + b"\n")
        reader = conn.makefile("rb")
        conn.settimeout(timeout)
        pid = None
        try:
            first = reader.readline()
            if not first:
                raise RuntimeError("the witness fork server closed the connection")
            pid = json.loads(first)["pid"]
            last = reader.readline()
        except (socket.timeout, TimeoutError):
            if pid is not None:  # the run's Python stacks go to its stderr, then it dies
                _signal(pid, signal.SIGUSR1)
                time.sleep(0.5)
                _kill_group(pid)
            return -signal.SIGKILL, True
        finally:
            reader.close()
    if not last:  # the child died without reporting (a signal, os._exit in C code)
        return -signal.SIGKILL, False
    return int(json.loads(last)["rc"]), False


def _signal(pid: int, sig: int) -> bool:
    try:
        os.kill(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # the run and the workers it started
    except (ProcessLookupError, PermissionError):
        _signal(pid, signal.SIGKILL)


# ===================================================================== server
def serve(address: str) -> None:
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:  # a torch build without one of them
            pass
    base_path = list(sys.path[1:])  # without the server's own working directory
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1024):
            return  # the client process is gone
        if listener not in readable:
            continue
        conn, _ = listener.accept()
        conn.settimeout(10)  # the client sends its request at once
        try:
            request = json.loads(conn.makefile("rb").readline() or b"null")
        except (ValueError, OSError):
            request = None
        conn.settimeout(None)
        if not isinstance(request, dict):
            conn.close()
            continue
        if os.fork() == 0:
            listener.close()
            _child(conn, request, base_path)  # never returns
        conn.close()


def _child(conn: socket.socket, request: dict, base_path) -> None:
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _die_with_server()
        os.setsid()
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        _isolate(request, base_path)
        from torchlint.witness.runner import execute

        code = execute(request["rule"], request["record"], request["script"], request["args"])
        _exit_like_an_interpreter()
    except BaseException:  # noqa: B036 - a child must always report and exit
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a closed stream cannot be flushed; nothing to save
                pass
        try:
            conn.sendall(json.dumps({"rc": code}).encode() + b"\n")
        except OSError:
            pass
        os._exit(code)


def _exit_like_an_interpreter() -> None:
    """What interpreter shutdown does before a fresh run's process ends: wait for the
    script's non-daemon threads, then call the exit functions the run registered
    (``_isolate`` collects them; the server's own are not the run's)."""
    import threading

    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    while _RUN_EXIT_FUNCTIONS:
        func, args, kwargs = _RUN_EXIT_FUNCTIONS.pop()
        try:
            func(*args, **kwargs)
        except Exception:  # as at interpreter exit: reported, not raised
            import traceback

            traceback.print_exc()


_RUN_EXIT_FUNCTIONS: list = []


def _collect_exit_functions() -> None:
    register, unregister = atexit.register, atexit.unregister

    def run_register(func, *args, **kwargs):
        _RUN_EXIT_FUNCTIONS.append((func, args, kwargs))
        return register(func, *args, **kwargs)

    def run_unregister(func):
        _RUN_EXIT_FUNCTIONS[:] = [e for e in _RUN_EXIT_FUNCTIONS if e[0] != func]
        return unregister(func)

    atexit.register, atexit.unregister = run_register, run_unregister


def _die_with_server() -> None:
    """Linux: this run is killed when the server exits (which it does when the process
    that started it is gone), so no run outlives the test session."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _isolate(request: dict, base_path) -> None:
    """Give this child what a fresh interpreter would have (module docstring)."""
    import random

    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, fd)
        os.close(out)
    os.close(devnull)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # stacks of a run that timed out
    env = request["env"]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(request["cwd"])
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [request["cwd"], *extra, *base_path]
    import importlib

    importlib.invalidate_caches()
    _collect_exit_functions()
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    import torch

    torch.seed()
    _guard_gloo_teardown(torch)
    threads = env.get("OMP_NUM_THREADS", "")
    if threads.isdigit() and int(threads) > 0:
        torch.set_num_threads(int(threads))


def _guard_gloo_teardown(torch) -> None:
    """Keep gloo DDP runs from deadlocking at teardown.

    PyTorch 2.13's ``Tensor.backward`` stashes a Python object (a ``contextvars``
    context, for compiled autograd's device threads) in the thread-local state that
    every gloo work created during the backward pass captures. When a gloo worker
    thread drops the last reference to such a work while the main thread destroys the
    process group - holding the GIL and joining that thread - the worker waits for the
    GIL forever. With torch._dynamo imported before the script starts this happened in
    5 of 15 two-rank runs (0 of 15 with the stash skipped, 0 of 20 in fresh
    interpreters, where the first ``optimizer.step()`` imports dynamo). Runs that start
    a process group therefore skip that stash: eager CPU code never reads it."""
    import functools

    import torch.distributed as dist

    original = dist.init_process_group

    @functools.wraps(original)
    def init_process_group(*args, **kwargs):
        stash = torch._C._stash_obj_in_tls

        def skip_context(key, value):
            if key != "context":
                stash(key, value)

        torch._C._stash_obj_in_tls = skip_context
        return original(*args, **kwargs)

    dist.init_process_group = init_process_group
    dist.distributed_c10d.init_process_group = init_process_group


if __name__ == "__main__":
    serve(sys.argv[1])
