"""Autofix: ``torchlint check --fix`` / ``--unsafe-fixes`` / ``--diff``.

One module per fixable rule (``tlNNN.py``, a ``fix(ctx, violation)`` function)
plus the machinery: :mod:`.edits` (text edits on ``ast`` positions, ``# noqa``),
:mod:`.context` (what a fix reads), :mod:`.core` (the fixed-point loop),
:mod:`.cli` (the command-line behaviour). A rule says it has a fix, and whether
that fix is safe, with its ``fix`` class attribute; ``spec.md`` says so in words.

Safe fixes keep the program's behaviour except for the hazard; unsafe ones
change results in a way the user must review and run only with
``--unsafe-fixes``. No fix ever writes text that does not compile, and two
overlapping edits are never applied in one pass.

Why position-based text edits and not a concrete syntax tree (libcst): measured
by ``benchmarks/fix_engine.py`` over every fixture and the public corpus
(numbers in the module docstring there and in docs/fix.md):

- speed: the fixes need the semantic model, which is built on the stdlib
  ``ast`` that flake8 already parsed; a CST would be a second parse of the
  file plus a position-metadata pass to find the CST node of each ``ast``
  node, about 30x the cost of ``ast.parse`` on the same files;
- fidelity: both leave every byte outside an edit unchanged (libcst
  round-trips exactly; text edits never touch it). The one edit where a CST
  helps, re-indenting a block (TL602's ``with torch.no_grad():``), is a
  dozen lines here with multi-line strings left alone, and gives the same
  output as libcst on every fixture;
- dependencies: libcst is not a dependency of torchlint (only of a test
  tool); text edits need nothing.
"""
from __future__ import annotations

import difflib

from torchlint.fix.core import Applied, FixResult, Skipped, fix_source, fixers
from torchlint.fix.edits import Edit, Fix

__all__ = ["Applied", "Edit", "Fix", "FixResult", "Skipped", "fix_source", "fixers", "unified_diff"]


def unified_diff(old: str, new: str, path: str) -> str:
    """``git diff``-style text for one file (``--- a/path`` / ``+++ b/path``); empty when equal."""
    if old == new:
        return ""
    lines = difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                 f"a/{path}", f"b/{path}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
