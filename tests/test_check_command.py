"""``torchlint check``: flake8 driven through its own Application with only the
TL rules at torchlint's defaults; formats, exit codes, config, progress."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

from torchlint import check

from _samples import BAD, GOOD, STEP_LINE, report

REPO = Path(__file__).resolve().parent.parent
LINE = report("bad.py")


def torchlint(*args, cwd, **kw):
    return subprocess.run([sys.executable, "-m", "torchlint", "check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, **kw)


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(BAD + "import os\n")  # F401 too: must not be reported
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("for x in :\n")
    return tmp_path


def test_text_output_matches_flake8_and_exit_codes(tmp_path):
    root = _tree(tmp_path)
    proc = torchlint(cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["./" + LINE]
    assert proc.stderr == ""  # not a terminal: no progress
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=TL", "bad.py"],
                            cwd=root, capture_output=True, text=True)
    assert torchlint("bad.py", cwd=root).stdout == flake8.stdout
    clean = torchlint("good.py", cwd=root)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_json_format(tmp_path):
    proc = torchlint("--format", "json", "bad.py", "good.py", cwd=_tree(tmp_path))
    assert proc.returncode == 1
    found = [(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)]
    assert found == [("bad.py", STEP_LINE, "TL101")]


def test_usage_error_is_2(tmp_path):
    assert torchlint("--format", "xml", cwd=tmp_path).returncode == 2


def test_missing_path_and_syntax_error_are_reported_not_hidden(tmp_path):
    (tmp_path / "broken.py").write_text("import torch\nfor x in :\n")
    proc = torchlint("broken.py", "missing.py", cwd=tmp_path)
    assert proc.returncode == 1
    codes = sorted(line.split()[1] for line in proc.stdout.splitlines())
    assert codes == ["E902", "E999"], proc.stdout


def test_config_noqa_and_per_file_ignores_are_flake8s(tmp_path):
    root = _tree(tmp_path)
    (root / "scripts").mkdir()
    (root / "scripts" / "bad.py").write_text(BAD)
    (root / "setup.cfg").write_text(textwrap.dedent(
        """\
        [flake8]
        select = E,W,F
        exclude = ignored_dir
        per-file-ignores = scripts/*:TL101
        """))
    (root / "ignored_dir").mkdir()
    (root / "ignored_dir" / "bad.py").write_text(BAD)
    (root / "noqa.py").write_text(BAD.replace("optimizer.step()\n", "optimizer.step()  # noqa: TL101\n"))
    proc = torchlint(cwd=root)  # a config `select` without TL does not hide torchlint here
    assert proc.stdout.splitlines() == ["./" + LINE], proc.stdout


def test_only_torchlints_checker_runs():
    from flake8.main.application import Application  # noqa: F401  (flake8 is importable)

    app = check._application(None)
    app.initialize(check.flake8_argv(["."]))
    plugins = app.file_checker_manager.plugins
    assert [p.entry_name for p in plugins.tree] == ["TL"]
    assert plugins.logical_line == [] and plugins.physical_line == []


def test_default_selection_leaves_default_off_rules_off():
    from torchlint.checks import RULES

    selected = check.default_select()
    for rule in RULES:
        assert (rule.code in selected) == (rule.default_enabled and not rule.code.startswith("TL9"))
    assert {"TL000", "E902", "E999"} <= set(selected)
    argv = check.flake8_argv(["x.py"], extend_select=["TL9"])
    assert "--extend-select=TL9" in argv and argv[-1] == "x.py"


def test_progress_on_a_terminal_only(tmp_path):
    root = _tree(tmp_path)
    for i in range(12):
        (root / f"m{i}.py").write_text(GOOD)
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "torchlint", "check", "--jobs", "2", "."], cwd=root,
                              stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    err = b"".join(chunks).decode()
    assert proc.returncode == 1
    assert "torchlint: 14/14 files checked in" in err, err
    assert proc.stdout.splitlines() == ["./" + LINE]  # progress never mixes into stdout
    quiet = torchlint("--quiet", ".", cwd=root)
    assert quiet.stderr == ""
