"""The ``torchlint`` command: rules, explain, docs, lightning -o, usage errors, a
closed stdout. (``torchlint check``: tests/test_check_command.py.)"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from torchlint import cli

from _samples import BAD

REPO = Path(__file__).resolve().parent.parent


def run(*args, cwd=None, **kw):
    return subprocess.run([sys.executable, "-m", "torchlint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, **kw)


def test_rules_table(capsys):
    assert cli.main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "TL101  gradients-never-cleared" in out


@pytest.mark.parametrize("key", ["tl101", "TL101", "gradients-never-cleared", "gradients_never_cleared"])
def test_explain_by_code_or_name(capsys, key):
    assert cli.main(["explain", key]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# TL101 · gradients-never-cleared")
    assert "## Why is this bad?" in out and "## How to silence" in out
    assert "<!--" not in out  # the generated-page note is for contributors, not readers


def test_explain_unknown_rule_suggests_the_closest(capsys):
    assert cli.main(["explain", "gradient-never-cleared"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule 'gradient-never-cleared'" in err and "did you mean 'gradients-never-cleared'" in err


def test_usage_errors_are_one_line_and_exit_2():
    for args in (["explain"], ["frobnicate"], ["rules", "--bogus"]):
        proc = run(*args)
        assert proc.returncode == 2, args
        assert proc.stderr.count("\n") == 1 and "error:" in proc.stderr, proc.stderr


def test_console_script_is_installed():
    proc = run("--version")
    assert proc.stdout.startswith("torchlint ")


@pytest.mark.parametrize("args", [["rules"], ["explain", "TL101"], ["check", "--help"]])
def test_closed_stdout_is_not_a_traceback(args):
    """`torchlint rules | head`: the reader is gone before the command writes."""
    proc = subprocess.Popen([sys.executable, "-m", "torchlint", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in ((0, 141) if "--help" in args else (141,))  # argparse's help
    assert err == "", err  # swallows a closed stdout itself


# --- torchlint docs: a developer command, for a source checkout ----------------------

def test_docs_check_passes_on_the_repo():
    proc = run("docs", "--check", cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _mtimes(root: Path) -> dict:
    paths = [root / "README.md", root / "mkdocs.yml", *(root / "docs").rglob("*.md")]
    return {p: p.stat().st_mtime_ns for p in paths}


def test_docs_outside_a_checkout_writes_nothing_and_says_why(tmp_path):
    """It crashed outside the checkout, left a stray site-packages/docs/, and with an
    editable install rewrote the checkout from any directory."""
    before = _mtimes(REPO)
    proc = run("docs", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not a torchlint source checkout" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
    assert _mtimes(REPO) == before
    assert not (REPO / "torchlint" / "docs").exists()


def test_docs_regenerates_the_checkout_it_is_run_in(tmp_path):
    """A copy of the checkout, with its own code (`python -m torchlint` run there)."""
    copy = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", "site", ".git")
    for name in ("torchlint", "rules", "docs"):
        shutil.copytree(REPO / name, copy / name, ignore=ignore)
    for name in ("README.md", "mkdocs.yml"):
        shutil.copy2(REPO / name, copy / name)
    (copy / "docs" / "rules" / "TL101.md").write_text("stale\n")
    assert run("docs", "--check", cwd=copy).returncode == 1
    assert run("docs", cwd=copy).returncode == 0
    page = Path("docs", "rules", "TL101.md")
    assert (copy / page).read_text() == (REPO / page).read_text()
    other = run("docs", "--check", "--root", str(copy), cwd=tmp_path)  # REPO's code, not the copy's
    assert other.returncode == 2 and "is not" in other.stderr


# --- torchlint lightning -o ------------------------------------------------------------

@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "train.py"
    path.write_text(BAD)
    return path


def test_lightning_refuses_to_overwrite_its_input(script):
    proc = run("lightning", str(script), "-o", str(script))
    assert proc.returncode == 2 and "over its input" in proc.stderr
    assert script.read_text() == BAD
    forced = run("lightning", str(script), "-o", str(script), "--force")
    assert forced.returncode == 2 and script.read_text() == BAD
    link = script.parent / "link.py"  # the same file under another name
    link.symlink_to(script)
    assert run("lightning", str(script), "-o", str(link), "--force").returncode == 2
    assert script.read_text() == BAD


def test_lightning_replaces_another_file_only_with_force(script):
    out = script.parent / "lit.py"
    out.write_text("# mine\n")
    proc = run("lightning", str(script), "-o", str(out))
    assert proc.returncode == 2 and "--force" in proc.stderr and out.read_text() == "# mine\n"
    assert run("lightning", str(script), "-o", str(out), "--force").returncode == 0
    assert out.read_text() != "# mine\n" and "lightning" in out.read_text().lower()
    fresh = script.parent / "new.py"
    assert run("lightning", str(script), "-o", str(fresh)).returncode == 0 and fresh.exists()


def test_lightning_output_errors_are_one_line(script):
    proc = run("lightning", str(script), "-o", str(script.parent / "missing" / "lit.py"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    proc = run("lightning", str(script), "-o", str(script.parent))
    assert proc.returncode == 2 and "folder" in proc.stderr


def test_main_module_entry():
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "torchlint", "rules"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0 and "TL101" in proc.stdout


def test_closed_stdout_during_check_is_not_a_traceback(script):
    proc = subprocess.Popen([sys.executable, "-m", "torchlint", "check", "--isolated", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == "", err
