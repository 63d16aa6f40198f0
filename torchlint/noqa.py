"""``torchlint check --add-noqa``: silence every current finding in place, so that a
new CI gate starts green on an existing codebase (Ruff's ``--add-noqa``).

Where the comment goes is flake8's rule for where it looks: flake8 searches a
finding's ``# noqa`` in the physical lines of its token range (a multi-line
string, a backslash continuation) joined, so the comment is written at the end
of the range's last line, the only place a comment can stand. An existing
``# noqa: CODES`` there gets the missing codes; another comment gets the
directive after it. A file is rewritten only when the edit changed nothing
but comments (same tokens otherwise), it still parses, and flake8 would find
each new directive; otherwise it is left alone and its findings are printed.
Running it twice adds nothing the second time.
"""
from __future__ import annotations

import ast
import io
import os
import re
import sys
import tempfile
import tokenize
from collections import defaultdict
from typing import Dict, List, Sequence, Set, Tuple

from torchlint.report import Finding

NOT_SILENCEABLE = ("E902", "E999")  # no file, or no parse: nothing to write on
_ENDING = re.compile(r"(\r\n|\r|\n)\Z")


class Unsafe(Exception):
    """The file cannot be edited safely; it is left as it was."""


def _noqa_regex():
    from flake8.defaults import NOQA_INLINE_REGEXP  # flake8's own: one definition

    return NOQA_INLINE_REGEXP


def _tokens(lines: Sequence[str]) -> List[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(iter(lines).__next__))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise Unsafe(f"cannot tokenize: {exc}") from None


def _ranges(tokens) -> Dict[int, Tuple[int, int]]:
    """line -> (first, last) line of the range flake8 joins to look for ``# noqa``
    (flake8's ``FileProcessor._noqa_line_mapping``)."""
    out: Dict[int, Tuple[int, int]] = {}
    first, last = None, None
    for tok in tokens:
        if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first = tok.start[0] if first is None else min(first, tok.start[0])
        last = tok.end[0] if last is None else max(last, tok.end[0])
        if tok.type in (tokenize.NL, tokenize.NEWLINE):
            for line in range(first, last + 1):
                out[line] = (first, last)
            first = last = None
    return out


def _covered(code: str, codes: Sequence[str]) -> bool:
    return code in codes or code.startswith(tuple(codes))


def _with_codes(line: str, comment: str, col: int, codes: Sequence[str]) -> str:
    """``line`` with ``codes`` added to its noqa comment, or a directive appended."""
    body = _ENDING.sub("", line)
    ending = line[len(body):]
    match = _noqa_regex().search(comment) if comment else None
    if match is not None and match.group("codes"):
        have = [c for c in re.split(r"[,\s]+", match.group("codes")) if c]
        trailing = match.group("codes")[len(match.group("codes").rstrip()):]
        new = "# noqa: " + ",".join(have + [c for c in codes if not _covered(c, have)]) + trailing
        merged = comment[:match.start()] + new + comment[match.end():]
        return body[:col] + merged + body[col + len(comment):] + ending
    return body.rstrip() + "  # noqa: " + ",".join(codes) + ending


def edit(text: str, wanted: Dict[int, Set[str]]) -> Tuple[str, int, List[int]]:
    """(new text, directives written, lines that could not be silenced) for
    ``wanted``: line -> codes reported there."""
    lines = io.StringIO(text, newline="").readlines()
    tokens = _tokens(lines)
    ranges = _ranges(tokens)
    comments = {t.start[0]: (t.start[1], t.string) for t in tokens if t.type == tokenize.COMMENT}
    by_last: Dict[int, Set[str]] = defaultdict(set)
    failed = []
    for line, codes in wanted.items():
        if line in ranges:
            by_last[ranges[line][1]].update(codes)
        else:
            failed.append(line)
    new_lines = list(lines)
    written = 0
    for last, codes in sorted(by_last.items()):
        col, comment = comments.get(last, (0, ""))
        updated = _with_codes(lines[last - 1], comment, col, sorted(codes))
        if updated != lines[last - 1]:
            new_lines[last - 1] = updated
            written += 1
    new_text = "".join(new_lines)
    _verify(tokens, new_lines)
    for line, codes in wanted.items():  # would flake8 now find them silenced?
        if line not in ranges:
            continue
        first, last = ranges[line]
        match = _noqa_regex().search("".join(new_lines[first - 1:last]))
        found = match.group("codes") if match else None
        have = [c for c in re.split(r"[,\s]+", found or "") if c]
        if match is None or (found is not None and not all(_covered(c, have) for c in codes)):
            failed.append(line)
    return new_text, written, sorted(failed)


def _verify(old_tokens, new_lines: List[str]) -> None:
    """Only comments changed, and the file still parses."""
    def code(tokens):
        return [(t.type, t.string) for t in tokens if t.type != tokenize.COMMENT]

    if code(old_tokens) != code(_tokens(new_lines)):
        raise Unsafe("the edit would change more than comments")
    try:
        ast.parse("".join(new_lines))
    except (SyntaxError, ValueError) as exc:
        raise Unsafe(f"the edit would not parse: {exc}") from None


def edit_file(path: str, wanted: Dict[int, Set[str]]) -> Tuple[int, List[int]]:
    """Edit ``path`` in place (same encoding, line endings and mode)."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeError, LookupError) as exc:
        raise Unsafe(f"cannot decode: {exc}") from None
    new_text, written, failed = edit(text, wanted)
    if written:
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".torchlint-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(new_text.encode(encoding))
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return written, failed


def add_noqa(findings: Sequence[Finding], options) -> int:
    """Write the directives; print what could not be silenced. Exit status: 0 when
    every finding is now silenced, else 1."""
    wanted: Dict[str, Dict[int, Set[str]]] = defaultdict(lambda: defaultdict(set))
    left: List[Finding] = []
    for f in findings:
        if f.code in NOT_SILENCEABLE:
            left.append(f)
        else:
            wanted[f.path][f.line].add(f.code)
    written = files = 0
    for path, lines in sorted(wanted.items()):
        try:
            count, failed = edit_file(path, lines)
        except (Unsafe, OSError) as exc:
            print(f"torchlint check: {path} left unchanged: {exc}", file=sys.stderr)
            count, failed = 0, list(lines)
        written += count
        files += bool(count)
        left += [f for f in findings if f.path == path and f.line in failed]
    print(f"torchlint check: added {written} noqa directive{'s' * (written != 1)} "
          f"in {files} file{'s' * (files != 1)}", file=sys.stderr)
    for f in left:
        print(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}")
    return 1 if left and not options.exit_zero else 0
