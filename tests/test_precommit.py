"""The pre-commit hook (``.pre-commit-hooks.yaml``), through the real
``pre-commit`` tool, as a new user meets it: a fresh git repository with a
``.pre-commit-config.yaml``, ``pre-commit install``, then ``git commit`` of a
bad and of a good training script.

Offline apart from PyPI: pre-commit clones hook repositories with git, so the
hook repository here is a local git repository (a snapshot of this working
tree, committed, so the test checks the code as it is now), named by path in
``repo:`` with its commit as ``rev:``. pre-commit then pip-installs it, with
flake8 from PyPI, into the hook's own virtualenv.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _config_examples import EXAMPLES, reported
from _samples import BAD, GOOD, report

REPO = Path(__file__).resolve().parent.parent
# what the package build needs (setup.cfg's data_files read docs/rules)
SNAPSHOT = ("setup.cfg", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "torchlint", "docs/rules")

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None, reason="git is not installed (pre-commit needs it)")


def _have_pre_commit() -> bool:
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True, text=True)
    return proc.returncode == 0


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    if not _have_pre_commit():
        pytest.skip("pre-commit is not installed: `pip install pre-commit` (it is in the test extras)")
    home = tmp_path_factory.mktemp("home")
    e = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    e.update(HOME=str(home), PRE_COMMIT_HOME=str(home / "pre-commit-cache"),
             GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
             GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org",
             GIT_CONFIG_NOSYSTEM="1",
             PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return e


def git(*args, cwd, env):
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env):
    """A committed snapshot of this working tree: what `rev:` will point at."""
    root = tmp_path_factory.mktemp("torchlint-hooks")
    for name in SNAPSHOT:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, root / name)
    git("init", "-q", cwd=root, env=env)
    git("add", "-A", cwd=root, env=env)
    assert git("commit", "-q", "-m", "snapshot", cwd=root, env=env).returncode == 0
    rev = git("rev-parse", "HEAD", cwd=root, env=env).stdout.strip()
    return root, rev


def _user_repo(path: Path, config: str, env) -> Path:
    path.mkdir()
    git("init", "-q", cwd=path, env=env)
    (path / ".pre-commit-config.yaml").write_text(config)
    git("add", ".pre-commit-config.yaml", cwd=path, env=env)
    return path


def pre_commit(*args, cwd, env):
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def documented_config(hooks: Path, rev: str) -> str:
    """The first `.pre-commit-config.yaml` snippet of docs/ci.md, pointed at ``hooks``."""
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    snippet = next(b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if b.startswith("repos:"))
    snippet = re.sub(r"(- repo: )\S+", lambda m: m.group(1) + str(hooks), snippet, count=1)
    return re.sub(r"(rev: )\S+", lambda m: m.group(1) + rev, snippet, count=1)


def test_hook_blocks_a_bad_commit_and_lets_a_good_one_through(tmp_path, env, hook_repo):
    hooks, rev = hook_repo
    config = documented_config(hooks, rev)
    assert f"repo: {hooks}" in config and f"rev: {rev}" in config and "id: torchlint" in config
    user = _user_repo(tmp_path / "project", config, env)
    installed = pre_commit("install", cwd=user, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    (user / "train.py").write_text(BAD)
    (user / "README.txt").write_text("for x in :\n")  # not python: the hook must not see it
    git("add", "train.py", "README.txt", cwd=user, env=env)
    blocked = git("commit", "-m", "bad", cwd=user, env=env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert report("train.py") in out, out
    assert "README.txt" not in out

    (user / "train.py").write_text(GOOD)
    git("add", "train.py", cwd=user, env=env)
    passed = git("commit", "-m", "good", cwd=user, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "torchlint" in passed.stdout + passed.stderr and "Passed" in passed.stdout + passed.stderr


def test_hook_honours_noqa_and_project_config(tmp_path, env, hook_repo):
    hooks, rev = hook_repo
    config = f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: torchlint\n"
    user = _user_repo(tmp_path / "project", config, env)
    (user / "setup.cfg").write_text("[flake8]\nper-file-ignores = legacy/*:TL101\n")
    (user / "legacy").mkdir()
    (user / "legacy" / "old.py").write_text(BAD)
    (user / "noqa.py").write_text(BAD.replace("optimizer.step()\n", "optimizer.step()  # noqa: TL101\n"))
    git("add", "-A", cwd=user, env=env)
    proc = pre_commit("run", "--all-files", cwd=user, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _yaml_blocks() -> list:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


def test_repo_local_system_hook(tmp_path, env):
    """The documented alternative (docs/ci.md's `repo: local` snippet, as printed):
    torchlint already installed in the dev environment."""
    config = next(b for b in _yaml_blocks() if "repo: local" in b)
    user = _user_repo(tmp_path / "project", config, env)
    (user / "bad.py").write_text(BAD)
    (user / "good.py").write_text(GOOD)
    git("add", "-A", cwd=user, env=env)
    proc = pre_commit("run", "--all-files", cwd=user, env=env)
    assert proc.returncode == 1
    assert report("bad.py") in proc.stdout and "good.py" not in proc.stdout
    only_good = pre_commit("run", "--files", "good.py", cwd=user, env=env)
    assert only_good.returncode == 0, only_good.stdout


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_configuration_page_examples_through_the_hook(tmp_path, env, hook_repo, name):
    """docs/configuration.md's examples: the hook reports what `torchlint check`
    reports (tests/test_configuration_examples.py), file by file."""
    hooks, rev = hook_repo
    config = f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: torchlint\n"
    example = EXAMPLES[name]
    user = example.write(_user_repo(tmp_path / "project", config, env))
    git("add", "-A", cwd=user, env=env)
    proc = pre_commit("run", "--all-files", cwd=user, env=env)
    assert reported(proc.stdout) == example.with_config, proc.stdout + proc.stderr
    assert proc.returncode == (1 if example.with_config else 0), proc.stdout
