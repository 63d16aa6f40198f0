"""Position-based text edits: the one way a fix changes a file.

A fix is a few :class:`Edit` s - "replace characters ``start:end`` of the source
with ``text``" - computed from the stdlib ``ast`` positions flake8 and the
semantic model already have. Everything outside an edit stays byte for byte as
written: formatting, comments, blank lines, string quotes.

:class:`Source` turns ``ast`` positions (1-based lines, UTF-8 byte columns) into
character offsets and answers the layout questions fixes ask: a statement's
whole lines, its indentation, the comment lines above it, the lines inside
multi-line strings (never re-indented), the file's newline. ``# noqa`` follows
flake8 exactly (:meth:`Source.suppressed`).
"""
from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Tuple

# flake8's ``defaults.NOQA_INLINE_REGEXP`` (7.x), kept here because flake8 renamed it
# once already; tests/test_fix.py checks the two agree
NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` (character offsets) with ``text``; start == end inserts."""

    start: int
    end: int
    text: str

    def conflicts(self, other: "Edit") -> bool:
        """Two edits that cannot both be applied in one pass: they overlap, insert at
        the same place, or one inserts inside the other's range. Edits that only touch
        (one ends where the other starts) do not conflict."""
        if self.start == other.start:
            return True
        if self.start < other.end and other.start < self.end:
            return True
        return (self.start == self.end and other.start < self.start < other.end) or (
            other.start == other.end and self.start < other.start < self.end)


@dataclass(frozen=True)
class Fix:
    """What one fix does: its edits (never overlapping each other) and whether it is safe
    (behaviour-preserving except for the hazard) or needs ``--unsafe-fixes``."""

    title: str
    edits: Tuple[Edit, ...]
    safe: bool = True

    def conflicts(self, others: Iterable[Edit]) -> bool:
        return any(a.conflicts(b) for a in self.edits for b in others)


def apply(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with every edit applied (the edits must not conflict)."""
    out = text
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[:e.start] + e.text + out[e.end:]
    return out


class Source:
    """One version of a file's text, with ``ast`` positions mapped to offsets."""

    def __init__(self, text: str):
        self.text = text
        # split where Python's tokenizer does (\n, \r\n, \r), ends kept: line N is lines[N-1]
        self.lines: List[str] = io.StringIO(text, newline="").readlines()
        starts = [0]
        for line in self.lines:
            starts.append(starts[-1] + len(line))
        self.starts = starts
        ending = re.search(r"\r\n|\r|\n", text)
        self.newline = ending.group(0) if ending else "\n"
        self._noqa: Optional[Dict[int, str]] = None
        self._in_strings: Optional[FrozenSet[int]] = None

    # ------------------------------------------------------------ positions
    def line(self, lineno: int) -> str:
        return self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""

    def line_start(self, lineno: int) -> int:
        return self.starts[min(max(lineno, 1), len(self.starts)) - 1]

    def line_end(self, lineno: int) -> int:
        """The offset just past line ``lineno``'s newline."""
        return self.starts[min(max(lineno, 0), len(self.starts) - 1)]

    def position(self, offset: int) -> Tuple[int, int]:
        """(line, column) of a character offset: both 1-based, the column in characters."""
        line = bisect.bisect_right(self.starts, offset)
        if line > len(self.lines) and self.lines and not self.lines[-1].endswith(("\n", "\r")):
            line = len(self.lines)  # the end of a last line without a newline
        return line, offset - self.starts[line - 1] + 1

    def offset(self, lineno: int, col: int) -> int:
        """The character offset of ``ast``'s (line, UTF-8 byte column)."""
        line = self.line(lineno)
        if not line.isascii():
            col = len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))
        return self.line_start(lineno) + col

    def start(self, node) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node) -> str:
        return self.text[self.start(node):self.end(node)]

    def indent(self, lineno: int) -> str:
        line = self.line(lineno)
        return line[:len(line) - len(line.lstrip(" \t"))]

    def ends_with_newline(self, lineno: int) -> bool:
        return self.line(lineno).endswith(("\n", "\r"))

    # ------------------------------------------------------------ statements
    def whole_lines(self, stmt) -> Optional[Tuple[int, int]]:
        """``(first, last)`` when ``stmt`` has its lines to itself: only indentation
        before it and at most a comment after it (not ``a(); b()``); None otherwise."""
        first, last = stmt.lineno, stmt.end_lineno
        if self.text[self.line_start(first):self.start(stmt)].strip(" \t\f"):
            return None
        after = self.text[self.end(stmt):self.line_end(last)].strip()
        if after and not after.startswith("#"):
            return None
        return first, last

    def comments_above(self, first: int) -> int:
        """The first line of the comment-only lines right above line ``first`` at its
        indentation (they describe the statement and travel with it), else ``first``."""
        indent = self.indent(first)
        while first > 1:
            above = self.line(first - 1)
            if not above.strip().startswith("#") or self.indent(first - 1) != indent \
                    or (first - 1) in self.string_lines():
                break
            first -= 1
        return first

    def lines_text(self, first: int, last: int) -> str:
        """Lines ``first``..``last`` with their newlines (one added at the end of the file)."""
        text = self.text[self.line_start(first):self.line_end(last)]
        return text if text.endswith(("\n", "\r")) else text + self.newline

    def delete_lines(self, first: int, last: int) -> Edit:
        return Edit(self.line_start(first), self.line_end(last), "")

    def insert_lines(self, before: int, lines: Sequence[str], indent: str) -> Edit:
        """New lines (without newlines), each indented, inserted before line ``before``
        (``len(lines) + 1`` appends at the end of the file)."""
        text = "".join(indent + line + self.newline if line else self.newline for line in lines)
        at = self.line_start(before) if before <= len(self.lines) else len(self.text)
        if at == len(self.text) and self.text and not self.text.endswith(("\n", "\r")):
            text = self.newline + text
        return Edit(at, at, text)

    def reindent(self, first: int, last: int, old: str, new: str) -> str:
        """Lines ``first``..``last`` with their leading ``old`` indentation replaced by
        ``new``. Lines that do not start with ``old`` (a comment, a continuation line
        inside brackets), lines inside a multi-line string and blank lines are kept
        as they are: their indentation means nothing to Python."""
        out = []
        inside = self.string_lines()
        for n in range(first, last + 1):
            line = self.line(n)
            if n in inside or not line.strip() or not line.startswith(old):
                out.append(line)
            else:
                out.append(new + line[len(old):])
        text = "".join(out)
        return text if text.endswith(("\n", "\r")) else text + self.newline

    # ------------------------------------------------------------ tokens
    def string_lines(self) -> FrozenSet[int]:
        """Lines that continue a multi-line string (their text is the string's content)."""
        if self._in_strings is None:
            self._tokens()
        return self._in_strings

    def noqa_line(self, lineno: int) -> str:
        """The text flake8 searches for ``# noqa`` for a report at ``lineno``: every
        physical line of the logical line that holds it, joined."""
        if self._noqa is None:
            self._tokens()
        return self._noqa.get(lineno, self.line(lineno))

    def suppressed(self, lineno: int, code: str) -> bool:
        """flake8's rule: a bare ``# noqa`` silences every code; ``# noqa: X,Y`` the codes
        equal to or starting with X or Y."""
        match = NOQA.search(self.noqa_line(lineno))
        if match is None:
            return False
        codes = match.group("codes")
        if codes is None:
            return True
        listed = tuple(c for c in re.split(r"[,\s]+", codes) if c)
        return code in listed or code.startswith(listed)

    def _tokens(self) -> None:
        noqa: Dict[int, str] = {}
        inside = set()
        try:
            low, high = len(self.lines) + 2, -1
            fstring_starts: List[int] = []
            for tok in tokenize.generate_tokens(io.StringIO(self.text).readline):
                kind, (srow, _), (erow, _) = tok.type, tok.start, tok.end
                if kind == _FSTRING_START:
                    fstring_starts.append(srow)
                elif kind == _FSTRING_END and fstring_starts:
                    inside.update(range(fstring_starts.pop() + 1, erow + 1))
                elif kind == tokenize.STRING and erow > srow:
                    inside.update(range(srow + 1, erow + 1))
                if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
                    continue
                low, high = min(low, srow), max(high, erow)
                if kind in (tokenize.NL, tokenize.NEWLINE):
                    joined = "".join(self.lines[low - 1:high])
                    noqa.update(dict.fromkeys(range(low, high + 1), joined))
                    low, high = len(self.lines) + 2, -1
        except (tokenize.TokenError, SyntaxError):
            noqa = {}
        self._noqa = noqa
        self._in_strings = frozenset(inside)


class Span(NamedTuple):
    """A stretch of source in ``ast`` positions, from the start of one node to the end
    of another (a dict entry: its key to its value)."""

    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int

    @classmethod
    def of(cls, first, last) -> "Span":
        return cls(first.lineno, first.col_offset, last.end_lineno, last.end_col_offset)


def delete_item(src: Source, items: Sequence, i: int) -> Optional[Edit]:
    """The edit deleting ``items[i]`` from a comma-separated list (call arguments, dict
    entries given as nodes spanning key and value, in source order) with its comma: the
    whole line when the item has its lines to itself (a comment on them goes too: it
    was about the item), else the item and the comma between it and a neighbour. None
    when a comment sits between the item and its neighbour."""
    node = items[i]
    start, end = src.start(node), src.end(node)
    first, last = node.lineno, node.end_lineno
    before = src.text[src.line_start(first):start]
    after = src.text[end:src.line_end(last)].strip()
    if not before.strip() and (after in ("", ",") or after.startswith("#")
                               or (after.startswith(",") and after[1:].strip().startswith("#"))):
        return Edit(src.line_start(first), src.line_end(last), "")
    if i + 1 < len(items):
        following = src.start(items[i + 1])
        return None if "#" in src.text[end:following] else Edit(start, following, "")
    if i > 0:
        previous = src.end(items[i - 1])
        return None if "#" in src.text[previous:start] else Edit(previous, end, "")
    trailing = re.match(r"\s*,", src.text[end:])
    return Edit(start, end + (trailing.end() if trailing else 0), "")
