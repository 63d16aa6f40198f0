"""What torchlint pays per file when the CPU caches are cold, as they are inside flake8.

    python benchmarks/coldcache.py                       # the rule fixtures
    python benchmarks/coldcache.py --scripts DIR [--scripts DIR2] --rounds 3

Inside ``flake8 --jobs 1`` the plugin runs between flake8's own checks of each
file, which evict much of what torchlint's previous call left in the caches.
This replays the files in one process (trees parsed first; only
``check_tree`` with the default rules is timed, CPU) three ways, each the per-file minimum over the
rounds:

- ``warm``: one file after another, nothing in between;
- ``swept``: a sweep of ``--sweep-mb`` of memory before each file (every
  cache level evicted; harsher than flake8, which evicts part of the last level);
- ``swept, rewarmed``: the sweep, then the previous file checked again untimed:
  torchlint's code and tables are warm again, the file's own data is not.

``swept - warm`` is the cold-cache cost per file; the share that
``rewarmed`` removes is torchlint's own code and static data (not the file's
tree). A deterministic alternative for comparing commits is callgrind's
instruction count (it does not model this cost).
"""
from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parent.parent
MODES = ("warm", "swept", "swept, rewarmed")
BUCKETS = ((0, 30), (30, 60), (60, 150), (150, 400), (400, 10 ** 9))


def load(roots: List[Path]) -> List[Tuple[str, ast.AST, list]]:
    out = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts):
            try:
                src = path.read_text(encoding="utf-8")
                out.append((str(path), ast.parse(src, str(path)), src.splitlines(True)))
            except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
                continue
    return out


def replay(files, rounds: int, sweep_mb: int) -> Dict[Tuple[str, str], float]:
    from torchlint import project
    from torchlint.checks import RULES
    from torchlint.engine import check_tree

    rules = [r for r in RULES if r.default_enabled]  # what flake8 runs by default

    source, memory = bytearray(sweep_mb * 1024 * 1024), bytearray(sweep_mb * 1024 * 1024)
    best: Dict[Tuple[str, str], float] = {}
    for _ in range(rounds):
        for mode in MODES:
            project.clear_cache()  # each pass starts from the same cross-module state
            previous = None
            for name, tree, lines in files:
                if mode != "warm":
                    memory[:] = source  # reads one buffer, writes the other: every cache level evicted
                    if mode == "swept, rewarmed" and previous is not None:
                        check_tree(previous[1], previous[0], previous[2], None, rules)
                start = time.process_time()
                check_tree(tree, name, lines, None, rules)
                spent = time.process_time() - start
                key = (mode, name)
                best[key] = min(best.get(key, spent), spent)
                previous = (name, tree, lines)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scripts", action="append", default=[], help="more trees to replay")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sweep-mb", type=int, default=48, help="memory swept before each file")
    args = parser.parse_args(argv)
    files = load([REPO / "rules"] + [Path(d) for d in args.scripts])
    if not files:
        print("no files", file=sys.stderr)
        return 1
    best = replay(files, args.rounds, args.sweep_mb)
    total = {mode: sum(best[(mode, name)] for name, _t, _l in files) for mode in MODES}
    print(f"{len(files)} files, {args.rounds} rounds, {args.sweep_mb} MB swept\n")
    print("| lines | files | warm s | swept s | cold cost per file |")
    print("|---|---|---|---|---|")
    for low, high in BUCKETS:
        names = [name for name, _t, lines in files if low <= len(lines) < high]
        if names:
            warm = sum(best[("warm", n)] for n in names)
            swept = sum(best[("swept", n)] for n in names)
            label = f"{low}-{high - 1}" if high < 10 ** 9 else f"{low}+"
            print(f"| {label} | {len(names)} | {warm:.3f} | {swept:.3f} | "
                  f"{1e6 * (swept - warm) / len(names):.0f} us |")
    cold = total["swept"] - total["warm"]
    print(f"\nwarm {total['warm']:.3f} s, swept {total['swept']:.3f} s "
          f"(+{100 * cold / total['warm']:.0f}%), swept then rewarmed {total['swept, rewarmed']:.3f} s")
    if cold > 0:
        print(f"share of the cold cost that torchlint's own code and tables account for: "
              f"{100 * (total['swept'] - total['swept, rewarmed']) / cold:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
