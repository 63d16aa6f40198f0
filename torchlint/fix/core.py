"""Fix one file: lint, fix what can be fixed, lint again, until nothing changes.

Each pass lints the current text with :func:`torchlint.engine.check_tree` (the
rules that have a fix, or those asked for), drops the reports a ``# noqa``
silences (flake8's semantics), asks each report's fix module for a
:class:`~torchlint.fix.edits.Fix` and applies, in source order, every fix whose
edits do not touch an edit already taken in this pass. A pass whose result
does not compile is retried fix by fix, keeping those that compile alone.
Fixes left out for overlapping get the next pass, on the new text; at most
``MAX_PASSES`` passes, and a text seen before ends the loop.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Type, Union

from torchlint import engine
from torchlint.checks import BY_CODE, RULES
from torchlint.config import Config
from torchlint.fix.context import Context
from torchlint.fix.edits import Edit, Fix, Source, apply
from torchlint.rule import Rule, Violation

MAX_PASSES = 8
FixFunction = Callable[[Context, Violation], Union[Fix, str]]


def _discover() -> Dict[str, FixFunction]:
    import torchlint.fix as package

    found = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("tl") and info.name[2:].isdigit():
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found[info.name.upper()] = module.fix
    return found


_FIXERS: Optional[Dict[str, FixFunction]] = None


def fixers() -> Dict[str, FixFunction]:
    """Rule code -> its fix function (one module ``tlNNN.py`` each)."""
    global _FIXERS
    if _FIXERS is None:
        _FIXERS = _discover()
    return _FIXERS


@dataclass(frozen=True)
class Applied:
    code: str
    line: int  # in the text the pass fixed
    title: str
    safe: bool


@dataclass(frozen=True)
class Skipped:
    code: str
    line: int  # in the final text
    reason: str


@dataclass
class FixResult:
    source: str  # the text given
    new_source: str
    applied: List[Applied] = field(default_factory=list)
    skipped: List[Skipped] = field(default_factory=list)
    error: Optional[str] = None  # the file could not be read as Python: nothing done

    @property
    def changed(self) -> bool:
        return self.new_source != self.source


def _rule_classes(rules) -> List[Type[Rule]]:
    """The fixable rules among ``rules`` (codes or rule classes; None: every rule)."""
    chosen = RULES if rules is None else [BY_CODE[r] if isinstance(r, str) else r for r in rules]
    return [r for r in chosen if r.fix and r.code in fixers()]


def fix_source(source: str, filename: str = "<string>", config: Optional[Config] = None,
               unsafe: bool = False, rules: Optional[Sequence] = None) -> FixResult:
    """``source`` with the fixes of ``rules`` applied (safe ones; unsafe ones too with
    ``unsafe``). Never returns text that does not compile; a file that does not parse
    comes back unchanged with ``error`` set."""
    result = FixResult(source, source)
    chosen = _rule_classes(rules)
    config = config if config is not None else Config()
    seen = {source}
    for _ in range(MAX_PASSES):
        try:
            tree = ast.parse(result.new_source, filename)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            result.error = f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}"
            return result
        text, applied, skipped = _one_pass(tree, result.new_source, filename, config, unsafe, chosen)
        result.skipped = skipped
        if text is None or text in seen:
            break
        seen.add(text)
        result.new_source = text
        result.applied.extend(applied)
    return result


def fixes_for(source: str, filename: str = "<string>", config: Optional[Config] = None,
              rules: Optional[Sequence] = None) -> Dict[Violation, Union[Fix, str]]:
    """Each fixable report of ``source`` (``# noqa`` respected) with its fix on this
    text, or why it has none: what a report (JSON, SARIF ``fixes``) shows as
    available. Nothing is applied; the offsets are characters of ``source``."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    return dict(_fixes(tree, source, filename, config or Config(), _rule_classes(rules)))


def _fixes(tree, text: str, filename: str, config: Config, rules):
    """(report, Fix or reason) for the fixable reports of one text, in source order."""
    src = Source(text)
    reports = engine.check_tree(tree, filename, src.lines, config, rules)
    reports = [v for v in reports if v.code in fixers() and not src.suppressed(v.line, v.code)]
    if not reports:
        return []
    ctx = Context(engine.open_model(tree, filename, src.lines), src, config)
    return [(v, _ask(ctx, v)) for v in sorted(reports, key=lambda v: (v.line, v.col, v.code))]


def _one_pass(tree, text: str, filename: str, config: Config, unsafe: bool, rules):
    found_fixes = _fixes(tree, text, filename, config, rules)
    if not found_fixes:
        return None, [], []
    candidates, skipped = [], []
    for v, found in found_fixes:
        if isinstance(found, str):
            skipped.append(Skipped(v.code, v.line, found))
        elif not found.safe and not unsafe:
            skipped.append(Skipped(v.code, v.line, f"unsafe fix ({found.title}): use --unsafe-fixes"))
        else:
            candidates.append((v, found))
    taken: List[Edit] = []
    chosen = []
    for v, found in candidates:
        if found.conflicts(taken):  # waits for the next pass, on the new text
            skipped.append(Skipped(v.code, v.line, "overlaps another fix: run again"))
        else:
            chosen.append((v, found))
            taken.extend(found.edits)
    new = apply(text, taken)
    if chosen and not _compiles(new, filename):
        alone = [(v, f) for v, f in chosen if _compiles(apply(text, f.edits), filename)]
        skipped += [Skipped(v.code, v.line, "the fix would not compile")
                    for v, f in chosen if (v, f) not in alone]
        chosen = alone
        new = apply(text, [e for _, f in chosen for e in f.edits])
        if chosen and not _compiles(new, filename):
            chosen = chosen[:1]
            new = apply(text, chosen[0][1].edits)
    if not chosen:
        return None, [], skipped
    return new, [Applied(v.code, v.line, f.title, f.safe) for v, f in chosen], skipped


def _ask(ctx: Context, v: Violation) -> Union[Fix, str]:
    """The fix for one report, or why there is none (a fix that fails is no fix)."""
    try:
        return fixers()[v.code](ctx, v)
    except RecursionError:
        return "too deeply nested to fix"
    except Exception as exc:  # a bug in a fix never stops the others
        return f"internal error in the {v.code} fix: {type(exc).__name__}"


def _compiles(text: str, filename: str) -> bool:
    try:
        compile(text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
