"""Machine-readable reports, as documents: JSON rows, SARIF 2.1.0, GitHub
workflow annotations. Pure functions of a list of ``Finding``; no flake8 here
(``torchlint/formatters.py`` wraps them as flake8 formatters), so this module
imports without flake8.

SARIF (OASIS Static Analysis Results Interchange Format 2.1.0) is what code
scanning services (GitHub's ``upload-sarif`` action among them) read: one
``run`` whose ``tool.driver.rules`` describes every torchlint rule (summary,
message, help text written for users, docs link) and whose ``results`` point
at files relative to ``%SRCROOT%`` (the directory flake8 ran in). Docs links
need ``--torchlint-docs-url`` (the base URL of the built docs site);
torchlint does not guess a host. Codes from other flake8 plugins are reported
too, with a minimal rule entry each.

Fixes: a finding whose rule has an automatic fix (``torchlint check --fix``)
carries it, computed on the file as it is now (``fix_offers``): Ruff's ``fix``
object in JSON (applicability, message, edits), a SARIF ``fixes`` entry.

Positions: ``line`` and ``column`` are flake8's (1-based; the column counts
what the parser counts, UTF-8 bytes). The end of a finding is not part of
flake8's protocol; ``with_ends`` reads it back from the file: the end of the
largest expression or simple statement that starts exactly at the finding,
else the end of the code on that line (None when the file cannot be read
again, and for stdin).
"""
from __future__ import annotations

import ast
import io
import json
import tokenize
from pathlib import Path
from typing import Collection, Dict, Iterable, List, NamedTuple, Optional, Tuple

from torchlint import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_URI = "https://pypi.org/project/torchlint/"
ERROR_CODES = ("TL000", "E999", "E902")  # the file could not be looked at


class Finding(NamedTuple):
    path: str
    line: int
    column: int  # 1-based, as flake8 prints it
    code: str
    message: str  # without the code
    end: Optional[Tuple[int, int]] = None  # (line, column just past the end): see with_ends


def docs_url(code: str, base: Optional[str]) -> Optional[str]:
    """Link to a torchlint rule's page: ``<base>/rules/<CODE>/`` (the mkdocs site
    layout); None without a base (torchlint does not guess a host) and for codes
    that are not torchlint's."""
    from torchlint.checks import BY_CODE

    if not base or code not in BY_CODE:
        return None
    return f"{base.rstrip('/')}/rules/{code}/"


# --- end positions -------------------------------------------------------------------

Position = Tuple[int, int]  # (line, 1-based column just past the end)


def _ends(path: str) -> Optional[Tuple[Dict[Position, Position], Tuple[str, ...]]]:
    """(start -> end of the largest node starting there, code of each line without
    its comment), for one file; None when it cannot be read or parsed."""
    try:
        with tokenize.open(path) as fh:
            source = fh.read()
        tree = ast.parse(source, path)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (OSError, SyntaxError, ValueError, UnicodeError, tokenize.TokenError, RecursionError):
        return None
    lines = source.split("\n")
    for tok in tokens:  # drop trailing comments: the code of a line ends before them
        if tok.type == tokenize.COMMENT and tok.start[0] <= len(lines):
            row, col = tok.start
            lines[row - 1] = lines[row - 1][:col]
    ends: Dict[Position, Position] = {}
    for node in ast.walk(tree):
        compound = isinstance(node, ast.stmt) and hasattr(node, "body")  # a header: ends with its line
        if not isinstance(node, (ast.expr, ast.stmt)) or compound or node.end_lineno is None:
            continue
        start = (node.lineno, node.col_offset + 1)
        end = (node.end_lineno, node.end_col_offset + 1)
        if end > ends.get(start, (0, 0)):
            ends[start] = end
    return ends, tuple(lines)


def with_ends(findings: Iterable[Finding], skip: Collection[str] = ()) -> List[Finding]:
    """``findings`` with their ``end`` read back from their files, each read once;
    not for paths in ``skip`` (a buffer linted from stdin: the file on disk under
    its display name may hold other text)."""
    files: Dict[str, object] = {}
    out = []
    for f in findings:
        if f.path not in files:
            files[f.path] = None if f.path in skip else _ends(f.path)
        found, end = files[f.path], None
        if found is not None:
            ends, lines = found
            if (f.line, f.column) in ends:
                end = ends[(f.line, f.column)]
            elif 1 <= f.line <= len(lines):
                code = lines[f.line - 1].rstrip().encode("utf-8")
                end = (f.line, max(len(code) + 1, f.column))
        out.append(f._replace(end=end))
    return out


# --- fixes -----------------------------------------------------------------------------

Key = Tuple[str, int, int, str]  # (path, line, column, code) of a finding


class Replacement(NamedTuple):
    start: Tuple[int, int]  # (line, column): 1-based, columns in characters
    end: Tuple[int, int]
    text: str


class FixOffer(NamedTuple):
    title: str
    safe: bool  # False: applied only with --unsafe-fixes
    replacements: Tuple[Replacement, ...]


def fix_offers(findings: Iterable[Finding], config=None, skip: Collection[str] = ()) -> Dict[Key, FixOffer]:
    """The automatic fix of each finding that has one, as ``torchlint check --fix``
    would apply it to the file as it is now, keyed by ``(path, line, column, code)``.
    Only files with a finding of a fixable rule are read and checked again; files
    in ``skip`` (a buffer from stdin) and unreadable ones get none."""
    from torchlint.checks import BY_CODE

    codes: Dict[str, set] = {}
    for f in findings:
        rule = BY_CODE.get(f.code)
        if rule is not None and rule.fix and f.path not in skip:
            codes.setdefault(f.path, set()).add(f.code)
    if not codes:
        return {}
    from torchlint.fix import Fix, fixes_for
    from torchlint.fix.cli import read_source
    from torchlint.fix.edits import Source

    out: Dict[Key, FixOffer] = {}
    for path in sorted(codes):
        read = read_source(path)
        if isinstance(read, str):
            continue
        text = read[0]
        src = Source(text)
        for v, fix in fixes_for(text, path, config, rules=sorted(codes[path])).items():
            if isinstance(fix, Fix):
                out[(path, v.line, v.col + 1, v.code)] = FixOffer(fix.title, fix.safe, tuple(
                    Replacement(src.position(e.start), src.position(e.end), e.text)
                    for e in fix.edits))
    return out


def _json_fix(offer: Optional[FixOffer]) -> Optional[dict]:
    if offer is None:
        return None
    return {"applicability": "safe" if offer.safe else "unsafe", "message": offer.title,
            "edits": [{"content": r.text, "location": {"row": r.start[0], "column": r.start[1]},
                       "end_location": {"row": r.end[0], "column": r.end[1]}}
                      for r in offer.replacements]}


# --- JSON ------------------------------------------------------------------------------

def json_rows(findings: Iterable[Finding], docs_base: Optional[str] = None,
              fixes: Optional[Dict[Key, FixOffer]] = None) -> List[dict]:
    """One row per finding: where (start and end), code, rule name, message, docs
    link, and ``fix`` (Ruff's shape: applicability, message, edits; null when the
    finding has no automatic fix)."""
    from torchlint.checks import BY_CODE

    fixes = fixes or {}
    rows = []
    for f in findings:
        end = f.end
        rule = BY_CODE.get(f.code)
        rows.append({
            "path": f.path, "line": f.line, "column": f.column,
            "end_line": end[0] if end else None, "end_column": end[1] if end else None,
            "code": f.code, "name": rule.name if rule else None, "message": f.message,
            "url": docs_url(f.code, docs_base),
            "fix": _json_fix(fixes.get((f.path, f.line, f.column, f.code))),
        })
    return rows


def findings_to_json(findings: Iterable[Finding], docs_base: Optional[str] = None,
                     fixes: Optional[Dict[Key, FixOffer]] = None) -> str:
    return json.dumps(json_rows(findings, docs_base, fixes), indent=2) + "\n"


# --- GitHub workflow commands ---------------------------------------------------------

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: str, root: Path) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return p.as_posix()


def github_annotations(findings: Iterable[Finding], root: Optional[Path] = None) -> str:
    """``::error file=...,line=...,col=...,endLine=...,endColumn=...,title=CODE::CODE message``
    per finding: GitHub Actions shows each on the pull request's diff (no code
    scanning needed). Paths relative to ``root`` (the checkout)."""
    root = (root or Path.cwd()).resolve()
    out = []
    for f in findings:
        props = [("file", _relative(f.path, root)), ("line", str(f.line)), ("col", str(f.column))]
        end = f.end
        if end:
            props += [("endLine", str(end[0])), ("endColumn", str(end[1]))]
        props.append(("title", f.code))
        head = ",".join(f"{k}={_escape_property(v)}" for k, v in props)
        out.append(f"::error {head}::{_escape_data(f'{f.code} {f.message}')}\n")
    return "".join(out)


# --- SARIF ---------------------------------------------------------------------------

def _rule_descriptor(rule, base: Optional[str]) -> dict:
    from torchlint.docs import help_text, installed_page

    summary = rule.summary()
    message = f"{rule.message}; {rule.hint}" if rule.hint else rule.message
    url = docs_url(rule.code, base)
    page = installed_page(rule.code)
    text = help_text(page) if page else f"{summary}.\n"
    if url:
        text += f"\nFull documentation: {url}\n"
    out = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": f"{summary}. Message: {message}"},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": "warning", "enabled": bool(rule.default_enabled)},
        "properties": {"tags": ["pytorch", "correctness"], "fix": rule.fix or "none"},
    }
    if url:
        out["helpUri"] = url
    return out


def _uri(path: str, root: Path) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return p.as_posix() if not p.is_absolute() else p.resolve().as_uri()


def _sarif_fix(offer: FixOffer, location: dict) -> dict:
    return {
        "description": {"text": offer.title},
        "artifactChanges": [{"artifactLocation": location, "replacements": [{
            "deletedRegion": {"startLine": r.start[0], "startColumn": r.start[1],
                              "endLine": r.end[0], "endColumn": r.end[1]},
            "insertedContent": {"text": r.text},
        } for r in offer.replacements]}],
        "properties": {"applicability": "safe" if offer.safe else "unsafe"},
    }


def sarif_log(findings: Iterable[Finding], root: Optional[Path] = None,
              docs_base: Optional[str] = None, fixes: Optional[Dict[Key, FixOffer]] = None) -> dict:
    """A complete SARIF 2.1.0 log with one run."""
    from torchlint.checks import RULES

    fixes = fixes or {}
    root = (root or Path.cwd()).resolve()
    findings = list(findings)
    rules: List[dict] = [_rule_descriptor(r, docs_base) for r in RULES]
    index: Dict[str, int] = {r["id"]: i for i, r in enumerate(rules)}
    for f in findings:  # codes of other plugins (E999, F401 ...): a minimal entry
        if f.code not in index:
            index[f.code] = len(rules)
            rules.append({"id": f.code, "shortDescription": {"text": f.message}})
    results = []
    for f in findings:
        region = {"startLine": max(int(f.line), 1)}
        if f.column and int(f.column) >= 1:
            region["startColumn"] = int(f.column)
            if f.end:
                region["endLine"], region["endColumn"] = f.end
        artifact = {"uri": _uri(f.path, root), "uriBaseId": "%SRCROOT%"}
        result = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "error" if f.code in ERROR_CODES else "warning",
            "message": {"text": f"{f.code} {f.message}"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
        }
        offer = fixes.get((f.path, f.line, f.column, f.code))
        if offer is not None:
            result["fixes"] = [_sarif_fix(offer, artifact)]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "torchlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": TOOL_URI,
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def sarif_document(findings: Iterable[Finding], docs_base: Optional[str] = None,
                   fixes: Optional[Dict[Key, FixOffer]] = None) -> str:
    return json.dumps(sarif_log(findings, docs_base=docs_base, fixes=fixes), indent=2) + "\n"
