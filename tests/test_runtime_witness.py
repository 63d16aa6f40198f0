"""Runtime witnesses: every flagged fixture shows its rule's hazard in a running
script; every clean fixture does not. Each run is a fresh subprocess."""
from __future__ import annotations

import pytest

from _fixtures import all_fixtures
from torchlint.checks import BY_CODE
from torchlint.witness import has_witness, observe

FIXTURES = [f for f in all_fixtures() if f.code in BY_CODE]


def _marks(fx):
    needs = BY_CODE[fx.code].needs_witness
    marks = [pytest.mark.runtime]
    if needs == "gpu":
        marks.append(pytest.mark.gpu)
    if needs == "ddp":
        marks.append(pytest.mark.ddp)
    return marks


PARAMS = [pytest.param(fx, id=fx.id, marks=_marks(fx)) for fx in FIXTURES]


@pytest.mark.parametrize("fx", PARAMS)
def test_witness(fx):
    assert has_witness(fx.code), f"{fx.code} has no torchlint/witness/{fx.code.lower()}.py"
    evidence = observe(fx.code, fx.entry)
    if fx.flagged:
        assert evidence.hazard, f"expected the hazard, witness saw: {evidence.detail}"
    else:
        assert not evidence.hazard, f"clean fixture shows the hazard: {evidence.detail}"
