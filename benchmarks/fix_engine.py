"""Position-based text edits vs a concrete syntax tree (libcst) for ``torchlint/fix``.

    python benchmarks/fix_engine.py                 # fixtures + /work/corpus when present
    python benchmarks/fix_engine.py --corpus DIR    # other trees (read only)

libcst is not a torchlint dependency (hypothesmith, a test tool, pulls it in);
this script needs it. Two questions, answered on the same files:

Speed. A fix needs the semantic model (the facts say what to change), which is
built on the stdlib ``ast`` flake8 already parsed. Per file, the benchmark
times what each engine adds on top of what linting costs anyway:

- text edits: :class:`torchlint.fix.edits.Source` (line offsets, one
  ``tokenize`` pass for ``# noqa`` and multi-line strings);
- CST: ``libcst.parse_module`` plus the ``PositionProvider`` metadata pass
  needed to find the CST node of an ``ast`` node the facts point at;

next to ``ast.parse`` and ``engine.open_model`` for scale. Medians of
``--rounds`` timings per file, summed over the files.

Fidelity. libcst must round-trip every file byte for byte (checked), and the
three fixes whose edits are most structural are written a second time as libcst
transforms and applied to every flagged fixture of their rule: TL202 (an
expression statement becomes an assignment), TL503 (a keyword argument is
removed, commas and comments around it), TL602 (a loop is wrapped in a ``with``
block: re-indentation). The outputs of both engines are compared; where they
differ the script prints the diff.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

REPO = Path(__file__).resolve().parent.parent
CORPORA = [Path("/work/corpus/examples"), Path("/work/corpus/pytorch-lightning"),
           Path("/work/corpus/pytorch-image-models")]

try:
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider
except ImportError:  # pragma: no cover
    sys.exit("benchmarks/fix_engine.py needs libcst (pip install libcst)")

from torchlint import engine  # noqa: E402
from torchlint.fix import fix_source  # noqa: E402
from torchlint.fix.edits import Source  # noqa: E402


# ------------------------------------------------------------------ speed
def _median(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cst_positions(text: str):
    wrapper = MetadataWrapper(cst.parse_module(text))
    return wrapper.resolve(PositionProvider)


def speed(files: List[Path], rounds: int) -> Dict[str, float]:
    totals = {"ast.parse": 0.0, "semantic model": 0.0, "text edits (Source + tokens)": 0.0,
              "libcst parse + positions": 0.0}
    roundtrip_failures = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(text)
            module = cst.parse_module(text)
        except Exception:  # noqa: BLE001 - a file one of the parsers rejects is not compared
            continue
        if module.code != text:
            roundtrip_failures.append(str(path))
        lines = text.splitlines(True)
        totals["ast.parse"] += _median(lambda: ast.parse(text), rounds)
        totals["semantic model"] += _median(lambda: engine.open_model(tree, str(path), lines), rounds)
        totals["text edits (Source + tokens)"] += _median(lambda: Source(text).noqa_line(1), rounds)
        totals["libcst parse + positions"] += _median(lambda: _cst_positions(text), rounds)
    totals["roundtrip failures"] = roundtrip_failures
    return totals


# ------------------------------------------------------------------ fidelity: libcst versions
class _At(cst.CSTTransformer):
    """Base: finds nodes by (line, character column) of the ``ast`` node reported."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int, col: int):
        super().__init__()
        self.line, self.col = line, col

    def at(self, node) -> bool:
        start = self.get_metadata(PositionProvider, node).start
        return (start.line, start.column) == (self.line, self.col)


class AssignBack(_At):  # TL202
    def leave_SimpleStatementLine(self, original, updated):
        stmt = updated.body[0] if len(updated.body) == 1 else None
        if isinstance(stmt, cst.Expr) and self.at(original.body[0]):
            call = stmt.value
            target = call.func.value
            return updated.with_changes(body=[cst.Assign([cst.AssignTarget(target)], call)])
        return updated


class DropShuffle(_At):  # TL503
    """The keyword in the call, else the ``"shuffle"`` entry of the dict spread into it
    (the fixtures have one such dict)."""

    in_call = False

    def leave_Call(self, original, updated):
        if not self.at(original):
            return updated
        args = [a for a in updated.args if not (a.keyword and a.keyword.value == "shuffle")]
        self.in_call = len(args) < len(updated.args)
        return updated.with_changes(args=_without_last(updated.args, args))

    def leave_Module(self, original, updated):
        if self.in_call:
            return updated
        return updated.visit(_DropDictEntry())


class _DropDictEntry(cst.CSTTransformer):
    def leave_Dict(self, original, updated):
        kept = [e for e in updated.elements if not (
            isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
            and e.key.evaluated_value == "shuffle")]
        return updated.with_changes(elements=_without_last(updated.elements, kept))


def _without_last(before, after):
    """libcst keeps each item's own comma: when the last item goes, the new last one
    takes its comma (none, or a trailing one)."""
    after = list(after)
    if after and len(after) < len(before) and before[-1] not in after:
        after[-1] = after[-1].with_changes(comma=before[-1].comma)
    return after


class WrapNoGrad(_At):  # TL602
    def leave_For(self, original, updated):
        if not self.at(original):
            return updated
        no_grad = cst.parse_expression("torch.no_grad()")
        return cst.With([cst.WithItem(no_grad)], cst.IndentedBlock([updated.with_changes(leading_lines=())]),
                        leading_lines=updated.leading_lines)


TRANSFORMS = {"TL202": AssignBack, "TL503": DropShuffle, "TL602": WrapNoGrad}


def _cst_fix(text: str, code: str, path: Path) -> str:
    reports = sorted((v for v in engine.check_source(text, str(path)) or [] if v.code == code),
                     key=lambda v: (v.line, v.col), reverse=True)
    for v in reports:  # one pass per report, last first: positions before it stay valid
        line = text.splitlines(True)[v.line - 1]
        col = len(line.encode("utf-8")[:v.col].decode("utf-8", "ignore"))
        wrapper = MetadataWrapper(cst.parse_module(text))
        text = wrapper.visit(TRANSFORMS[code](v.line, col)).code
    return text


def fidelity() -> List[str]:
    rows = []
    for code in TRANSFORMS:
        for path in sorted((REPO / "rules" / code).glob("flagged_*.py")):
            text = path.read_text(encoding="utf-8")
            mine = fix_source(text, str(path), unsafe=True, rules=[code])
            if not mine.changed:
                rows.append(f"{code} {path.name}: no text fix (withheld), not compared")
                continue
            theirs = _cst_fix(text, code, path)
            same = theirs == mine.new_source
            rows.append(f"{code} {path.name}: {'identical' if same else 'DIFFERENT'}")
            if not same:
                rows.extend(difflib.unified_diff(mine.new_source.splitlines(), theirs.splitlines(),
                                                 "text edits", "libcst", lineterm=""))
    return rows


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", type=Path, help="extra trees to time (read only)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    fixtures = sorted(p for p in (REPO / "rules").rglob("*.py") if "__pycache__" not in p.parts)
    corpus = sorted(p for root in (args.corpus or [c for c in CORPORA if c.is_dir()])
                    for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    for name, files in (("fixtures", fixtures), ("corpus", corpus)):
        if not files:
            continue
        totals = speed(files, args.rounds)
        base = totals["ast.parse"]
        print(f"\n{name}: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB")
        for key, value in totals.items():
            if key == "roundtrip failures":
                print(f"  libcst round-trip failures: {len(value)} {value}")
            else:
                print(f"  {key:32s} {value * 1000:9.1f} ms  ({value / base:5.1f}x ast.parse)")
    print("\nfidelity (same fix written both ways, flagged fixtures):")
    for row in fidelity():
        print("  " + row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
