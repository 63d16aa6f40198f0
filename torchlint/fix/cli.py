"""The command-line side of autofix, Ruff's conventions (``torchlint check`` calls
:func:`apply` for ``--fix`` / ``--unsafe-fixes`` / ``--diff``):

- ``--fix`` writes the safe fixes (``--unsafe-fixes``: the unsafe ones too) and says
  on stderr what it fixed and what it left; ``torchlint check`` then reports what
  is left, and its exit status is that report's;
- ``--diff`` prints a unified diff of what ``--fix`` would change and changes
  nothing: exit 1 when there is something to fix, else 0.

The files and codes are flake8's, as ``torchlint check`` reports them: the same
file discovery (``exclude``, ``extend-exclude``, ``filename``), the same
``select`` / ``ignore`` / ``per-file-ignores``, and ``# noqa``. A file that cannot
be read or parsed gets one line on stderr and is left alone. Files are written
in their own encoding (BOM included) and newlines, through a temporary file.
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import tokenize
from typing import Optional, Sequence, TextIO

from torchlint.checks import RULES
from torchlint.config import Config
from torchlint.fix import fix_source, unified_diff


def apply(paths: Sequence[str], *, unsafe: bool = False, diff: bool = False,
          flake8_args: Sequence[str] = (), options=None, out: Optional[TextIO] = None,
          err: Optional[TextIO] = None) -> int:
    """Fix (or, with ``diff``, show the fixes for) the Python files under ``paths``.
    ``options``: flake8's parsed options as ``torchlint check`` parsed them (its files
    and selection); else ``flake8_args``, parsed by flake8 itself."""
    out = out or sys.stdout
    err = err or sys.stderr
    from flake8 import discover_files
    from flake8.style_guide import Decision, StyleGuideManager

    if options is None:
        from flake8.options.parse_args import parse_args

        _plugins, options = parse_args([*flake8_args, *(paths or ["."])])
    guides = StyleGuideManager(options, formatter=None)
    config = Config.from_options(options)
    files = discover_files.expand_paths(
        paths=options.filenames, stdin_display_name=options.stdin_display_name,
        filename_patterns=options.filename, exclude=[*options.exclude, *options.extend_exclude])
    fixed = changed = unsafe_left = 0
    for path in sorted({os.path.normpath(f) for f in files if f != "-"}):
        guide = guides.style_guide_for(path)
        rules = [r for r in RULES if r.fix and guide.should_report_error(r.code) is Decision.Selected]
        if not rules:
            continue
        read = read_source(path)
        if isinstance(read, str):
            err.write(f"{path}: not fixed: {read}\n")
            continue
        text, encoding = read
        result = fix_source(text, path, config, unsafe=unsafe, rules=rules)
        if result.error:
            err.write(f"{path}: not fixed: {result.error}\n")
            continue
        unsafe_left += sum(1 for s in result.skipped if "--unsafe-fixes" in s.reason)
        if not result.changed:
            continue
        changed += 1
        fixed += len(result.applied)
        if diff:
            out.write(unified_diff(text, result.new_source, path))
            continue
        problem = _write(path, result.new_source, encoding)
        if problem:
            err.write(f"{path}: not fixed: {problem}\n")
            continue
        codes = ", ".join(f"{a.code} line {a.line}" for a in result.applied)
        err.write(f"{path}: fixed {len(result.applied)} ({codes})\n")
    verb = "would fix" if diff else "fixed"
    if fixed or not diff:
        err.write(f"torchlint: {verb} {fixed} finding(s) in {changed} file(s)\n")
    if unsafe_left and not unsafe:
        err.write(f"torchlint: {unsafe_left} more fix(es) available with --unsafe-fixes\n")
    return 1 if diff and changed else 0


def read_source(path: str):
    """(text, encoding), or why not."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _write(path: str, text: str, encoding: str) -> Optional[str]:
    """Replace ``path``'s contents (same mode) through a temporary file; why not, or None."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp: Optional[str] = None
    try:
        data = text.encode(encoding)
        fd, tmp = tempfile.mkstemp(prefix=".torchlint-fix-", suffix=".py", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
        tmp = None
    except (OSError, UnicodeEncodeError) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return None
