"""Runtime witnesses: run a fixture script with torch instrumented, and report
whether the rule's hazard manifested.

Each rule's witness is a module ``torchlint.witness.tlNNN`` with:

* ``instrument(recorder)`` - called inside the run's process before the script
  runs; patches torch and writes observations into ``recorder`` (a dict);
  optionally ``finish(recorder)`` (after the script) and ``run_path`` (how the
  script is executed, default :func:`runpy.run_path`);
* ``observe(script, **kw) -> Evidence`` - called by the tests; runs the script
  (once or several times) through :func:`run_script` / :func:`run_together`
  and judges the evidence.

Every run is a process of its own: a child forked from a warm interpreter that
imported torch once (:mod:`torchlint.witness.forkserver`, which restores what a
fresh interpreter gives a run), or, where that cannot be, a fresh interpreter.
This package imports torch only inside those processes; the flake8 plugin never
imports it.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

DEFAULT_TIMEOUT = 60


@dataclass
class Evidence:
    """What a witness saw. ``hazard`` is the verdict; ``detail`` says why in words."""

    hazard: bool
    detail: str
    data: Dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:  # pragma: no cover - make misuse loud
        raise TypeError("use evidence.hazard, not the Evidence object, as a boolean")


@dataclass
class Run:
    """One run of a script (its own process), under an instrumentation module or plain."""

    returncode: int
    record: Dict[str, Any]
    stdout: str
    stderr: str

    @property
    def exception(self) -> Optional[Dict[str, str]]:
        return self.record.get("exception")


class WitnessTimeout(subprocess.TimeoutExpired):
    """A run that did not finish in time; the message ends with its stderr."""

    def __str__(self) -> str:
        return f"{super().__str__()}\n{(self.stderr or '')[-3000:]}"


@dataclass(frozen=True)
class Launch:
    """One run of a script: under ``rule``'s instrumentation, or plain (``rule`` None)."""

    script: Path
    rule: Optional[str]
    args: Tuple[str, ...] = ()
    env: Tuple[Tuple[str, str], ...] = ()  # the run's additions to the environment
    timeout: float = DEFAULT_TIMEOUT
    cuda: bool = False
    cwd: Optional[str] = None


# callables told about every group of runs made together: ``observer(launches, runs)``
RUN_OBSERVERS: List[Callable[[Sequence[Launch], Sequence[Run]], None]] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_script(
    script: os.PathLike,
    rule: Optional[str],
    args: Sequence[str] = (),
    env: Optional[Dict[str, str]] = None,
    timeout: float = DEFAULT_TIMEOUT,
    cuda: bool = False,
    cwd: Optional[os.PathLike] = None,
) -> Run:
    """Run ``script`` with ``torchlint.witness.<rule>`` installed (``None``: plain)."""
    launch = Launch(Path(script).resolve(), rule and rule.lower(), tuple(args),
                    tuple((env or {}).items()), timeout, cuda, cwd and str(cwd))
    return run_together([launch])[0]


def run_together(launches: Sequence[Launch]) -> List[Run]:
    """Run several launches at the same time (DDP ranks, twin runs), each in its own
    process; every run is checked for a witness error."""
    if len(launches) == 1:
        runs = [_run_one(launches[0])]
    else:
        with ThreadPoolExecutor(max_workers=len(launches)) as pool:
            runs = list(pool.map(_run_one, launches))
    for observer in list(RUN_OBSERVERS):
        observer(launches, runs)
    for launch, run in zip(launches, runs):
        if run.record.get("witness_error"):
            raise RuntimeError(f"witness {launch.rule} failed on {launch.script.name}: "
                               f"{run.record['witness_error']}\n{run.stderr[-3000:]}")
    return runs


def run_plain(launches: Sequence[Launch]) -> List[Run]:
    """The same runs again, together, without instrumentation (DDP ranks get a fresh
    rendezvous port, the same for all of them)."""
    ports = {port: str(free_port()) for port in {dict(la.env).get("MASTER_PORT") for la in launches}
             if port}
    plain = [replace(la, rule=None, env=tuple(
        (k, ports.get(v, v) if k == "MASTER_PORT" else v) for k, v in la.env)) for la in launches]
    return run_together(plain)


def _run_one(launch: Launch) -> Run:
    from torchlint.witness import forkserver, runner

    with tempfile.TemporaryDirectory(prefix="torchlint-witness-") as tmp:
        out, stdout, stderr = (Path(tmp) / name for name in ("record.json", "stdout", "stderr"))
        env = dict(os.environ)
        for key, value in forkserver.SERVER_ENV.items():  # a fixed hash seed, fork or not
            env.setdefault(key, value)
        env.setdefault("OMP_NUM_THREADS", "1")  # small fixtures; CI runs two workers on 2 cores
        if not launch.cuda:
            env["CUDA_VISIBLE_DEVICES"] = ""
        env.update(dict(launch.env))
        cwd = launch.cwd or tmp
        rule = launch.rule or runner.PLAIN
        # CUDA runs start fresh: a process that may have touched CUDA must not fork one
        if not launch.cuda and forkserver.can_fork(env):
            request = {"rule": rule, "record": str(out), "script": str(launch.script),
                       "args": list(launch.args), "env": env, "cwd": cwd,
                       "stdout": str(stdout), "stderr": str(stderr)}
            returncode, timed_out = forkserver.run(request, launch.timeout)
            output, errors = (p.read_text(errors="replace") if p.exists() else ""
                              for p in (stdout, stderr))
            if timed_out:  # its stderr ends with the stacks of its threads
                raise WitnessTimeout([str(launch.script), *launch.args], launch.timeout,
                                     output, errors)
        else:
            cmd = [sys.executable, "-m", "torchlint.witness.runner", rule, str(out),
                   str(launch.script), *launch.args]
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=launch.timeout)
            returncode, output, errors = proc.returncode, proc.stdout, proc.stderr
        record = json.loads(out.read_text()) if out.exists() else {}
    if not record:
        raise RuntimeError(
            f"witness {launch.rule} produced no record for {launch.script.name} "
            f"(rc={returncode}):\n{errors[-3000:]}")
    return Run(returncode, record, output, errors)


def run_completed(script: os.PathLike, rule: str, **kwargs) -> Dict[str, Any]:
    """Run ``script`` under ``rule``'s instrumentation and return its record; a
    script that raised is an error in the fixture, not evidence."""
    run = run_script(script, rule, **kwargs)
    if run.exception:
        raise RuntimeError(f"{Path(script).name} raised {run.exception}")
    return run.record


def observe(rule: str, script: os.PathLike, **kwargs) -> Evidence:
    """Run the witness of ``rule`` on ``script`` and return its verdict."""
    import importlib

    module = importlib.import_module(f"torchlint.witness.{rule.lower()}")
    return module.observe(Path(script), **kwargs)


def has_witness(rule: str) -> bool:
    return (Path(__file__).parent / f"{rule.lower()}.py").exists()
