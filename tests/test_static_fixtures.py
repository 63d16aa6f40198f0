"""Every fixture, linted with only its folder's rule selected: the reported (file, line,
code) set must equal the ``# expect:`` markers exactly, and no rule may fail (TL000).

The fixtures are checked in-process through ``torchlint.engine`` (what the flake8
plugin runs per file, with the options a fixture's ``# torchlint-options:`` header
gives); one test runs the real flake8 (entry point, option parsing, ``--select``) over
a sample of folders and must agree with the in-process result."""
from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import FrozenSet, Tuple

import pytest

from _fixtures import REPO, Fixture, all_fixtures
from torchlint.checks import BY_CODE
from torchlint.config import Config, all_options
from torchlint.engine import check_tree

FIXTURES = all_fixtures()
Report = Tuple[str, int, str]


def _config(options: Tuple[str, ...]) -> Config:
    """A fixture's ``--torchlint-NAME=VALUE`` header as the plugin's Config."""
    by_flag = {o.flag: o.name for o in all_options()}
    values = {}
    for option in options:
        flag, _, value = option.partition("=")
        assert flag in by_flag, f"unknown option in a fixture header: {option}"
        values[by_flag[flag]] = value
    return Config.from_dict(values)


def in_process(fx: Fixture) -> FrozenSet[Report]:
    rules, config, out = [BY_CODE[fx.code]], _config(fx.options()), set()
    for path in fx.files:
        source = path.read_text(encoding="utf-8")
        for v in check_tree(ast.parse(source, str(path)), str(path), source.splitlines(True), config, rules):
            out.add((str(path.resolve()), v.line, v.code))
    return frozenset(out)


@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_reports_equal_markers(fx: Fixture):
    expected = {(str(Path(f).resolve()), line, code) for f, line, code in fx.expected()}
    got = in_process(fx)
    assert not [r for r in got if r[2] == "TL000"], "a rule failed on this fixture"
    assert got == expected, f"missing: {sorted(expected - got)}; unexpected: {sorted(got - expected)}"


def test_the_real_flake8_agrees(tmp_path):
    """flake8's own run (entry point, --select, option parsing) gives what the in-process
    check gives, on the folders of three rules (one with an option header, one with
    multi-file fixtures)."""
    for code in ("TL101", "TL401", "TL503"):
        groups = defaultdict(list)
        for fx in FIXTURES:
            if fx.code == code:
                groups[fx.options()].append(fx)
        for options, fixtures in groups.items():
            paths = [str(p) for fx in fixtures for p in fx.files]
            cmd = [sys.executable, "-m", "flake8", "--isolated", f"--select={code}", *options,
                   "--format=%(path)s\t%(row)d\t%(code)s", *paths]
            proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
            assert proc.returncode in (0, 1), proc.stderr
            real = set()
            for line in proc.stdout.splitlines():
                path, row, got = line.split("\t")
                real.add((str((REPO / path).resolve()), int(row), got))
            assert real == set().union(*(in_process(fx) for fx in fixtures)), (code, options)


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
