"""``torchlint check --fix / --unsafe-fixes / --diff`` (torchlint/fix/cli.py and its hook
in ``torchlint check``): Ruff's conventions, flake8's files, codes and ``# noqa``."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from _fixtures import REPO
from torchlint import cli
from torchlint.fix import cli as fix_cli

ZERO_GRAD = (REPO / "rules" / "TL102" / "flagged_zero_grad_between.py").read_text(encoding="utf-8")
UNSEEDED = (REPO / "rules" / "TL401" / "flagged_main_guard_function.py").read_text(encoding="utf-8")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # flake8 reads setup.cfg / tox.ini / .flake8 from here
    (tmp_path / "train.py").write_text(ZERO_GRAD, encoding="utf-8")
    (tmp_path / "run.py").write_text(UNSEEDED, encoding="utf-8")
    return tmp_path


def _apply(*paths, **kw):
    out, err = io.StringIO(), io.StringIO()
    status = fix_cli.apply(list(paths), out=out, err=err, **kw)
    return status, out.getvalue(), err.getvalue()


def test_diff_prints_and_changes_nothing(project):
    status, out, err = _apply(".", diff=True)
    assert status == 1
    assert out.startswith("--- a/train.py\n+++ b/train.py\n") and "+        optimizer.step()\n" in out
    assert (project / "train.py").read_text(encoding="utf-8") == ZERO_GRAD
    assert "1 more fix(es) available with --unsafe-fixes" in err
    status, out, _ = _apply(".", diff=True, unsafe=True)
    assert status == 1 and "+    torch.manual_seed(0)\n" in out


def test_diff_exits_0_when_nothing_to_fix(project):
    _apply(".", unsafe=True)
    assert _apply(".", diff=True, unsafe=True)[:2] == (0, "")


def test_fix_writes_safe_fixes_only_unless_asked(project):
    status, out, err = _apply(".")
    assert status == 0 and out == ""
    assert "train.py: fixed 1 (TL102 line 17)" in err
    assert (project / "train.py").read_text(encoding="utf-8") != ZERO_GRAD
    assert (project / "run.py").read_text(encoding="utf-8") == UNSEEDED
    _apply(".", unsafe=True)
    assert "torch.manual_seed(0)" in (project / "run.py").read_text(encoding="utf-8")


def test_check_fix_reports_what_is_left(project, capsys):
    status = cli.main(["check", "--fix", "--no-progress", "--extend-select", "TL9", "train.py", "run.py"])
    out = capsys.readouterr().out
    assert status == 1 and "TL401" in out and "TL102" not in out  # TL401's fix is unsafe
    assert cli.main(["check", "--fix", "--unsafe-fixes", "--no-progress", "run.py"]) in (0, 1)
    assert "TL401" not in capsys.readouterr().out
    assert cli.main(["check", "--diff", "train.py", "run.py"]) == 0  # nothing left to fix


def test_config_ignores_and_noqa_are_respected(project):
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores =\n    train.py: TL102\n")
    assert _apply(".", diff=True)[0] == 0
    (project / "setup.cfg").write_text("[flake8]\nextend-exclude = train.py\n")
    assert _apply(".", diff=True)[0] == 0
    (project / "setup.cfg").unlink()
    (project / "train.py").write_text(ZERO_GRAD.replace("# expect: TL102", "# noqa: TL102"))
    assert _apply(".", diff=True)[0] == 0


def test_encoding_bom_and_newlines_are_kept(project):
    text = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + ZERO_GRAD
    (project / "train.py").write_bytes(text.replace("\n", "\r\n").encode("latin-1"))
    _apply("train.py")
    data = (project / "train.py").read_bytes()
    assert data.startswith(b"# -*- coding: latin-1 -*-\r\n# caf\xe9\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"optimizer.step()\r\n        optimizer.zero_grad()" in data
    (project / "train.py").write_bytes(b"\xef\xbb\xbf" + ZERO_GRAD.encode())
    _apply("train.py")
    assert (project / "train.py").read_bytes().startswith(b"\xef\xbb\xbf\"\"\"")


def test_unreadable_or_broken_files_get_one_line_and_are_left_alone(project):
    (project / "bad.py").write_text("import torch\ndef (:\n")
    (project / "latin.py").write_bytes(b"import torch\nx = '\xe9'\n")
    status, _out, err = _apply(".", diff=True)
    assert status == 1  # train.py still has a fix
    lines = [ln for ln in err.splitlines() if ln.startswith(("bad.py", "latin.py"))]
    assert [ln.split(":", 3)[:3] for ln in lines] == [
        ["bad.py", " not fixed", " SyntaxError"], ["latin.py", " not fixed", " UnicodeDecodeError"]]
    assert "Traceback" not in err
    assert (project / "bad.py").read_text() == "import torch\ndef (:\n"


def test_a_folder_fixture_is_fixed_across_its_modules(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(REPO / "rules" / "TL101" / "flagged_step_in_engine", tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    assert _apply(".")[0] == 0
    want = (REPO / "rules" / "TL101" / "fixed_step_in_engine" / "train.py").read_text(encoding="utf-8")
    got = Path("train.py").read_text(encoding="utf-8")
    assert got.split('"""', 2)[2].replace("  # expect: TL101", "") == want.split('"""', 2)[2]
