"""The layers of DESIGN.md, read from the source with ``ast`` (function-level imports
included): an import goes down, never up.

    syntax, known, config  <-  semantic  <-  project  <-  facts  <-  checks (+ rule)
        <-  engine  <-  plugin, cli, check, report, docs ...;  lightning/, fix/ use
    engine and facts; witness/ is never imported on the lint path.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Set

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "torchlint"
MAX_LINES = 600
TABLES = {"known"}  # tables, not code: exempt from the size limit


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    """``torchlint.facts.loops`` -> ``facts``; ``torchlint.checks.tl101...`` -> ``checks``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "torchlint"
    return "checks" if parts[1] == "rule" else parts[1]


def _imports() -> Dict[str, Set[str]]:
    """torchlint module -> the torchlint modules it imports (anywhere in the file)."""
    out: Dict[str, Set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        found: Set[str] = set()
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("torchlint")}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                    + ([base] if base else []))
                if base.startswith("torchlint"):
                    found.add(base)
                    found |= {f"{base}.{a.name}" for a in node.names}
        out[name] = {m for m in found if _exists(m)}
    return out


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


IMPORTS = _imports()
# layer -> the layers it may import (besides itself)
ALLOWED = {
    "syntax": set(), "known": set(), "config": set(),
    "semantic": {"syntax", "known"},
    "project": {"semantic", "syntax", "known"},
    "facts": {"project", "semantic", "syntax", "known", "config"},
    "checks": {"facts", "semantic", "syntax", "known", "config"},
    "engine": {"checks", "facts", "project", "semantic", "syntax", "known", "config"},
    "plugin": {"engine", "checks", "config", "torchlint"},
}
LINT_PATH = {"syntax", "known", "config", "semantic", "project", "facts", "checks", "engine", "plugin"}


@pytest.mark.parametrize("module", sorted(m for m in IMPORTS if _layer(m) in ALLOWED))
def test_imports_go_down(module):
    layer = _layer(module)
    up = sorted(m for m in IMPORTS[module]
                if _layer(m) != layer and _layer(m) not in ALLOWED[layer] and m != "torchlint")
    assert not up, f"{module} ({layer}) imports {up}"


def test_a_check_never_imports_another_check_or_the_project():
    for module, imported in IMPORTS.items():
        if module.startswith("torchlint.checks.tl"):
            bad = [m for m in imported if m.startswith("torchlint.checks.tl") or m == "torchlint.project"]
            assert not bad, f"{module} imports {bad}"


def test_nothing_on_the_lint_path_imports_witness_lightning_or_fix():
    for module, imported in IMPORTS.items():
        if _layer(module) in LINT_PATH:
            bad = [m for m in imported if _layer(m) in ("witness", "lightning", "fix")]
            assert not bad, f"{module} imports {bad}"


def test_lightning_and_fix_are_only_used_from_the_top():
    """Adoption (lightning/) and autofix (fix/) sit on engine and facts: only the command
    line, the reports (JSON/SARIF carry each finding's fix, computed lazily), each other and the
    TL901 witness (which trains a generated skeleton) use them."""
    users = {"lightning", "fix", "cli", "check", "report", "witness"}
    for module, imported in IMPORTS.items():
        if any(_layer(m) in ("lightning", "fix") for m in imported):
            assert _layer(module) in users, f"{module} imports lightning/ or fix/"


def test_no_import_circle_between_layers():
    edges = {(_layer(a), _layer(b)) for a, deps in IMPORTS.items() for b in deps
             if _layer(a) != _layer(b) and b != "torchlint"}
    graph: Dict[str, Set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    seen, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError(f"import circle: {' -> '.join(stack[stack.index(node):] + [node])}")
        if node in seen:
            return
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for node in sorted(graph):
        visit(node)


def test_no_module_over_600_lines():
    long = {_module_name(p): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not {m: n for m, n in long.items() if m.split(".")[-1] not in TABLES}, long
