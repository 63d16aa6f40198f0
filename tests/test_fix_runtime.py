"""Fixes proven at run time: every ``rules/<CODE>/fixed_*`` fixture (what ``--fix``
makes of a flagged one) runs under its rule's witness and the hazard is gone, and
the static run reports nothing of that rule in it.

Each run is a fresh subprocess (tests/test_runtime_witness.py's way). The runs
of the selected tests start together on a pool of ``WORKERS`` threads the first
time one of them needs its evidence (CI has two cores and the rest of the suite
keeps one busy); each test then asserts on its own script's evidence.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Dict

import pytest

from _fixtures import fixed_pairs
from torchlint.checks import BY_CODE
from torchlint.engine import check_source
from torchlint.witness import observe

WORKERS = int(os.environ.get("TORCHLINT_WITNESS_WORKERS", "2"))
PAIRS = fixed_pairs()
_RUNS: Dict[Path, Future] = {}
_POOL = ThreadPoolExecutor(max_workers=WORKERS)


def _marks(code):
    needs = BY_CODE[code].needs_witness
    return [pytest.mark.runtime] + ([pytest.mark.gpu] if needs == "gpu" else []) + (
        [pytest.mark.ddp] if needs == "ddp" else [])


def _entry(fixed: Path) -> Path:
    return fixed if fixed.is_file() else fixed / "train.py"


@pytest.fixture
def evidence_of(request):
    """The witness's evidence for a fixed fixture, from runs started for every selected test."""
    if not _RUNS:
        selected = [item.callspec.params["fixed"] for item in request.session.items
                    if item.originalname == request.node.originalname and hasattr(item, "callspec")]
        for fixed in selected:
            _RUNS[fixed] = _POOL.submit(observe, fixed.parent.name, _entry(fixed))
    return lambda fixed: (_RUNS.get(fixed) or _POOL.submit(observe, fixed.parent.name,
                                                           _entry(fixed))).result()


@pytest.mark.parametrize("fixed", [pytest.param(p, id=f"{fx.code}/{p.name}", marks=_marks(fx.code))
                                   for fx, p in PAIRS])
def test_fixed_fixture_no_longer_shows_the_hazard(fixed, evidence_of):
    code = fixed.parent.name
    for path in [fixed] if fixed.is_file() else sorted(fixed.rglob("*.py")):
        reported = check_source(path.read_text(encoding="utf-8"), str(path)) or []
        assert not [v for v in reported if v.code == code], f"{path.name} is still reported"
    evidence = evidence_of(fixed)
    assert not evidence.hazard, f"the fixed script still shows the hazard: {evidence.detail}"
