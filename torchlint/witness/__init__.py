"""Runtime witnesses: run a fixture script in a fresh subprocess with torch
instrumented, and report whether the rule's hazard manifested.

Each rule's witness is a module ``torchlint.witness.tlNNN`` with:

* ``instrument(recorder)`` - called inside the subprocess before the script
  runs; patches torch and writes observations into ``recorder`` (a dict);
* ``observe(script, **kw) -> Evidence`` - called by the tests; runs the script
  (once or several times) through :func:`run_script` and judges the evidence.

This package imports torch only inside the subprocess; the flake8 plugin never
imports it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

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
    """One subprocess run of a script under an instrumentation module."""

    returncode: int
    record: Dict[str, Any]
    stdout: str
    stderr: str

    @property
    def exception(self) -> Optional[Dict[str, str]]:
        return self.record.get("exception")


def run_script(
    script: os.PathLike,
    rule: str,
    args: Sequence[str] = (),
    env: Optional[Dict[str, str]] = None,
    timeout: float = DEFAULT_TIMEOUT,
    cuda: bool = False,
    cwd: Optional[os.PathLike] = None,
) -> Run:
    """Run ``script`` in a fresh interpreter with ``torchlint.witness.<rule>`` installed."""
    script = Path(script).resolve()
    with tempfile.TemporaryDirectory(prefix="torchlint-witness-") as tmp:
        out = Path(tmp) / "record.json"
        full_env = dict(os.environ)
        full_env.setdefault("PYTHONHASHSEED", "0")
        if not cuda:
            full_env["CUDA_VISIBLE_DEVICES"] = ""
        full_env.update(env or {})
        cmd = [sys.executable, "-m", "torchlint.witness.runner", rule.lower(), str(out),
               str(script), *args]
        proc = subprocess.run(
            cmd, cwd=str(cwd or tmp), env=full_env, capture_output=True, text=True,
            timeout=timeout,
        )
        record = json.loads(out.read_text()) if out.exists() else {}
    if not record:
        raise RuntimeError(
            f"witness {rule} produced no record for {script.name} (rc={proc.returncode}):\n"
            f"{proc.stderr[-3000:]}"
        )
    return Run(proc.returncode, record, proc.stdout, proc.stderr)


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
