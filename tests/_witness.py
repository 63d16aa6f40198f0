"""Helpers of the runtime tests: the witness probe cases and the "a witness never breaks a
script that runs fine without it" check."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, List

from _fixtures import Fixture, all_fixtures
from torchlint.witness import run_plain

CASES_DIR = Path(__file__).resolve().parent / "witness_cases"


def witness_cases() -> List[Fixture]:
    """``tests/witness_cases/<CODE>/{flagged,clean}_*.py``: scripts written to probe a
    witness where it was weak (runtime only; the static rules do not read them)."""
    out = []
    for folder in sorted(CASES_DIR.glob("TL*")):
        for p in sorted(folder.iterdir()):
            if p.name.startswith(("flagged_", "clean_")) and (p.suffix == ".py" or p.is_dir()):
                out.append(Fixture(folder.name, p))
    return out


def every_case() -> List[Fixture]:
    return all_fixtures() + witness_cases()


def _ended(run) -> str:
    """'' for a run that completed; else how it ended."""
    if run.exception:
        return f"{run.exception['type']}: {run.exception['message'][:200]}"
    if run.returncode:
        return f"exit status {run.returncode}"
    return ""


def check_no_witness_crash(groups) -> None:
    """For every witnessed run that did not complete, run the same launches plain (same
    script, arguments, environment, together as they ran) and fail unless the plain run
    ends the same way. A witnessed run that completed needs no plain twin: it already
    completed wherever the plain run could."""
    for launches, runs in groups:
        if all(la.rule is None for la in launches) or not any(_ended(r) for r in runs):
            continue
        plain = run_plain(launches)
        for launch, witnessed, bare in zip(launches, runs, plain):
            w, p = _ended(witnessed), _ended(bare)
            if not w:
                continue
            assert p, (f"{launch.script.name} runs to the end without a witness but under "
                       f"{launch.rule} it ended with {w}\n{witnessed.stderr[-2000:]}")
            same = (witnessed.exception or {}).get("type") == (bare.exception or {}).get("type")
            assert same, (f"{launch.script.name} ends with {p} without a witness but with {w} "
                          f"under {launch.rule}")


def observe_checked(groups, observe: Callable[[], object]):
    """``observe()``, then :func:`check_no_witness_crash` on the runs it made - also when
    the witness raised, so that a witness that broke the script says so first."""
    try:
        evidence = observe()
    except BaseException:
        check_no_witness_crash(groups)
        raise
    check_no_witness_crash(groups)
    return evidence
