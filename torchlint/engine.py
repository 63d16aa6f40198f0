"""Lint one file: open a model for it, run the selected rules, each isolated.

Used by the flake8 plugin, the CLI and the tests. A rule that raises never
aborts the run (flake8 stops everything on a plugin exception): its error
becomes one ``TL000`` diagnostic naming the rule and the exception type; a
``RecursionError`` (pathological nesting) silences the rule for that file.
"""
from __future__ import annotations

import ast
import functools
import gc
from typing import Dict, List, Optional, Sequence, Type

from torchlint import project
from torchlint.checks import RULES
from torchlint.config import Config
from torchlint.facts import crossmodule
from torchlint.rule import Rule, Violation, essential_words, holds_one
from torchlint.semantic import SemanticModel
from torchlint.syntax import fold, source_lines

_GATE_WORDS = ("torch", "lightning")


def looks_like_pytorch(lines) -> bool:
    """The fast gate: no rule runs on a file that never mentions torch or lightning (its
    names read as Python reads them: :func:`~torchlint.syntax.fold`)."""
    if lines is None:
        return True
    text = "".join(lines)
    return any(word in text for word in _GATE_WORDS) or (
        not text.isascii() and any(word in fold(text) for word in _GATE_WORDS))


def open_model(tree: ast.AST, filename: str = "(none)", lines=None,
               test_module: Optional[bool] = None) -> SemanticModel:
    """The semantic model of one file, with the cross-module facts of its project.
    ``test_module``: whether it is a test file (None: judged by its name)."""
    return SemanticModel(tree, filename, lines, project=crossmodule.for_file(filename),
                         test_module=test_module)


def check_tree(tree: ast.AST, filename: str = "(none)", lines=None, config: Optional[Config] = None,
               rules: Optional[Sequence[Type[Rule]]] = None) -> List[Violation]:
    """Every violation in one file. ``rules``: the rule classes to run (None: all).

    The cyclic garbage collector is paused while one file is checked: the model is
    thousands of small linked records, allocated at once and dropped at once, and
    each collection the allocations would trigger walks every live object of the
    process (flake8's trees included) for nothing. Refcounting is unaffected; the
    model's cycles are collected at the next collection after the file."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    built: List[SemanticModel] = []  # the file's model, once made: project.remember keeps or releases it
    try:
        return _check_tree(tree, filename, lines, config, rules, built)
    finally:
        # for a summary of this module asked next
        project.remember(filename, tree, lines, built[0] if built else None)
        if paused:
            gc.enable()


def _check_tree(tree, filename, lines, config, rules, built: List[SemanticModel]) -> List[Violation]:
    rules = RULES if rules is None else rules
    if not rules or not looks_like_pytorch(lines):
        return []
    try:
        model = open_model(tree, filename, lines)
        built.append(model)
    except RecursionError:  # pathological nesting: stay quiet rather than guess
        return []
    except Exception as exc:  # never abort flake8
        return [Violation(1, 0, "TL000", f"torchlint internal error in semantic model: "
                                         f"{type(exc).__name__}")]
    try:
        return _run_rules(model, lines, config, rules) if model.imports_torch else []
    finally:
        if model.project is not None:
            model.project.close()


def _run_rules(model: SemanticModel, lines, config, rules) -> List[Violation]:
    config = config if config is not None else Config()
    # per-rule text gates; a star import may bring any name in, so none apply then
    text = model.text if lines is not None and not model.star_imports else None
    out: List[Violation] = []
    for rule_cls in _selection(tuple(rules)).to_run(text):
        try:
            out.extend(rule_cls().check(model, config))
        except RecursionError:
            continue
        except Exception as exc:
            out.append(Violation(1, 0, "TL000", f"torchlint internal error in {rule_cls.code}: "
                                                f"{type(exc).__name__}"))
    return out


class _Selection:
    """The rules of one selection with their text gates, sorted out once: a file pays one
    scan per distinct gate (:meth:`Rule.may_apply`'s ``essential_words`` of ``requires``;
    rules that share words share the scan), then runs the rules its answers let through,
    in selection order (the list for each combination of answers made once)."""

    __slots__ = ("rules", "words", "own", "bits", "everywhere", "runs")

    def __init__(self, rules: tuple):
        self.rules = rules
        gated = [(r, essential_words(r.requires) if r.may_apply.__func__ is Rule.may_apply.__func__ else None)
                 for r in rules]
        self.words = tuple(dict.fromkeys(w for _r, w in gated if w))  # distinct word gates
        self.own = tuple(r for r, w in gated if w is None)  # rules with a may_apply of their own
        bit = {gate: 1 << i for i, gate in enumerate(self.words + self.own)}
        # each rule's gate bit (0: always runs, as Rule.may_apply without ``requires``)
        self.bits = tuple((r, bit[r] if w is None else bit.get(w, 0)) for r, w in gated)
        self.everywhere = (1 << len(self.words)) - 1  # text unknown: every word gate holds
        self.runs: Dict[int, tuple] = {}  # gates that hold (bits) -> the rules to run

    def to_run(self, text: Optional[str]) -> tuple:
        """The rules that may apply to a file of this (folded) text (None: unknown)."""
        if text is None:
            held = self.everywhere
        else:
            held, bit = 0, 1
            for words in self.words:  # once per distinct gate of every file
                if holds_one(text, words):
                    held |= bit
                bit <<= 1
        if self.own:
            bit = 1 << len(self.words)
            for rule_cls in self.own:
                if rule_cls.may_apply(text):
                    held |= bit
                bit <<= 1
        run = self.runs.get(held)
        if run is None:
            run = self.runs[held] = tuple(r for r, bit in self.bits if not bit or held & bit)
        return run


@functools.lru_cache(maxsize=16)  # one entry per rule selection (flake8: one per run)
def _selection(rules: tuple) -> _Selection:
    return _Selection(rules)


def check_source(source: str, filename: str = "<string>", config: Optional[Config] = None,
                 rules=None) -> Optional[List[Violation]]:
    """Parse and check a source string (for the CLI and tests); None on a syntax error."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return None
    return check_tree(tree, filename, source_lines(source), config, rules)
