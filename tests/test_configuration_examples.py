"""docs/configuration.md's ``[flake8]`` examples, run through ``torchlint check``
(the pre-commit side is in tests/test_precommit.py): each one changes what is
reported exactly as the page says, and a bad value is one line, exit status 2."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from _config_examples import EXAMPLES, reported


def torchlint(*args, cwd):
    return subprocess.run([sys.executable, "-m", "torchlint", "check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_through_torchlint_check(tmp_path, name):
    example = EXAMPLES[name]
    without = torchlint(".", cwd=example.write(tmp_path / "without", with_config=False))
    assert reported(without.stdout) == example.without, without.stdout + without.stderr
    with_config = torchlint(".", cwd=example.write(tmp_path / "with"))
    assert reported(with_config.stdout) == example.with_config, with_config.stdout + with_config.stderr
    assert with_config.returncode == (1 if example.with_config else 0)
    assert with_config.stderr == ""


def test_docs_url_of_the_options_example_reaches_the_json_report(tmp_path):
    root = EXAMPLES["options"].write(tmp_path)
    proc = torchlint("--format", "json", ".", cwd=root)
    rows = json.loads(proc.stdout)
    assert [(r["code"], r["url"]) for r in rows] == [
        ("TL302", "https://docs.example.org/torchlint/rules/TL302/")]


def test_the_bad_value_the_page_mentions_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\ntorchlint-lightning-threshold = abc\n")
    (tmp_path / "m.py").write_text("import torch\n")
    proc = torchlint(".", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "setup.cfg" in proc.stderr and "torchlint-lightning-threshold = 'abc'" in proc.stderr
