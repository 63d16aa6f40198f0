"""A conversion passes its own checks: the output compiles, pyflakes finds no
undefined name the original did not have, and torchlint's default rules report
nothing the original did not (a finding the original shares is the script's own).
Static, like the conversion: nothing is run."""
from __future__ import annotations

import ast
from typing import List, Set, Tuple

from torchlint import engine
from torchlint.checks import RULES


def problems(original: str, converted: str, filename: str) -> List[str]:
    """What is wrong with ``converted`` (empty: nothing)."""
    try:
        compile(converted, filename, "exec")
    except SyntaxError as exc:
        return [f"the output does not compile: {exc}"]
    out = []
    new = sorted(undefined_names(converted) - undefined_names(original))
    if new:
        out.append(f"undefined names in the output: {', '.join(new)}")
    before = {code for _line, code, _msg in findings(original, filename)}
    for line, code, message in findings(converted, filename):
        if code not in before:
            out.append(f"torchlint: line {line}: {code} {message}")
    return out


def undefined_names(source: str) -> Set[str]:
    from pyflakes import checker, messages

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = checker.Checker(tree, "<converted>").messages
    return {m.message_args[0] for m in found if isinstance(m, messages.UndefinedName)}


def findings(source: str, filename: str) -> List[Tuple[int, str, str]]:
    """(line, code, message) of torchlint's default rules on ``source``."""
    rules = [r for r in RULES if r.default_enabled]
    found = engine.check_source(source, filename, rules=rules) or []
    return [(v.line, v.code, v.message) for v in found]
