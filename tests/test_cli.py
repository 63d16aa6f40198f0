from __future__ import annotations

import subprocess
import sys

from torchlint import cli


def test_rules_table(capsys):
    assert cli.main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "TL101  gradients-never-cleared" in out


def test_explain_prints_the_rule_page(capsys):
    assert cli.main(["explain", "tl101"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# TL101 · gradients-never-cleared")
    assert "## Why is this bad?" in out


def test_explain_unknown_code(capsys):
    assert cli.main(["explain", "TL999"]) == 2
    assert "unknown rule" in capsys.readouterr().err


def test_console_script_is_installed():
    proc = subprocess.run([sys.executable, "-m", "torchlint", "--version"], capture_output=True, text=True)
    assert proc.stdout.startswith("torchlint ")


def test_docs_check_passes_on_the_repo(capsys):
    assert cli.main(["docs", "--check"]) == 0
