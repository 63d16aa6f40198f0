"""``torchlint check``: flake8 driven through its own Application and option parser,
only the TL rules, selected as ``flake8 --select TL`` selects them (TL9 aside);
flake8's flags, formats, exit codes, config errors, progress on a terminal."""
from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchlint import check

from _config_examples import LOOP, UNSEEDED
from _samples import BAD, GOOD, STEP_LINE, report

REPO = Path(__file__).resolve().parent.parent
LINE = report("bad.py")


def torchlint(*args, cwd, **kw):
    return subprocess.run([sys.executable, "-m", "torchlint", "check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, **kw)


def flake8(*args, cwd):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


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
    reference = flake8("--isolated", "--select=TL", "bad.py", cwd=root)
    assert torchlint("bad.py", cwd=root).stdout == reference.stdout
    clean = torchlint("good.py", cwd=root)
    assert (clean.returncode, clean.stdout) == (0, "")


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
    proc = torchlint(cwd=root)  # a config `select` naming no TL code leaves torchlint's default
    assert proc.stdout.splitlines() == ["./" + LINE], proc.stdout


def test_config_select_naming_tl_codes_limits_the_report(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "unseeded.py").write_text(UNSEEDED)
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = E,W,F,TL4\n")
    proc = torchlint(cwd=tmp_path)
    assert [line.split()[1] for line in proc.stdout.splitlines()] == ["TL401"], proc.stdout
    reference = flake8(".", cwd=tmp_path)  # plain flake8 under the same config
    assert proc.stdout == reference.stdout


# --- selection: exactly `flake8 --select TL`, TL9 aside ------------------------------

PREFIX_CONFIG = """\
[flake8]
extend-ignore = TL4
per-file-ignores =
    notebooks/*: TL
    scripts/*.py: TL1
"""


def _prefix_tree(root: Path) -> Path:
    files = {
        "train.py": BAD, "unseeded.py": UNSEEDED, "loop.py": LOOP,
        "literal_lr.py": GOOD.replace("lr=args.lr", "lr=0.1"),
        "notebooks/explore.py": BAD.replace("    torch.manual_seed(0)\n", ""),
        "scripts/run.py": BAD.replace("lr=args.lr", "lr=0.1")
        .replace('"--lr", type=float', '"--n", type=int'),
        "noqa.py": BAD.replace("optimizer.step()\n", "optimizer.step()  # noqa: TL1\n"),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / ".flake8").write_text(PREFIX_CONFIG)
    return root


def test_issue_13_prefixes_in_per_file_ignores_and_extend_ignore(tmp_path):
    """The report of issue 13: `notebooks/*: TL` and `extend-ignore = TL4` were
    ignored by `torchlint check`, which reported TL101/TL301/TL401 and exited 1."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "explore.py").write_text(
        BAD.replace("    torch.manual_seed(0)\n", "").replace("lr=args.lr", "lr=0.1")
        .replace('"--lr", type=float, default=0.01', '"--epochs", type=int, default=1'))
    (tmp_path / ".flake8").write_text("[flake8]\nper-file-ignores = notebooks/*: TL\nextend-ignore = TL4\n")
    assert flake8("--select", "TL", "notebooks", cwd=tmp_path).stdout == ""
    proc = torchlint("notebooks", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "")
    (tmp_path / ".flake8").write_text("[flake8]\n")  # the tree does have findings
    assert {line.split()[1] for line in torchlint("notebooks", cwd=tmp_path).stdout.splitlines()} == {
        "TL101", "TL301", "TL401"}


@pytest.mark.parametrize("args, tl9_selected", [
    ((), False),
    (("--extend-ignore=TL3",), False),
    (("--extend-select=TL401",), False),  # longer than the config's TL4: selected again
    (("--select=TL1,TL3",), False),
    (("--ignore=TL1",), False),
    (("--per-file-ignores=train.py:TL10",), False),
    (("--extend-select=TL9",), True),
])
def test_selection_is_flake8_select_tl(tmp_path, args, tl9_selected):
    root = _prefix_tree(tmp_path)
    ours = torchlint(*args, ".", cwd=root)
    theirs = flake8("--select=TL", *args, ".", cwd=root)
    expected = [line for line in theirs.stdout.splitlines() if tl9_selected or " TL9" not in line]
    assert ours.stdout.splitlines() == expected, (ours.stdout, theirs.stdout)
    assert ours.returncode == (1 if expected else 0)
    if not args:  # the tree and config exercise prefixes: the default run is not trivial
        assert {(line.split(":")[0], line.split()[1]) for line in expected} == {
            ("./train.py", "TL101"), ("./literal_lr.py", "TL302"), ("./scripts/run.py", "TL301")}
        assert any(" TL901" in line for line in theirs.stdout.splitlines())


def test_default_selection_leaves_default_off_rules_off():
    from flake8.style_guide import Decision, DecisionEngine

    from torchlint.checks import RULES

    def selected(*argv):
        _, options = check.parse(["--isolated", *argv, "x.py"])
        engine = DecisionEngine(options)
        return {c for c in [r.code for r in RULES] + list(check.ALWAYS)
                if engine.decision_for(c) is Decision.Selected}

    default = selected()
    for rule in RULES:
        assert (rule.code in default) == (rule.default_enabled and not rule.code.startswith("TL9"))
    assert set(check.ALWAYS) <= default
    assert "TL901" in selected("--extend-select=TL9")
    assert "TL901" in selected("--select=TL")  # explicit, as in flake8
    assert selected("--select=TL1") == {r.code for r in RULES if r.code.startswith("TL1")} | set(check.ALWAYS)


def test_only_torchlints_checker_runs():
    app = check._application(check._Run(False))
    app.initialize(["--isolated", "."])
    plugins = app.file_checker_manager.plugins
    assert [p.entry_name for p in plugins.tree] == ["TL"]
    assert plugins.logical_line == [] and plugins.physical_line == []


# --- flake8's flags ---------------------------------------------------------------------

def test_flake8_flags_are_accepted(tmp_path):
    """Each was "unrecognized arguments" (exit 2) before issue 13."""
    root = _tree(tmp_path)
    (root / "vendor").mkdir()
    (root / "vendor" / "bad.py").write_text(BAD)
    (root / "other.cfg").write_text("[flake8]\nextend-ignore = TL101\n")
    (root / ".flake8").write_text("[flake8]\nextend-ignore = TL1\n")

    def run(*args):
        return torchlint(*args, cwd=root)

    assert run("bad.py").stdout == ""  # the .flake8 applies ...
    isolated = run("--isolated", "bad.py")  # ... unless --isolated
    assert isolated.stdout.splitlines() == [LINE]
    assert run("--config", "other.cfg", "bad.py").stdout == ""
    assert run("--isolated", "--exit-zero", "bad.py").returncode == 0
    assert run("--isolated", "--count", "bad.py").stdout.splitlines() == [LINE, "1"]
    stats = run("--isolated", "--statistics", "bad.py").stdout.splitlines()
    assert stats[0] == LINE and re.match(r"1\s+TL101 ", stats[1]), stats
    assert run("--isolated", "--show-source", "bad.py").stdout.splitlines()[1:] == [
        "        optimizer.step()", "        ^"]
    assert run("--isolated", "--extend-ignore=TL101", "bad.py").stdout == ""
    assert run("--isolated", "--per-file-ignores=bad.py:TL", "bad.py").stdout == ""
    everything = run("--isolated", ".").stdout.splitlines()
    assert "./vendor/" + LINE in everything
    assert "./vendor/" + LINE not in run("--isolated", "--exclude=vendor", ".").stdout.splitlines()
    assert "./vendor/" + LINE not in run("--isolated", "--extend-exclude=vendor", ".").stdout.splitlines()
    assert run("--isolated", "-j", "1", "-q", "bad.py").stdout == "bad.py\n"  # flake8's -q: names only
    seeded = torchlint("--isolated", "--torchlint-seed-functions=fix_seeds", "-", cwd=root,
                       input=UNSEEDED.replace("optimizer.step()\n", "optimizer.step()\n    fix_seeds(1)\n"))
    assert (seeded.returncode, seeded.stdout) == (0, "")
    out = root / "report.txt"
    teed = run("--isolated", "--output-file", str(out), "--tee", "bad.py")
    assert teed.stdout.splitlines() == [LINE] and out.read_text().splitlines() == [LINE]


@pytest.mark.parametrize("config, args, says", [
    ("torchlint-lightning-threshold = abc", (), "torchlint-lightning-threshold = 'abc' is not an integer"),
    ("torchlint-allow-hardcoded-cuda = maybe", (), "is not a boolean"),
    ("extend-ignore = tl1", (), "'tl1' supplied to 'extend-ignore'"),
    ("", ("--torchlint-lightning-threshold=abc",), "invalid int value: 'abc'"),
    ("", ("--jobs=some",), "must be 'auto' or an integer"),
    ("", ("--bogus",), "unrecognized arguments: --bogus"),
    ("", ("--config", "missing.cfg"), "missing.cfg"),
    ("", ("--format", "xml"), "unknown format 'xml'"),
    ("", ("--add-noqa", "-"), "cannot take stdin"),
])
def test_usage_and_configuration_errors_are_one_line_and_exit_2(tmp_path, config, args, says):
    (tmp_path / "setup.cfg").write_text(f"[flake8]\n{config}\n")
    (tmp_path / "bad.py").write_text(BAD)
    proc = torchlint(*args, "bad.py", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("torchlint check: error: "), proc.stderr
    assert says in proc.stderr


def test_unknown_torchlint_option_in_config_is_a_warning(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\ntorchlint-lightning-treshold = 3\n")
    (tmp_path / "bad.py").write_text(BAD)
    proc = torchlint("bad.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert "unknown option 'torchlint-lightning-treshold'" in proc.stderr


def test_help_lists_flake8s_and_torchlints_options():
    proc = subprocess.run([sys.executable, "-m", "torchlint", "check", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: torchlint check")
    for flag in ("--exit-zero", "--per-file-ignores", "--extend-exclude", "--torchlint-seed-functions",
                 "--add-noqa", "--no-progress", "--statistics"):
        assert flag in proc.stdout


def test_no_python_files_is_a_warning_not_silence(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("# nothing\n")
    proc = torchlint("empty", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr == "torchlint check: warning: no Python files found under empty\n"
    (tmp_path / "x").mkdir()
    assert torchlint(cwd=_tree(tmp_path / "x")).stderr == ""  # not said when there are files


# --- formats ------------------------------------------------------------------------------

def test_json_format(tmp_path):
    proc = torchlint("--format", "json", "bad.py", "good.py", cwd=_tree(tmp_path))
    assert proc.returncode == 1
    (row,) = json.loads(proc.stdout)
    assert row["fix"]["applicability"] == "safe"  # its edits: tests/test_report_formats.py
    assert dict(row, fix=None) == {
        "path": "bad.py", "line": STEP_LINE, "column": 9, "end_line": STEP_LINE, "end_column": 25,
        "code": "TL101", "name": "gradients-never-cleared",
        "message": LINE.split(" TL101 ", 1)[1], "url": None, "fix": None}


# --- a terminal: progress never shares a line with the report -------------------------

def _on_terminal(args, cwd):
    """Run with stdout and stderr on one pseudo-terminal, as in an interactive shell."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "torchlint", "check", *args], cwd=cwd,
                            stdout=slave, stderr=slave, stdin=subprocess.DEVNULL)
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
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode()


def _screen(raw: str) -> list:
    """What a terminal shows: carriage returns and erase-line applied, colours dropped."""
    raw = re.sub(r"\x1b\[[0-9;]*m", "", raw)
    lines = []
    for row in raw.split("\n"):
        cells, cursor = [], 0
        for token in re.findall(r"\r|\x1b\[K|.", row, flags=re.S):
            if token == "\r":
                cursor = 0
            elif token == "\x1b[K":
                del cells[cursor:]
            else:
                cells[cursor:cursor + 1] = [token]
                cursor += 1
        lines.append("".join(cells))
    return [line for line in lines if line]


def test_progress_on_a_terminal_never_shares_a_line_with_findings(tmp_path):
    root = _tree(tmp_path)
    for i in range(12):
        (root / f"m{i}.py").write_text(GOOD)
    rc, raw = _on_terminal(["--jobs", "2", "."], root)
    assert rc == 1
    assert "torchlint: 12/14 files" in raw or "torchlint: 14/14 files" in raw  # it was shown
    screen = _screen(raw)
    assert screen[0] == "./" + LINE, screen
    assert re.fullmatch(r"torchlint: 14 files checked in \d+\.\ds, 1 finding", screen[1]), screen
    assert len(screen) == 2
    rc, raw = _on_terminal(["--no-progress", "."], root)
    assert _screen(raw) == ["./" + LINE] and "torchlint:" not in raw


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path):
    root = _tree(tmp_path)
    proc = torchlint("--jobs", "2", ".", cwd=root)
    assert proc.stderr == "" and proc.stdout.splitlines() == ["./" + LINE]
