"""The README's quick start says what is true: its test command is the one CI runs
(with the CPU pin in the command itself), it gives the suite's duration, and
its lint of the fixtures reports what it claims."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from _fixtures import all_fixtures

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
QUICK_START = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
COMMANDS = re.findall(r"```sh\n(.*?)\n```", QUICK_START, flags=re.S)


def test_the_test_command_pins_cpu_torch_and_is_what_ci_runs():
    test_command = COMMANDS[1]
    installs = test_command.split(" && ")
    assert installs[0] == "pip install torch==2.13.0"  # before the extras, in the command itself
    assert 'pip install -e ".[test]"' in installs[1:] and installs[-1].startswith("python -m pytest")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip()
                and not line.strip().startswith("#")]
    assert test_command in commands, ".ci/run must run the README's test command verbatim"
    assert not any("pip install" in c and "torch" in c and c != test_command for c in commands)


def test_the_readme_gives_the_test_suite_duration():
    assert re.search(r"test suite takes about \d+ minutes", QUICK_START)


def test_the_quick_start_lint_reports_what_the_readme_says():
    """Every flagged_* fixture is reported for its code; no clean_* one is, except
    those the README names (their header sets an option only the test suite reads)."""
    lint = shlex.split(COMMANDS[0].split(" && ")[-1])
    assert lint[:3] == ["flake8", "--select", "TL"]
    proc = subprocess.run([sys.executable, "-m", *lint], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    reported = defaultdict(set)
    for line in proc.stdout.splitlines():
        path, _, _, rest = line.split(":", 3)
        reported[path].add(rest.split()[0])
    exceptions = set()
    for fixture in all_fixtures():
        codes = set().union(*(reported[str(f.relative_to(REPO))] for f in fixture.files))
        if fixture.flagged:
            assert fixture.code in codes, fixture.id
        elif fixture.code in codes:
            exceptions.add(fixture)
    assert exceptions, "the README names an exception: if it is gone, say so there"
    for fixture in exceptions:
        assert fixture.options(), f"{fixture.id} is reported although its header sets no option"
        assert f"`rules/{fixture.id}`" in QUICK_START, f"the README does not name {fixture.id}"
    named = set(re.findall(r"`rules/(TL\d+/clean_[\w.]+)`", QUICK_START))
    assert named == {f.id for f in exceptions}
