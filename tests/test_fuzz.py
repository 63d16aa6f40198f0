"""Property tests: torchlint never raises and never reports TL000 on generated
programs (hypothesmith, ``import torch`` prepended so that the rules run) or on
rule fixtures cut and shuffled the way an editor buffer is mid-edit. Bounded:
50 examples each, derandomized (the same examples every run)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from torchlint import plugin
from test_robustness import REPO, run_every_rule

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis (via hypothesmith) is a test extra")
hypothesmith = pytest.importorskip("hypothesmith", reason="hypothesmith is a test extra")
st = pytest.importorskip("hypothesis.strategies")
HealthCheck, given, settings = hypothesis.HealthCheck, hypothesis.given, hypothesis.settings

FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@FUZZ
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs_never_crash(source):
    program = "import torch\n" + source
    try:
        ast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # the grammar allows programs the compiler rejects; flake8 gives E999
    assert run_every_rule(program) == []
    out = plugin.check_source(program) or []
    assert not [v for v in out if v.code == "TL000"]


FIXTURES = sorted(str(p) for p in (REPO / "rules").rglob("*.py"))


@FUZZ
@given(st.sampled_from(FIXTURES or ["/dev/null"]), st.data())
def test_mutated_fixtures_never_crash(path, data):
    """Real training code, cut and shuffled the way an editor buffer is mid-edit."""
    lines = Path(path).read_text(encoding="utf-8").splitlines(True)
    if not lines:
        return
    start = data.draw(st.integers(0, len(lines) - 1))
    stop = data.draw(st.integers(start, len(lines)))
    dropped = lines[:start] + lines[stop:]
    moved = data.draw(st.permutations(lines)) if len(lines) < 60 else lines[::-1]
    for variant in (dropped, moved, [ln.lstrip() for ln in lines]):
        source = "import torch\n" + "".join(variant)
        try:
            ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        assert run_every_rule(source) == []
