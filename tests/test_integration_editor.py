"""Where people run it, end to end through the real flake8 in a subprocess: the
editor path (unsaved buffer on stdin, ``--stdin-display-name``), ``# noqa``
and ``per-file-ignores`` from a config file, exactly as an editor integration
(VS Code's flake8 extension, ALE, flymake) invokes it."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from _samples import BAD, MESSAGE, STEP_LINE


def editor_flake8(display_name: str, source: str, cwd, *args: str):
    """What an editor runs: flake8 in the project folder, the buffer on stdin."""
    cmd = [sys.executable, "-m", "flake8", *args, "--stdin-display-name", display_name, "-"]
    return subprocess.run(cmd, input=source, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_stdin_buffer_is_linted_under_its_display_name(tmp_path):
    proc = editor_flake8("src/train.py", BAD, tmp_path, "--isolated", "--select=TL")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [f"src/train.py:{STEP_LINE}:9: {MESSAGE}"]


def test_stdin_with_default_selection_reports_tl_beside_pyflakes(tmp_path):
    source = BAD.replace("import argparse\n", "import argparse\nimport os\n", 1)
    proc = editor_flake8("train.py", source, tmp_path, "--isolated")
    codes = [line.split()[1] for line in proc.stdout.splitlines()]
    assert "F401" in codes and "TL101" in codes, proc.stdout


def test_stdin_noqa_with_code_silences_only_that_code(tmp_path):
    silenced = BAD.replace("optimizer.step()\n", "optimizer.step()  # noqa: TL101\n")
    assert editor_flake8("train.py", silenced, tmp_path, "--isolated", "--select=TL").stdout == ""
    other = BAD.replace("optimizer.step()\n", "optimizer.step()  # noqa: E501\n")
    assert MESSAGE in editor_flake8("train.py", other, tmp_path, "--isolated", "--select=TL").stdout


def _project(tmp_path, config_name: str, body: str):
    (tmp_path / config_name).write_text(body)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "src").mkdir()
    return tmp_path


def test_per_file_ignores_from_setup_cfg_apply_to_the_display_name(tmp_path):
    root = _project(tmp_path, "setup.cfg", textwrap.dedent(
        """\
        [flake8]
        select = TL
        per-file-ignores =
            scripts/*.py: TL101
        """))
    ignored = editor_flake8("scripts/train.py", BAD, root)
    assert ignored.returncode == 0 and ignored.stdout == "", ignored.stdout + ignored.stderr
    reported = editor_flake8("src/train.py", BAD, root)
    assert reported.stdout.splitlines() == [f"src/train.py:{STEP_LINE}:9: {MESSAGE}"]


def test_per_file_ignores_in_dot_flake8_and_extend_ignore(tmp_path):
    root = _project(tmp_path, ".flake8", textwrap.dedent(
        """\
        [flake8]
        extend-ignore = E,W,F,C
        per-file-ignores = src/legacy_*.py:TL1
        """))
    assert editor_flake8("src/legacy_train.py", BAD, root).stdout == ""
    assert MESSAGE in editor_flake8("src/train.py", BAD, root).stdout


def test_torchlint_options_from_config_reach_the_plugin(tmp_path):
    """A [flake8] setting of a torchlint option is parsed (a bad value would abort flake8)."""
    config = "[flake8]\nselect = TL\ntorchlint-docs-url = https://example.org/tl\n"
    root = _project(tmp_path, "tox.ini", config)
    proc = editor_flake8("src/train.py", BAD, root)
    assert proc.returncode == 1 and MESSAGE in proc.stdout, proc.stderr


def test_stdin_syntax_error_mid_edit_is_only_e999(tmp_path):
    half_typed = BAD + "for x in :\n"
    proc = editor_flake8("train.py", half_typed, tmp_path, "--isolated", "--select=TL,E999")
    assert [line.split()[1] for line in proc.stdout.splitlines()] == ["E999"], proc.stdout
    assert "Traceback" not in proc.stderr
