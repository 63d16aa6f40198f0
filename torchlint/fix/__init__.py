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

Why position-based text edits and not a concrete syntax tree (libcst), measured
with ``benchmarks/fix_engine.py`` (medians of 3 rounds, shared 2-core machine):

- speed: a fix needs the semantic model, built on the stdlib ``ast`` flake8
  parsed anyway. On top of that, text edits cost one ``tokenize`` pass (for
  ``# noqa`` and multi-line strings, only in a file with a fixable report):
  250 ms over the 271 fixture files (3.7x ``ast.parse``), 13.9 s over 1,054
  files / 11.1 MB of pytorch/examples, Lightning and timm (2.6x). A CST costs
  a second parse plus the position pass that finds the CST node of an ``ast``
  node: 6.9 s on the fixtures (103x ``ast.parse``), 289 s on the corpus (53x);
- fidelity: text edits leave every byte outside an edit as it was, by
  construction. libcst round-trips 1,053 of the 1,054 corpus files (it drops
  the whitespace-only last lines of one). The three most structural fixes
  written a second time as libcst transforms (TL202 assignment, TL503 argument
  or dict-entry removal with its comma, TL602 ``with`` wrapping with
  re-indentation) give output identical to the text edits on all 10 flagged
  fixtures they apply to;
- dependencies: libcst is not a dependency of torchlint (only of hypothesmith,
  a test tool); text edits need nothing new.
"""
from __future__ import annotations

import difflib

from torchlint.fix.core import Applied, FixResult, Skipped, fix_source, fixers, fixes_for
from torchlint.fix.edits import Edit, Fix

__all__ = ["Applied", "Edit", "Fix", "FixResult", "Skipped", "fix_source", "fixers", "fixes_for",
           "unified_diff"]


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
