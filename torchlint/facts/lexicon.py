"""What a project module's text says, without parsing it: the words a question needs
(a module lacking ``backward`` cannot train, whatever its tree) and the project
imports it makes. Cached by :meth:`torchlint.project.Project.scan` per file identity;
:mod:`torchlint.facts.crossmodule` answers "nothing" from it without a parse.
"""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, NamedTuple, Tuple

from torchlint import known, project
from torchlint.syntax import fold

# What a module's text must hold for its functions to be able to do a thing (a word
# the code cannot be written without); a module lacking it cannot, whatever its tree.
# a backward call: ``backward(`` not after a word character (``\b``) nor after ``def ``, or
# ``manual_backward(``; found by its literal (a pattern led by a lookbehind has no fast path)
_BACKWARD = re.compile(rb"backward\s*\(")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_STEP_CALL = re.compile(rb"\.step\s*\(")
_FIT_CALL = re.compile(rb"\.fit\s*\(")
_ACTS = (b"backward", b"zero_grad", b".grad", b".step", b"seed", b".fit") + tuple(
    w.encode() for w in known.OPTIMIZER_WORDS)
WORDS = {  # name -> test of the bytes (a substring first: alternations scan slowly)
    "acts": lambda d: any(w in d for w in _ACTS),  # any Facts at all
    "backward": lambda d: _backward_call(d),  # a backward call
    "step": lambda d: b".step" in d and _STEP_CALL.search(d) is not None,  # an optimizer/scaler step
    "trains": lambda d: _backward_call(d) or (b".fit" in d and _FIT_CALL.search(d) is not None),
    "seeds": lambda d: b"seed" in d,
    "draws": lambda d: b"random" in d,  # a draw from ``random`` / ``numpy.random``
    "modes": lambda d: b".eval(" in d or b".train(" in d,  # a mode call
}
# matched from a line's start (``pos``), on the lines that say ``import`` only: a match lies
# within one line (no part of the pattern crosses a newline) and holds ``import``
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+([^\n#]*)"
                          rb"|import[ \t]+([\w., \t]+))", re.M)
# ``def name(``: a name is the whole run of non-space, non-paren characters after ``def``
_DEF = re.compile(rb"def\s+([^\s(]+)\s*\(")


class Lexicon(NamedTuple):
    """What a module's text says without parsing it (cached per file identity)."""

    words: FrozenSet[str]  # the WORDS it holds
    imports: Tuple[Tuple[int, str, Tuple[str, ...]], ...]  # (level, module, names) of project imports
    defined: FrozenSet[bytes]  # the names its text says ``def name(`` of (a method is looked for there)


def scan(data: bytes) -> Lexicon:
    if not data.isascii():  # read as Python reads names: a word test then misses none
        data = fold(data.decode("utf-8", "replace")).encode()
    words = frozenset(name for name, holds in WORDS.items() if holds(data))
    imports = []
    for match in _import_lines(data):
        dots, module, names, plain = match.groups()
        if plain is not None:
            for part in plain.split(b","):
                name = part.strip().split(b" ")[0].decode("ascii", "replace")
                if name and project_top(name.split(".")[0]):
                    imports.append((0, name, ()))
            continue
        text = names
        if b"(" in text and b")" not in text:  # a parenthesised list continues
            end = data.find(b")", match.end())
            text += data[match.end():end] if end != -1 else b""
        listed = tuple(n for n in (p.strip().split(b" ")[0].decode("ascii", "replace") for p in
                                   text.replace(b"(", b" ").replace(b")", b" ").replace(b"\\", b" ")
                                   .split(b",")) if n.isidentifier())
        module_text = module.decode("ascii", "replace")
        if dots or project_top(module_text.split(".")[0]):
            imports.append((len(dots), module_text, listed))
    return Lexicon(words, tuple(imports), frozenset(_DEF.findall(data)))


def _backward_call(data: bytes) -> bool:
    for found in _BACKWARD.finditer(data):
        at = found.start()
        if at >= 7 and data[at - 7:at] == b"manual_":
            return True
        if (at == 0 or data[at - 1] not in _WORD_BYTES) and not (at >= 4 and data[at - 4:at] == b"def "):
            return True
    return False


def _import_lines(data: bytes):
    """``_IMPORT_LINE.finditer(data)``, tried only at the start of a line that says ``import``."""
    at = data.find(b"import")
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        match = _IMPORT_LINE.match(data, start)
        if match is not None:
            yield match
        end = data.find(b"\n", at)
        if end == -1:
            return
        at = data.find(b"import", end)


def holds(proj: "project.Project", path: str, word: str, strict: bool, memo: Dict[tuple, bool],
          hop: int = 1) -> bool:
    """Does the module's text (or, within the hops, a project module it imports) hold
    ``WORDS[word]``? Unreadable counts as holding it; so, when ``strict``, does a module at
    the last hop that imports project modules (a re-export may go on past the hops,
    where the answer is unknown). ``memo``: the linted file's answers so far."""
    key = (path, word, hop, strict)
    if key not in memo:
        memo[key] = _holds(proj, path, word, strict, memo, hop)
    return memo[key]


def _holds(proj: "project.Project", path: str, word: str, strict: bool, memo: Dict[tuple, bool],
           hop: int) -> bool:
    lexicon = proj.scan(path, scan)
    if lexicon is None or word in lexicon.words:
        return True
    if hop >= project.MAX_HOPS:
        return strict and bool(lexicon.imports)
    for level, module, names in lexicon.imports:
        parts = tuple(p for p in module.split(".") if p)
        for modparts in [parts] + [parts + (n,) for n in names]:
            found = proj.module_file(modparts, level, path) if (modparts or level) else None
            if found is not None and found != path and holds(proj, found, word, strict, memo, hop + 1):
                return True
    return False


def project_top(top: str) -> bool:
    """Could an import of this top-level name reach the user's project? (A name known
    libraries have can: a checkout of that library, :meth:`CrossModule.owns`.)"""
    return bool(top) and top not in known.TORCH_PACKAGES and top not in project._STDLIB_NAMES
