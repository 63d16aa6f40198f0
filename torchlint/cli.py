"""``torchlint``: rules, explain, docs (and more subcommands as they land)."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from torchlint import __version__


def _rules(args) -> int:
    from torchlint.checks import RULES

    width = max(len(r.name) for r in RULES)
    print(f"{'code':6} {'name':{width}} {'on':3} summary")
    for r in sorted(RULES, key=lambda r: r.code):
        on = "yes" if r.default_enabled else "no"
        print(f"{r.code:6} {r.name:{width}} {on:3} {r.summary()}")
    return 0


def _explain(args) -> int:
    from torchlint.checks import BY_CODE
    from torchlint.docs import installed_page

    code = args.code.upper()
    rule = BY_CODE.get(code)
    if rule is None:
        print(f"torchlint: unknown rule {args.code!r}; `torchlint rules` lists them", file=sys.stderr)
        return 2
    page = installed_page(code)
    if page is None:  # installed without the docs data files
        page = f"{code} {rule.name}\n\n{rule.summary()}.\n\nMessage: {rule.message}; {rule.hint}\n"
    print(page, end="")
    return 0


def _docs(args) -> int:
    from torchlint import docs

    if args.check:
        stale = docs.stale_pages()
        for code, why in sorted(stale.items()):
            print(f"{code}: {why}; run `torchlint docs`")
        return 1 if stale else 0
    docs.write_all()
    return 0


def _check(args) -> int:
    from torchlint import check

    progress = False if args.quiet else None
    return check.run(args.paths, args.format, args.output_file, args.extend_select, args.jobs, progress,
                     fix=args.fix, unsafe_fixes=args.unsafe_fixes, diff=args.diff)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchlint", description="PyTorch training-code hazards, as a flake8 plugin.")
    parser.add_argument("--version", action="version", version=f"torchlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("rules", help="list every rule: code, name, default, summary")
    p.set_defaults(func=_rules)
    p = sub.add_parser("explain", help="print the full documentation of one rule")
    p.add_argument("code", help="a rule code, e.g. TL101")
    p.set_defaults(func=_explain)
    p = sub.add_parser("docs", help="regenerate docs/rules/*.md from rules/*/spec.md")
    p.add_argument("--check", action="store_true", help="only report stale pages (exit 1)")
    p.set_defaults(func=_docs)
    p = sub.add_parser("check", help="run flake8 with only torchlint's rules (exit 1 on findings)")
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or folders (default .)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="text (flake8's path:row:col: CODE message), json or sarif (SARIF 2.1.0)")
    p.add_argument("--output-file", help="write the report there instead of stdout")
    p.add_argument("--extend-select", default="", type=lambda s: [c for c in s.split(",") if c.strip()],
                   help="also report these codes, e.g. TL9 (off by default)")
    p.add_argument("--jobs", help="processes, as flake8's --jobs (default auto)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what is left")
    p.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: unsafe fixes too")
    p.add_argument("--diff", action="store_true",
                   help="print the fixes as a unified diff and change nothing (exit 1 if any)")
    p.set_defaults(func=_check)
    from torchlint.lightning import command

    command.add_subcommand(sub)  # torchlint lightning FILE
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
