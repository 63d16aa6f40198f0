"""``torchlint check --add-noqa``: a directive where flake8 looks for it, existing
codes kept, idempotent, and never a broken file."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from torchlint import noqa

from _samples import BAD, GOOD, STEP_LINE

REPO = Path(__file__).resolve().parent.parent
STEP = "        optimizer.step()"


def torchlint(*args, cwd):
    return subprocess.run([sys.executable, "-m", "torchlint", "check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("source, line, expected", [
    # plain line
    ("x = 1\n", 1, "x = 1  # noqa: TL101\n"),
    # an existing noqa: codes kept, the new one added
    ("x = 1  # noqa: E501\n", 1, "x = 1  # noqa: E501,TL101\n"),
    ("x = 1  # noqa:E501 long line\n", 1, "x = 1  # noqa: E501,TL101 long line\n"),
    # a code already covered by a prefix: nothing to add
    ("x = 1  # noqa: TL1\n", 1, "x = 1  # noqa: TL1\n"),
    # another comment: the directive after it (flake8 finds it anywhere in the line)
    ("x = 1  # type: int\n", 1, "x = 1  # type: int  # noqa: TL101\n"),
    # a '#' inside a string is not a comment
    ('x = "a # b"\n', 1, 'x = "a # b"  # noqa: TL101\n'),
    # a multi-line string: at the end of its last line, where flake8 looks
    ('x = f("""a\nb""")\ny = 2\n', 1, 'x = f("""a\nb""")  # noqa: TL101\ny = 2\n'),
    ('x = f("""a\nb""")\n', 2, 'x = f("""a\nb""")  # noqa: TL101\n'),
    # a backslash continuation: a comment cannot follow the backslash
    ("x = 1 + \\\n    2\n", 1, "x = 1 + \\\n    2  # noqa: TL101\n"),
    # brackets: each physical line is its own range for flake8
    ("x = f(\n    1,\n)\n", 1, "x = f(  # noqa: TL101\n    1,\n)\n"),
    # line endings and a missing final newline are kept
    ("x = 1\r\ny = 2\r\n", 2, "x = 1\r\ny = 2  # noqa: TL101\r\n"),
    ("x = 1", 1, "x = 1  # noqa: TL101"),
])
def test_where_the_directive_goes(source, line, expected):
    new, written, failed = noqa.edit(source, {line: {"TL101"}})
    assert new == expected
    assert written == (source != expected) and failed == []
    ast.parse(new)


def test_several_codes_on_one_statement_make_one_directive():
    new, written, _ = noqa.edit('x = f("""a\nb""", 1)\n', {1: {"TL301"}, 2: {"TL101"}})
    assert new == 'x = f("""a\nb""", 1)  # noqa: TL101,TL301\n' and written == 1


def test_a_directive_flake8_would_not_see_is_reported_not_claimed():
    """flake8 takes the first `# noqa` in the joined lines: here the string's."""
    _, _, failed = noqa.edit('x = f("""# noqa: E501\nb""")\n', {1: {"TL101"}})
    assert failed == [1]


def test_every_line_of_every_fixture_can_be_silenced_without_breaking_it():
    """All of rules/: any line may carry a finding; the result parses, only comments
    changed (noqa.edit checks the tokens), and flake8 would see every directive."""
    files = sorted(p for p in (REPO / "rules").rglob("*.py") if "__pycache__" not in p.parts)
    assert len(files) > 100
    for path in files:
        text = path.read_text(encoding="utf-8")
        wanted = {n: {"TL101"} for n in range(1, len(text.splitlines()) + 1)}
        new, _, failed = noqa.edit(text, wanted)
        assert failed == [], (path, failed)
        ast.parse(new)
        assert noqa.edit(new, wanted)[1] == 0  # idempotent


def _project(root: Path) -> Path:
    (root / "pkg").mkdir()
    (root / "pkg" / "train.py").write_text(BAD)
    (root / "pkg" / "other.py").write_text(BAD.replace("optimizer.step()\n", "optimizer.step()  # noqa: E501\n"))
    (root / "good.py").write_text(GOOD)
    (root / "crlf.py").write_bytes(BAD.replace("\n", "\r\n").encode())
    return root


def test_add_noqa_makes_the_check_pass_and_is_idempotent(tmp_path):
    root = _project(tmp_path)
    before = torchlint(".", cwd=root)
    assert before.returncode == 1 and len(before.stdout.splitlines()) == 3
    proc = torchlint("--add-noqa", ".", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == "torchlint check: added 3 noqa directives in 3 files\n"
    assert (root / "pkg" / "train.py").read_text().splitlines()[STEP_LINE - 1] == STEP + "  # noqa: TL101"
    assert (root / "pkg" / "other.py").read_text().splitlines()[STEP_LINE - 1] == STEP + "  # noqa: E501,TL101"
    assert (root / "crlf.py").read_bytes().count(b"\r\n") == BAD.count("\n")
    assert (root / "good.py").read_text() == GOOD
    after = torchlint(".", cwd=root)
    assert (after.returncode, after.stdout) == (0, "")
    snapshot = {p: p.read_bytes() for p in root.rglob("*.py")}
    again = torchlint("--add-noqa", ".", cwd=root)
    assert again.returncode == 0 and "added 0 noqa directives" in again.stderr
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == snapshot


def test_add_noqa_leaves_what_it_cannot_silence_reported(tmp_path):
    (tmp_path / "broken.py").write_text("import torch\nfor x in :\n")
    (tmp_path / "train.py").write_text(BAD)
    proc = torchlint("--add-noqa", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert [line.split()[1] for line in proc.stdout.splitlines()] == ["E999"]
    assert (tmp_path / "broken.py").read_text() == "import torch\nfor x in :\n"
    assert "# noqa: TL101" in (tmp_path / "train.py").read_text()
