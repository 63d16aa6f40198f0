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
