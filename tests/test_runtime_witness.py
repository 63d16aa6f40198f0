"""Runtime witnesses: every flagged fixture shows its rule's hazard in a running
script; every clean fixture does not. The fixtures are ``rules/*/`` and the probe
scripts of ``tests/witness_cases/*/`` (written where a witness could be fooled).

The same test checks that the witness never breaks a script: wherever a witnessed run
did not complete, the same launch runs again without instrumentation and must end
the same way (``_witness.check_no_witness_crash``). Each run is a process of its own
(forked from a warm interpreter, see ``torchlint.witness.forkserver``)."""
from __future__ import annotations

import pytest

from _witness import check_no_witness_crash, every_case, observe_checked
from torchlint.checks import BY_CODE
from torchlint.witness import Launch, Run, has_witness, observe

# TL201's CPU forms are tests/test_tl201_cpu.py; here TL201 is the GPU witness
FIXTURES = [f for f in every_case() if f.code in BY_CODE]


def _marks(fx):
    needs = BY_CODE[fx.code].needs_witness
    marks = [pytest.mark.runtime]
    if needs == "gpu":
        marks.append(pytest.mark.gpu)
    if needs == "ddp":
        marks.append(pytest.mark.ddp)
    return marks


PARAMS = [pytest.param(fx, id=fx.id if fx.path.parent.parent.name == "rules"
                       else f"case:{fx.id}", marks=_marks(fx)) for fx in FIXTURES]


@pytest.mark.parametrize("fx", PARAMS)
def test_witness(fx, witnessed_runs):
    assert has_witness(fx.code), f"{fx.code} has no torchlint/witness/{fx.code.lower()}.py"
    evidence = observe_checked(witnessed_runs, lambda: observe(fx.code, fx.entry))
    if fx.flagged:
        assert evidence.hazard, f"expected the hazard, witness saw: {evidence.detail}"
    else:
        assert not evidence.hazard, f"clean fixture shows the hazard: {evidence.detail}"


@pytest.mark.runtime
def test_crash_check_fails_when_only_the_witnessed_run_broke(tmp_path):
    script = tmp_path / "fine.py"
    script.write_text("import torch\nprint(torch.ones(2).sum().item())\n")
    launch = Launch(script, "tl101")
    broke = Run(1, {"exception": {"type": "AttributeError", "message": "patched away"}}, "", "")
    with pytest.raises(AssertionError, match="runs to the end without a witness"):
        check_no_witness_crash([([launch], [broke])])
    bad = tmp_path / "bad.py"
    bad.write_text("raise ValueError('the fixture itself fails')\n")
    same = Run(1, {"exception": {"type": "ValueError", "message": "..."}}, "", "")
    check_no_witness_crash([([Launch(bad, "tl101")], [same])])  # fails plain too: fine
    other = Run(1, {"exception": {"type": "KeyError", "message": "..."}}, "", "")
    with pytest.raises(AssertionError, match="without a witness but with KeyError"):
        check_no_witness_crash([([Launch(bad, "tl101")], [other])])
