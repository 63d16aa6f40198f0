"""``torchlint lightning FILE --verify N``: proof that the conversion trains the same.

The original script and the converted one each run for N optimizer steps (N
``backward()`` calls when a run builds no ``torch.optim`` optimizer: its weights are
updated by hand), in fresh processes (:mod:`~torchlint.lightning.probe`), with the same seed, on the CPU in
float32 (``CUDA_VISIBLE_DEVICES=""``), each in an empty working directory (what they
write - checkpoints, ``lightning_logs`` - is thrown away). The script loads its data
as it always does. Every ``backward()``'s loss and the learning rate after every step
are recorded; the report says which of these were compared (no learning rate when
no optimizer stepped), the largest relative difference between the two runs, and
"equivalent" only when both ran the same steps and backward calls, compared at least
one loss, and that difference is at most :data:`TOLERANCE`.

A module imported by another script (a Trainer class in its own file) is verified
through that script: ``entry`` runs in both processes, the converted module
shadowing the original in the second.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

TOLERANCE = 1e-6
DEFAULT_TIMEOUT = 300.0


@dataclass
class Run:
    record: dict
    log: str

    @property
    def losses(self) -> List[float]:
        return self.record.get("losses", [])

    @property
    def lrs(self) -> List[List[float]]:
        return self.record.get("lrs", [])

    @property
    def steps(self) -> int:
        return self.record.get("steps", 0)

    @property
    def limited_by(self) -> Optional[str]:
        """``"steps"`` or ``"backward"``: what ended the run at the limit (None: it ended)."""
        return self.record.get("limited_by")

    @property
    def error(self) -> Optional[str]:
        return self.record.get("exception")

    @property
    def built(self) -> dict:
        """How many Lightning ``Fabric`` / ``Trainer`` objects the run built."""
        return self.record.get("lightning", {})


@dataclass
class Report:
    steps: int  # the limit asked for
    original: Run
    converted: Run
    problems: List[str] = field(default_factory=list)
    loss_difference: float = 0.0
    lr_difference: float = 0.0

    @property
    def equivalent(self) -> bool:
        return not self.problems and max(self.loss_difference, self.lr_difference) <= TOLERANCE

    @property
    def compared(self) -> str:
        """What the differences are over, in words."""
        o, c = self.original, self.converted
        losses, steps = min(len(o.losses), len(c.losses)), min(o.steps, c.steps)
        what = f"the loss of {losses} backward() call{'s' if losses != 1 else ''}"
        if steps:
            return what + f" and the learning rate after each of {steps} optimizer steps"
        idle = [name for name, run in (("original", o), ("converted", c)) if not run.steps]
        return what + f"; no learning rate (the {' and the '.join(idle)} run stepped no optimizer)"

    def _limit(self) -> str:
        units = {"steps": "optimizer steps",
                 "backward": "backward calls: no torch.optim optimizer was built"}
        o, c = self.original.limited_by, self.converted.limited_by
        if o and c and o != c:
            return f"limit {self.steps}: the original's {units[o].split(':')[0]}, the converted's " \
                   f"{units[c].split(':')[0]}"
        return f"limit {self.steps} {units[o or c or 'steps']}"

    def text(self) -> str:
        o, c = self.original, self.converted
        lines = [f"verify: original {o.steps} optimizer steps, {len(o.losses)} backward; "
                 f"converted {c.steps} optimizer steps, {len(c.losses)} backward ({self._limit()})"]
        lines.append(f"  compared: {self.compared}")
        lr = f", lr {self.lr_difference:.3g}" if min(o.steps, c.steps) else ""
        lines.append(f"  max relative difference: loss {self.loss_difference:.3g}{lr}")
        built = [f"{name} x{n}" for name, n in c.built.items() if n]
        lines.append(f"  the converted run built: {', '.join(built) or 'no Fabric, no Trainer'}")
        for problem in self.problems:
            lines.append(f"  {problem}")
        if self.equivalent:
            lines.append(f"  equivalent (<= {TOLERANCE:g} on CPU in float32)")
        else:
            lines.append("  NOT equivalent")
        return "\n".join(lines) + "\n"


def relative(a: float, b: float) -> float:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def compare(steps: int, original: Run, converted: Run) -> Report:
    report = Report(steps, original, converted)
    for name, run in (("original", original), ("converted", converted)):
        if run.error:
            report.problems.append(f"the {name} script raised {run.error}")
            tail = run.log.strip().splitlines()[-6:]
            report.problems += [f"    {line}" for line in tail]
        elif run.steps == 0 and not run.losses:
            report.problems.append(f"the {name} script trained nothing (no backward, no step)")
    if original.steps != converted.steps:
        report.problems.append(f"optimizer steps differ: {original.steps} vs {converted.steps}")
    if len(original.losses) != len(converted.losses):
        report.problems.append(f"backward calls differ: {len(original.losses)} vs "
                               f"{len(converted.losses)}")
    report.loss_difference = max((relative(a, b) for a, b in zip(original.losses, converted.losses)),
                                 default=0.0)
    diffs = [relative(a, b) for x, y in zip(original.lrs, converted.lrs) for a, b in zip(x, y)]
    if any(len(x) != len(y) for x, y in zip(original.lrs, converted.lrs)):
        report.problems.append("parameter groups differ")
    report.lr_difference = max(diffs, default=0.0)
    if not (original.losses and converted.losses) and not report.problems:
        report.problems.append("nothing to compare: no backward() loss recorded")
    return report


class Prober:
    """One probe process (torch imported once); :meth:`run` forks a child per job."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT):
        env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0",
                   PYTHONPATH=os.pathsep.join(p for p in (_package_root(), os.environ.get(
                       "PYTHONPATH", "")) if p))
        self.timeout = timeout
        self.proc = subprocess.Popen([sys.executable, "-m", "torchlint.lightning.probe"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the verify probe did not start")

    def run(self, jobs: Sequence[dict]) -> None:
        self.proc.stdin.write(json.dumps(list(jobs)) + "\n")
        self.proc.stdin.flush()
        if self.proc.stdout.readline().strip() != "done":
            raise RuntimeError("the verify probe stopped")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class Pair:
    """The two runs of one verification, prepared in a working directory."""

    steps: int
    jobs: List[dict]

    def report(self) -> Report:
        return compare(self.steps, *(_read(job) for job in self.jobs))


def prepare(original: Path, converted_text: str, steps: int, workdir: Path,
            entry: Optional[Path] = None, args: Sequence[str] = (), seed: int = 0) -> Pair:
    """The two jobs: ``entry`` (default: ``original`` itself) as written, and with
    ``original`` replaced by ``converted_text``.

    Each run's working directory is a new one under ``workdir`` holding links to
    everything in the entry script's folder (data read by relative paths resolves;
    what the run writes stays there), and, for the converted run, the converted file
    in place of the original's link."""
    original = Path(original).resolve()
    entry = Path(entry).resolve() if entry is not None else original
    workdir = Path(workdir)
    a, b = _mirror(entry.parent, workdir / "original"), _mirror(entry.parent, workdir / "converted")
    home = b if original.parent == entry.parent else workdir / "module"
    home.mkdir(exist_ok=True)
    converted = home / original.name
    if converted.is_symlink():
        converted.unlink()
    converted.write_text(converted_text, encoding="utf-8")
    return Pair(steps, [_job(a / entry.name, [str(a)], a, args, seed, steps),
                        _job(b / entry.name, [str(home), str(b), str(original.parent)], b, args,
                             seed, steps)])


def verify(original: Path, converted_text: str, steps: int, entry: Optional[Path] = None,
           args: Sequence[str] = (), seed: int = 0, prober: Optional[Prober] = None) -> Report:
    """Run FILE and its conversion (:func:`prepare`) and compare the two runs."""
    with tempfile.TemporaryDirectory(prefix="torchlint-verify-") as tmp:
        pair = prepare(original, converted_text, steps, Path(tmp), entry, args, seed)
        own = prober is None
        prober = prober or Prober()
        try:
            prober.run(pair.jobs)
        finally:
            if own:
                prober.close()
        return pair.report()


def _mirror(folder: Path, into: Path) -> Path:
    """A new directory with a link to every entry of ``folder``."""
    into.mkdir()
    for item in folder.iterdir():
        if item.name != "__pycache__":
            (into / item.name).symlink_to(item)
    return into


def _job(script: Path, path: List[str], cwd: Path, args, seed: int, steps: int) -> dict:
    return {"script": str(script), "path": path, "cwd": str(cwd), "args": list(args),
            "seed": seed, "steps": steps, "record": str(cwd.parent / f"{cwd.name}.json"),
            "log": str(cwd.parent / f"{cwd.name}.log")}


def _read(job: dict) -> Run:
    log = Path(job["log"]).read_text(encoding="utf-8", errors="replace") \
        if Path(job["log"]).exists() else ""
    try:
        record = json.loads(Path(job["record"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {"exception": "the run ended without a record (killed?)"}
    return Run(record, log)


def _package_root() -> str:
    return str(Path(__file__).resolve().parent.parent.parent)
