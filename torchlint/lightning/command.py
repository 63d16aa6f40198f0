"""``torchlint lightning FILE``: the command line (registered by ``torchlint.cli``).

Prints the converted script (``--diff``: a unified diff against FILE) on stdout;
says on stderr which loop and which path it took and why, what to review, and
whether the output passes its own checks. ``--verify N`` then runs FILE and the
conversion side by side (:mod:`~torchlint.lightning.verify`) and prints the
comparison. Exit status: 0; 1 when FILE has no loop to convert or the runs differ;
2 when FILE cannot be read.
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

from torchlint.lightning import FABRIC, PACKAGES, STYLES, GenerationError, convert, detect_package


def add_subcommand(sub) -> None:
    p = sub.add_parser(
        "lightning", help="convert FILE's hand-written training loop to Lightning: a LightningModule + "
                          "Trainer for a plain loop, Fabric for the rest (FILE is not run)")
    p.add_argument("file", metavar="FILE", help="a training script")
    p.add_argument("--style", choices=STYLES,
                   help="force the path: module (LightningModule + Trainer) or fabric (default: "
                        "chosen per loop)")
    p.add_argument("--diff", action="store_true", help="print a unified diff against FILE")
    p.add_argument("--package", choices=("auto",) + PACKAGES, default="auto",
                   help="import `lightning` or `pytorch_lightning` / `lightning_fabric` (default: "
                        "whichever is installed, `lightning` if neither)")
    p.add_argument("--loop", type=int, metavar="LINE",
                   help="the line of the training loop to convert (default: the first)")
    p.add_argument("-o", "--output", metavar="PATH", help="write the result there, not to stdout")
    p.add_argument("--verify", type=int, metavar="N",
                   help="run FILE and the conversion for N optimizer steps each (fresh processes, "
                        "same seed, CPU, float32) and compare every loss and learning rate")
    p.add_argument("--run", metavar="SCRIPT",
                   help="with --verify: the script to run when FILE is a module it imports")
    p.add_argument("--args", default="", metavar="ARGS",
                   help="with --verify: command-line arguments for the script (one string)")
    p.set_defaults(func=run)


def run(args) -> int:
    package = detect_package() if args.package == "auto" else args.package
    try:
        source = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.file}: {exc}", 2)
    try:
        result = convert(source, args.file, package, args.loop, args.style)
    except GenerationError as exc:
        return _fail(str(exc), 1)
    _say(_choice(result))
    for note in result.notes:
        _say(f"review: {note}")
    from torchlint.lightning import selfcheck

    for problem in selfcheck.problems(source, result.text, args.file):
        _say(f"check: {problem}")
    text = result.diff if args.diff and result.diff is not None else result.text
    if args.diff and result.diff is None:
        import difflib

        text = "".join(difflib.unified_diff(source.splitlines(True), result.text.splitlines(True),
                                            f"a/{args.file}", f"b/{args.file}"))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if args.verify:
        return _verify(args, result.text)
    return 0


def _choice(result) -> str:
    loop = result.loop
    if result.path == FABRIC:
        why = "; ".join(loop.reasons) if loop.reasons else "--style fabric"
        return f"loop at line {loop.line} -> Lightning Fabric ({why})"
    how = "--style module" if loop.forced else "a plain loop"
    return f"loop at line {loop.line} -> LightningModule + Trainer ({how})"


def _verify(args, converted: str) -> int:
    from torchlint.lightning.verify import verify

    try:
        report = verify(Path(args.file), converted, args.verify,
                        entry=Path(args.run) if args.run else None, args=shlex.split(args.args))
    except (OSError, RuntimeError) as exc:
        return _fail(f"--verify could not run: {exc}", 1)
    sys.stderr.write(report.text())
    return 0 if report.equivalent else 1


def _say(text: str) -> None:
    print(f"torchlint lightning: {text}", file=sys.stderr)


def _fail(text: str, code: int) -> int:
    _say(text)
    return code
