"""Every fixture, linted by the real flake8 (entry point included): the reported
(file, line, code) set must equal the ``# expect:`` markers exactly."""
from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

from _fixtures import REPO, Fixture, all_fixtures

FIXTURES = all_fixtures()


@lru_cache(maxsize=None)
def _flake8(code: str, options: tuple, paths: tuple) -> frozenset:
    """One flake8 run over several fixtures sharing a rule and options."""
    cmd = [sys.executable, "-m", "flake8", "--isolated", f"--select={code}", *options,
           "--format=%(path)s\t%(row)d\t%(code)s\t%(text)s", *paths]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    out = set()
    for line in proc.stdout.splitlines():
        path, row, got, _text = line.split("\t", 3)
        out.add((str((REPO / path).resolve()), int(row), got))
    return frozenset(out)


def _group(fx: Fixture) -> tuple:
    same = [f for f in FIXTURES if f.code == fx.code and f.options() == fx.options()]
    return tuple(str(p) for f in same for p in f.files)


def reported(fx: Fixture) -> set:
    mine = {str(p.resolve()) for p in fx.files}
    return {r for r in _flake8(fx.code, fx.options(), _group(fx)) if r[0] in mine}


@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_reports_equal_markers(fx: Fixture):
    expected = {(str(Path(f).resolve()), line, code) for f, line, code in fx.expected()}
    got = reported(fx)
    assert got == expected, f"missing: {sorted(expected - got)}; unexpected: {sorted(got - expected)}"


@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_flagged_fixtures_have_markers_and_clean_ones_none(fx: Fixture):
    codes = {c for _, _, c in fx.expected()}
    if fx.flagged:
        assert fx.code in codes, "a flagged_ fixture must mark at least one report of its rule"
    else:
        assert fx.code not in codes, "a clean_ fixture must not expect its own rule"


def test_every_rule_folder_has_both_kinds():
    by_code = defaultdict(set)
    for fx in FIXTURES:
        by_code[fx.code].add(fx.flagged)
    assert by_code, "no fixtures found"
    for code, kinds in by_code.items():
        assert kinds == {True, False}, f"{code} needs flagged_ and clean_ fixtures"
