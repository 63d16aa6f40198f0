"""Autofix (torchlint/fix): expected output on every flagged fixture, idempotence, no
new findings, never text that does not compile, ``# noqa``, overlapping edits,
safe vs unsafe, and the rule attribute that says so."""
from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

from _fixtures import REPO, all_fixtures, fixed_pairs, without_docstring, without_markers
from torchlint.checks import RULES
from torchlint.engine import check_source
from torchlint.fix import edits, fix_source, fixers, fixes_for, unified_diff
from torchlint.fix.core import Skipped

FIXABLE = {r.code for r in RULES if r.fix}
FLAGGED = [fx for fx in all_fixtures() if fx.flagged and fx.code in FIXABLE]
FIXED = {fx.path: fixed for fx, fixed in fixed_pairs()}
# flagged fixtures whose report gets no fix, and why (the fix engine must say so)
WITHHELD = {
    "TL202/flagged_unpacked_batch_enumerate.py": "passed to a module",
    "TL701/flagged_sequential_from_layer_list.py": "not an item of an nn.Sequential or of a list",
    "TL502/flagged_epoch_hidden_in_generator.py": "no epoch counter",
    # the softmax is in another module's forward: a fix there changes every caller
    "TL701/flagged_imported_model_forward_softmax": "not found on a single path",
}


def _files(fixture_path: Path):
    if fixture_path.is_file():
        return [fixture_path]
    return sorted(p for p in fixture_path.rglob("*.py") if "__pycache__" not in p.parts)


ALL_FILES = sorted({p for fx in all_fixtures() for p in fx.files}
                   | {p for fixed in FIXED.values() for p in _files(fixed)})


def _codes(source: str, path: Path) -> Counter:
    return Counter(v.code for v in check_source(source, str(path)) or [])


# ------------------------------------------------------------ expected output
@pytest.mark.parametrize("fx", FLAGGED, ids=[fx.id for fx in FLAGGED])
def test_fix_gives_the_expected_fixed_fixture(fx):
    fixed = FIXED.get(fx.path)
    if fx.id in WITHHELD:
        assert fixed is None, f"{fx.id} is withheld but has {fixed.name}"
        marked = {f for f, _line, _code in fx.expected()}
        for path in fx.files:
            result = fix_source(path.read_text(encoding="utf-8"), str(path), unsafe=True, rules=[fx.code])
            assert not result.changed
            if str(path) in marked:  # a folder fixture's other modules report nothing
                assert any(WITHHELD[fx.id] in s.reason for s in result.skipped), result.skipped
        return
    assert fixed is not None, f"{fx.id} has no fixed_ counterpart"
    expected_files = _files(fixed)
    if fx.path.is_dir():  # a folder fixture: the same modules, fixed or as they were
        assert [p.relative_to(fixed) for p in expected_files] == [p.relative_to(fx.path) for p in fx.files]
    for path, want in zip(fx.files, expected_files):
        text = path.read_text(encoding="utf-8")
        result = fix_source(text, str(path), unsafe=True, rules=[fx.code])
        got = without_markers(result.new_source, fx.code)
        if result.changed:  # a changed file's docstring says what the fix did, and if unsafe
            unsafe = any(not a.safe for a in result.applied)
            assert ("--unsafe-fixes" in want.read_text(encoding="utf-8").split('"""')[1]) is unsafe
            got, want_text = without_docstring(got), without_docstring(want.read_text(encoding="utf-8"))
        else:
            want_text = want.read_text(encoding="utf-8")
        assert got == want_text, unified_diff(want_text, got, str(want))
        assert all(a.code == fx.code for a in result.applied)


@pytest.mark.parametrize("pair", fixed_pairs(), ids=[f"{fx.code}/{p.name}" for fx, p in fixed_pairs()])
def test_fixed_fixture_has_no_finding_of_its_rule_and_no_marker(pair):
    fx, fixed = pair
    assert fx.path.exists(), f"{fixed.name} has no flagged_ counterpart"
    for path in _files(fixed):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"#\s*expect(\+\d+)?:\s*" + fx.code, text)
        assert not [v for v in check_source(text, str(path)) or [] if v.code == fx.code]


def test_every_fixable_rule_fixes_at_least_one_flagged_fixture():
    fixed_codes = {fx.code for fx in FLAGGED if fx.path in FIXED}
    assert fixed_codes == FIXABLE


# ------------------------------------------------------------ properties over all fixtures
@pytest.mark.parametrize("path", ALL_FILES, ids=[str(p.relative_to(REPO / "rules")) for p in ALL_FILES])
def test_fix_is_idempotent_compiles_and_adds_no_finding(path):
    text = path.read_text(encoding="utf-8")
    once = fix_source(text, str(path), unsafe=True)
    compile(once.new_source, str(path), "exec", dont_inherit=True)
    twice = fix_source(once.new_source, str(path), unsafe=True)
    assert twice.new_source == once.new_source, unified_diff(once.new_source, twice.new_source, str(path))
    assert not twice.applied
    if once.changed:
        before, after = _codes(text, path), _codes(once.new_source, path)
        grown = {c: n for c, n in after.items() if n > before.get(c, 0)}
        assert not grown, f"the fix introduced findings: {grown}"
        assert sum(after[c] for c in FIXABLE) < sum(before[c] for c in FIXABLE)


def test_safe_mode_leaves_unsafe_fixes_and_says_why():
    path = REPO / "rules" / "TL401" / "flagged_main_guard_function.py"
    result = fix_source(path.read_text(encoding="utf-8"), str(path))
    assert not result.changed
    assert [s.code for s in result.skipped] == ["TL401"] and "--unsafe-fixes" in result.skipped[0].reason


# ------------------------------------------------------------ the rule attribute and docs
def test_rules_declare_their_fix_and_specs_say_so():
    assert set(fixers()) == FIXABLE
    for rule in RULES:
        assert rule.fix in ("", "safe", "unsafe", "mixed"), rule.code
        spec = (REPO / "rules" / rule.code / "spec.md").read_text(encoding="utf-8")
        section = spec.split("## Fix", 1)[1].split("\n## ", 1)[0].strip() if "## Fix" in spec else ""
        assert section, f"{rule.code}: spec.md has no '## Fix' section"
        first = section.split(".", 1)[0].lower()
        expected = {"": "none", "safe": "safe", "unsafe": "unsafe", "mixed": "safe or unsafe"}[rule.fix]
        assert first.startswith(expected), f"{rule.code}: '## Fix' starts {first!r}, fix = {rule.fix!r}"


# ------------------------------------------------------------ machinery
LOOP = """import torch
from torch import nn

model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(4, 2), torch.randn(4, 1))]:
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.zero_grad(){comment}
    optimizer.step()
"""


@pytest.mark.parametrize("comment, fixed", [
    ("", True), ("  # noqa", False), ("  # noqa: TL102", False), ("  # noqa:TL1", False),
    ("  # NOQA: TL102", False), ("  # noqa: E501", True), ("  # noqa: TL101", True)])
def test_noqa_is_respected_as_flake8_does(comment, fixed):
    result = fix_source(LOOP.format(comment=comment), "train.py", rules=["TL102"])
    assert result.changed is fixed


def test_noqa_lines_are_flake8s():
    # flake8 joins the lines of a multi-line *token* (a string), not of a bracketed
    # statement: a noqa after the closing bracket does not reach its first line
    src = edits.Source('loader = DataLoader(\n    ds,\n    shuffle=True,\n)  # noqa: TL503\n'
                       'x = f("""\nabc""")  # noqa: TL202\ny = 1\n')
    assert not src.suppressed(1, "TL503") and src.suppressed(4, "TL503")
    assert src.suppressed(5, "TL202") and src.suppressed(6, "TL202") and not src.suppressed(7, "TL202")


def test_noqa_pattern_is_flake8s():
    flake8_defaults = pytest.importorskip("flake8.defaults")
    theirs = getattr(flake8_defaults, "NOQA_INLINE_REGEXP", None)
    if theirs is None:
        pytest.skip("this flake8 names its noqa pattern differently")
    assert (theirs.pattern, theirs.flags & re.IGNORECASE) == (edits.NOQA.pattern, re.IGNORECASE)


EVAL = """import torch
from torch import nn

model = nn.Linear(2, 1)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model.to(device)
model.eval()
total = 0.0
for _ in range(2):
    x = torch.randn(3, 2)
    x.to(device)
    total += model(x).sum().item()
print(total)
"""


def test_overlapping_fixes_wait_for_the_next_pass():
    # TL602 rewrites the whole loop, TL202 edits a line inside it: one per pass
    result = fix_source(EVAL, "evaluate.py")
    assert [(a.code, a.line) for a in result.applied] == [("TL602", 9), ("TL202", 12)]
    assert "    with torch.no_grad():" not in result.new_source
    assert "with torch.no_grad():\n    for _ in range(2):\n" in result.new_source
    assert "        x = x.to(device)\n" in result.new_source and not result.skipped


def test_a_fix_that_removes_another_report_leaves_nothing_behind():
    # TL602's no_grad also ends TL104's graph: TL104 waits a pass, then is gone
    path = REPO / "rules" / "TL104" / "flagged_validation_sum_without_no_grad.py"
    result = fix_source(path.read_text(encoding="utf-8"), str(path), unsafe=True)
    assert [a.code for a in result.applied] == ["TL602"] and not result.skipped
    assert not check_source(result.new_source, str(path))


def test_edit_conflicts():
    a = edits.Edit(10, 20, "x")
    assert a.conflicts(edits.Edit(15, 25, "y")) and a.conflicts(edits.Edit(10, 10, "y"))
    assert a.conflicts(edits.Edit(12, 12, "y"))
    assert not a.conflicts(edits.Edit(20, 20, "y")) and not a.conflicts(edits.Edit(0, 10, "y"))


def test_a_fix_that_would_not_compile_is_not_applied(monkeypatch):
    def broken(ctx, v):
        return edits.Fix("break it", (edits.Edit(0, 0, "def ("),), True)

    monkeypatch.setitem(fixers(), "TL102", broken)
    result = fix_source(LOOP.format(comment=""), "train.py", rules=["TL102"])
    assert not result.changed
    assert result.skipped == [Skipped("TL102", 9, "the fix would not compile")]


def test_a_failing_fix_is_skipped_not_raised(monkeypatch):
    def failing(ctx, v):
        raise KeyError("bug")

    monkeypatch.setitem(fixers(), "TL102", failing)
    result = fix_source(LOOP.format(comment=""), "train.py", rules=["TL102"])
    assert not result.changed and "internal error in the TL102 fix: KeyError" in result.skipped[0].reason


def test_syntax_error_leaves_the_text_alone():
    result = fix_source("def (:\n", "bad.py")
    assert not result.changed and result.error.startswith("SyntaxError")


def test_positions_with_non_ascii_text_and_crlf():
    text = LOOP.format(comment="  # é → ü").replace("\n", "\r\n").replace(
        "loss = nn", "loss = nn  # «τ»\r\n    loss = nn")
    result = fix_source(text, "train.py", rules=["TL102"])
    assert result.changed
    lines = result.new_source.split("\r\n")
    assert lines[-3:] == ["    optimizer.step()", "    optimizer.zero_grad()  # é → ü", ""]
    assert "\n" not in result.new_source.replace("\r\n", "")


def test_delete_item_keeps_comments_and_commas():
    def drop(text, index):
        tree = ast.parse(text)
        call = tree.body[0].value
        items = sorted(call.args + call.keywords, key=lambda n: (n.lineno, n.col_offset))
        edit = edits.delete_item(edits.Source(text), items, index)
        return None if edit is None else edits.apply(text, [edit])

    assert drop("f(a, shuffle=True)\n", 1) == "f(a)\n"
    assert drop("f(shuffle=True, b=2)\n", 0) == "f(b=2)\n"
    assert drop("f(shuffle=True,)\n", 0) == "f()\n"
    assert drop("f(\n    a,\n    shuffle=True,  # why\n    b=2,\n)\n", 1) == "f(\n    a,\n    b=2,\n)\n"
    assert drop("f(a,  # keep\n  shuffle=True, b=2)\n", 1) == "f(a,  # keep\n  b=2)\n"
    assert drop("f(a, shuffle=True  # note\n  , b=2)\n", 1) is None


def test_reindent_leaves_multiline_strings_alone():
    text = 'for x in y:\n    s = """\nkept\n  as is"""\n    # comment\n\n    f(x)\n'
    src = edits.Source(text)
    assert src.reindent(1, 7, "", "    ") == (
        '    for x in y:\n        s = """\nkept\n  as is"""\n        # comment\n\n        f(x)\n')


def test_unified_diff_names_the_file():
    out = unified_diff("a\nb\n", "a\nc\n", "x.py")
    assert out.startswith("--- a/x.py\n+++ b/x.py\n") and "-b\n+c\n" in out
    assert unified_diff("a\n", "a\n", "x.py") == ""
    assert "\\ No newline at end of file" in unified_diff("a", "b", "x.py")


def test_fixes_for_lists_each_reports_fix_on_the_original_text():
    path = REPO / "rules" / "TL202" / "flagged_loop_batch_tokens.py"
    text = path.read_text(encoding="utf-8")
    found = fixes_for(text, str(path))
    assert [(v.line, f.safe) for v, f in found.items()] == [(27, False), (28, True)]
    together = edits.apply(text, [e for f in found.values() for e in f.edits])
    assert together == fix_source(text, str(path), unsafe=True).new_source
    assert fixes_for("def (:\n", "bad.py") == {}


def test_pathological_nesting_is_an_error_not_a_crash():
    deep = "import torch\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    result = fix_source(deep, "deep.py")
    assert not result.changed and result.error
