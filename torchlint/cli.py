"""``torchlint``: check, rules, explain, lightning, docs.

Exit status of every command: 0 success, 1 findings (or no result: a file
without a training loop for ``lightning``), 2 usage or configuration error,
with one line on stderr. A closed stdout (``torchlint rules | head``) ends the
command quietly with 141, as for a process killed by SIGPIPE.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path
from typing import List, Optional

from torchlint import __version__


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line: ``torchlint explain: error: ... (see --help)``."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _rules(args) -> int:
    from torchlint.checks import RULES

    width = max(len(r.name) for r in RULES)
    print(f"{'code':6} {'name':{width}} {'on':3} summary")
    for r in sorted(RULES, key=lambda r: r.code):
        on = "yes" if r.default_enabled else "no"
        print(f"{r.code:6} {r.name:{width}} {on:3} {r.summary()}")
    return 0


def find_rule(key: str):
    """A rule by code (``TL101``, any case) or name (``gradients-never-cleared``)."""
    from torchlint.checks import BY_CODE, RULES

    key = key.strip()
    by_name = {r.name: r for r in RULES}
    return BY_CODE.get(key.upper()) or by_name.get(key.lower().replace("_", "-"))


def _explain(args) -> int:
    from torchlint.checks import RULES
    from torchlint.docs import installed_page, without_comments

    rule = find_rule(args.rule)
    if rule is None:
        known = [r.code for r in RULES] + [r.name for r in RULES]
        close = difflib.get_close_matches(args.rule, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        print(f"torchlint explain: unknown rule {args.rule!r}; {hint}`torchlint rules` lists them",
              file=sys.stderr)
        return 2
    page = installed_page(rule.code)
    if page is None:  # installed without the docs data files
        message = f"{rule.message}; {rule.hint}" if rule.hint else rule.message
        page = f"# {rule.code} · {rule.name}\n\n{rule.summary()}.\n\nMessage: {message}\n"
    print(without_comments(page), end="")
    return 0


def _docs(args) -> int:
    import torchlint
    from torchlint import docs

    root = Path(args.root).resolve()
    missing = docs.missing_sources(root)
    if missing:
        lacks = missing[0].relative_to(root)
        print(f"torchlint docs: {root} is not a torchlint source checkout (no {lacks}); "
              "this developer command regenerates a checkout's docs: run it from the repository root "
              "or pass --root", file=sys.stderr)
        return 2
    running = Path(torchlint.__file__).resolve().parent
    if running != root / "torchlint":
        print(f"torchlint docs: the torchlint running ({running}) is not {root}'s: run "
              f"`python -m torchlint docs` in {root}, with its own code", file=sys.stderr)
        return 2
    if args.check:
        stale = docs.stale_pages(root)
        for code, why in sorted(stale.items()):
            print(f"{code}: {why}; run `torchlint docs`")
        return 1 if stale else 0
    docs.write_all(root)
    return 0


def _check_help(args) -> int:  # pragma: no cover - `check` is dispatched before argparse
    from torchlint import check

    return check.main(["--help"])


def _add_lightning(sub) -> None:
    """``torchlint lightning FILE``: the generator's own subcommand, plus the rule
    that ``-o`` never overwrites FILE, nor any existing file without ``--force``."""
    from torchlint.lightning import command

    command.add_subcommand(sub)
    p = sub.choices["lightning"]
    p.add_argument("--force", action="store_true", help="let -o replace an existing file (never FILE itself)")
    generate = p.get_default("func")

    def guarded(args) -> int:
        out = getattr(args, "output", None)
        if out:
            target, source = Path(out), Path(args.file)
            if target.exists() and source.exists() and os.path.samefile(target, source):
                print(f"torchlint lightning: refusing to write the skeleton over its input {args.file}; "
                      "choose another -o", file=sys.stderr)
                return 2
            if target.is_dir():
                print(f"torchlint lightning: -o {out} is a folder; name a file", file=sys.stderr)
                return 2
            if not target.parent.is_dir():
                print(f"torchlint lightning: cannot write {out}: no folder {target.parent}", file=sys.stderr)
                return 2
            if target.exists() and not args.force:
                print(f"torchlint lightning: {out} exists; pass --force to replace it", file=sys.stderr)
                return 2
        try:
            return generate(args)
        except OSError as exc:  # -o in a folder that does not exist or cannot be written
            print(f"torchlint lightning: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
            return 2

    p.set_defaults(func=guarded)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="torchlint", description="PyTorch training-code hazards, as a flake8 plugin.")
    parser.add_argument("--version", action="version", version=f"torchlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("check", add_help=False,
                       help="flake8 with only torchlint's rules: exit 1 on findings "
                            "(takes flake8's options; `torchlint check --help`)")
    p.set_defaults(func=_check_help)
    p = sub.add_parser("rules", help="list every rule: code, name, default, summary")
    p.set_defaults(func=_rules)
    p = sub.add_parser("explain", help="print the full documentation of one rule")
    p.add_argument("rule", metavar="RULE", help="a rule code or name: TL101, gradients-never-cleared")
    p.set_defaults(func=_explain)
    _add_lightning(sub)
    p = sub.add_parser("docs", help="(developers) regenerate the rule pages and generated docs "
                                    "of a torchlint source checkout")
    p.add_argument("--root", default=".", help="the checkout (default: the current directory)")
    p.add_argument("--check", action="store_true", help="only report stale pages (exit 1)")
    p.set_defaults(func=_docs)
    return parser


def _dispatch(argv: List[str]) -> int:
    if argv[:1] == ["check"]:  # flake8's own parser takes check's options
        from torchlint import check

        return check.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return args.func(args)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _dispatch(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit-time flush fails silently too
        return 141


if __name__ == "__main__":
    sys.exit(main())
