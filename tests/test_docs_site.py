"""The docs site: ``mkdocs build --strict`` passes, every rule page is in the nav,
the generated parts (options table, rules table, nav) are current, and the
snippets users copy from docs/ci.md work as written."""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from torchlint import docs, docsite
from torchlint.checks import RULES
from torchlint.config import all_options

from _samples import BAD, GOOD, report

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def _yaml():
    return pytest.importorskip("yaml", reason="PyYAML (a dependency of pre-commit and mkdocs)")


def _nav_pages(nav) -> list:
    out = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        out.extend(_nav_pages(value) if isinstance(value, list) else [value])
    return out


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is a test extra")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(REPO / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for code in (r.code for r in RULES):
        assert (tmp_path / "site" / "rules" / code / "index.html").exists()


def test_nav_lists_every_page_and_every_rule():
    config = _yaml().load((REPO / "mkdocs.yml").read_text(), Loader=_yaml().SafeLoader)
    pages = _nav_pages(config["nav"])
    on_disk = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert sorted(pages) == on_disk
    assert [p for p in pages if p.startswith("rules/")] == [f"rules/{r.code}.md" for r in RULES]
    for required in ("index.md", "installation.md", "editors.md", "ci.md", "configuration.md"):
        assert required in pages


def test_generated_parts_are_current():
    assert docsite.stale(REPO) == {}, "run `torchlint docs`"


def test_configuration_table_lists_every_option_with_its_default():
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    table = text.split(docsite.OPTIONS_START, 1)[1].split(docsite.OPTIONS_END, 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `--torchlint-")]
    assert len(rows) == len(all_options())
    for opt in all_options():
        row = next(r for r in rows if r.startswith(f"| `{opt.flag}` |"))
        assert docsite._cell(docsite.option_default(opt)) in row


def test_stale_detection_and_regeneration(tmp_path):
    (tmp_path / "docs").mkdir()
    for name in ("configuration.md", "index.md"):
        (tmp_path / "docs" / name).write_text((DOCS / name).read_text())
    (tmp_path / "mkdocs.yml").write_text((REPO / "mkdocs.yml").read_text().replace("rules/TL101.md", "x.md"))
    assert set(docsite.stale(tmp_path)) == {"mkdocs.yml"}
    docsite.write(tmp_path)
    assert docsite.stale(tmp_path) == {}
    assert (tmp_path / "mkdocs.yml").read_text() == (REPO / "mkdocs.yml").read_text()


def test_no_links_out_of_docs():
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            resolved = (page.parent / target).resolve()
            assert DOCS in resolved.parents, f"{page.name} links out of docs/: {target}"


def _blocks(page: str, lang: str) -> list:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_github_actions_example_as_a_new_user_runs_it(tmp_path):
    """The workflow of docs/ci.md: its shell steps, run in a fresh project (the
    install step is skipped: torchlint is installed here), gate and upload wiring."""
    yaml = _yaml()
    workflow = next(yaml.safe_load(b) for b in _blocks("ci.md", "yaml") if "jobs:" in b)
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["torchlint"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["if"] == "always()"
    sarif_file = upload["with"]["sarif_file"]
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "train.py").write_text(BAD)
    (project / "src" / "ok.py").write_text(GOOD)
    bin_dir = Path(sys.executable).parent
    results = {}
    for step in steps:
        if "run" not in step or "pip install" in step["run"]:
            continue
        if step.get("if") == "failure()" and all(rc == 0 for rc in results.values()):
            continue
        argv = shlex.split(step["run"].split("||")[0])
        argv[0] = str(bin_dir / argv[0])
        proc = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=120)
        results[step["name"]] = proc.returncode
        if step["name"] == "findings, readable":
            assert report("src/train.py") in proc.stdout
    assert results["torchlint"] == 1  # the gate fails the job
    log = json.loads((project / sarif_file).read_text())
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]] == ["src/train.py"]
    (project / "src" / "train.py").write_text(GOOD)
    gate = next(s for s in steps if s.get("name") == "torchlint")
    argv = shlex.split(gate["run"])
    argv[0] = str(bin_dir / argv[0])
    assert subprocess.run(argv, cwd=project, capture_output=True).returncode == 0


def test_precommit_snippets_are_valid_configs():
    yaml = _yaml()
    configs = [yaml.safe_load(b) for b in _blocks("ci.md", "yaml") if b.startswith("repos:")]
    assert len(configs) == 3
    hooks_file = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks_file] == ["torchlint"]
    assert hooks_file[0]["language"] == "python" and hooks_file[0]["types"] == ["python"]
    for config in configs:
        assert config["repos"][0]["hooks"][0]["id"] == "torchlint"


def test_every_rule_page_says_how_to_silence_it():
    """Generated once for all rules (docs.silencing), not written 21 times by hand."""
    for rule in RULES:
        page = (DOCS / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
        section = page.split("## How to silence", 1)[1].split("\n## ", 1)[0]
        assert f"`# noqa: {rule.code}`" in section and "per-file-ignores" in section, rule.code
        assert "\n".join(docs.silencing(rule.code)) in page


def test_option_defaults_are_written_as_users_write_them():
    """`lr`, `learning_rate`, not ('lr', 'learning_rate'); false, not False."""
    repr_like = re.compile(r"\('|\(\)|\bFalse\b|\bTrue\b|''")
    shown = []
    for page in [DOCS / "configuration.md", REPO / "README.md", *(DOCS / "rules").glob("*.md")]:
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("| `--torchlint-"):
                shown.append(line.split(" | ")[3])  # the table's default column
            elif line.startswith("- `--torchlint-"):
                shown.append(re.search(r"default: (.*?)[;)]", line).group(1))
    assert len(shown) > len(all_options()) * 2
    for default in shown:
        assert not repr_like.search(default), default
    assert "default: `lr`, `learning_rate`" in (DOCS / "rules" / "TL301.md").read_text(encoding="utf-8")


def test_readme_lists_every_option():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    listed = readme.split(docsite.OPTIONS_LIST_START, 1)[1].split(docsite.OPTIONS_LIST_END, 1)[0]
    for opt in all_options():
        assert f"- `{opt.flag}` (default: {docsite.option_default(opt)}" in listed


def test_docs_pin_no_tag_that_does_not_exist():
    git = subprocess.run(["git", "-C", str(REPO), "tag"], capture_output=True, text=True)
    if git.returncode != 0:
        pytest.skip("not a git checkout")
    tags = set(git.stdout.split())
    for page in [*DOCS.glob("*.md"), REPO / "README.md", REPO / ".pre-commit-hooks.yaml"]:
        refs = re.findall(r"(?:rev: |torchlint@)(v\d[\w.]*)", page.read_text(encoding="utf-8"))
        assert set(refs) <= tags, f"{page.name} pins {refs}, not a tag of this repository"


def test_github_annotations_workflow_as_a_new_user_runs_it(tmp_path):
    yaml = _yaml()
    workflows = [yaml.safe_load(b) for b in _blocks("ci.md", "yaml") if "jobs:" in b]
    workflow = next(w for w in workflows if "security-events" not in w["permissions"])
    gate = next(s for s in workflow["jobs"]["torchlint"]["steps"] if s.get("name") == "torchlint")
    argv = shlex.split(gate["run"])
    argv[0] = str(Path(sys.executable).parent / argv[0])
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(BAD)
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error file=src/train.py,line=") and ",title=TL101::TL101 " in proc.stdout
