"""torchlint's benchmark: what torchlint adds to flake8 on real PyTorch code.

    python benchmarks/run.py            # default corpus, about 2-4 minutes on 2 cores
    python benchmarks/run.py --quick    # a smaller sample, under a minute
    python benchmarks/run.py --corpus DIR [--corpus DIR2]   # any other tree
    python benchmarks/run.py --full     # every file of torch (long)
    python benchmarks/run.py --profile  # plus a pyinstrument profile of the plugin

Corpus: the Python sources of the installed ``torch`` (a deterministic sample:
every k-th file in sorted path order, unless ``--full``) and
``pytorch_lightning`` packages, plus the repository's rule fixtures.

Whole runs, alternated round by round (A B C A B C ...) so that drifting load
on the machine hits every configuration alike; medians reported:

- ``plain``: flake8 without torchlint. flake8 cannot switch a plugin off
  (``--select`` only filters output: every checker still runs), so
  ``flake8_without.py`` drops torchlint's (and TorchFix's) entry points from
  flake8's plugin discovery; everything else is flake8 as installed;
- ``torchlint``: flake8 with torchlint, default selection;
- ``torchlint --select TL``: the same, reporting only TL codes;
- ``torchlint check``: torchlint's front-end (only torchlint's checker runs);
- TorchFix, the closest peer, where ``torchfix`` is importable (``pip install
  torchfix``): flake8 with TorchFix's plugin instead of torchlint, on a
  sample of the corpus (libcst makes it far slower than flake8).

Overhead ratio = (median CPU torchlint - median CPU plain) / median CPU plain
(target < 15%), and the same ratio timed inside one flake8 run (torchlint's
``Plugin.run`` against the rest), which drifting load cannot skew. CPU time
(user+sys of flake8 and its workers, from ``wait4``) because it does not move
when other processes share the cores, as wall time does; wall medians are
reported too. Per-file latency of the plugin alone (the editor case):
``check_tree`` timed per file on already-parsed trees, p50/p95/max (target p95 < 20 ms for
files up to 1,000 lines). Peak memory: max RSS of each flake8 run (``wait4``,
the process and its workers) and the plugin's peak allocation on the largest
file (``tracemalloc``).
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from importlib.util import find_spec
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WITHOUT = HERE / "flake8_without.py"


# --------------------------------------------------------------------- corpus
def _package_dir(name: str) -> Optional[Path]:
    spec = find_spec(name)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _py_files(root: Path) -> List[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def corpus(args) -> Tuple[List[Path], List[str]]:
    """(files, description lines)."""
    if args.corpus:
        files, desc = [], []
        for d in args.corpus:
            found = _py_files(Path(d))
            files += found
            desc.append(f"{d}: {len(found)} files")
        return files, desc
    torch_stride = 1 if args.full else (60 if args.quick else 12)
    pl_stride = 4 if args.quick else 1
    files, desc = [], []
    for name, stride in (("torch", torch_stride), ("pytorch_lightning", pl_stride)):
        root = _package_dir(name)
        if root is None:
            desc.append(f"{name}: not installed")
            continue
        every = _py_files(root)
        picked = every[::stride]
        files += picked
        desc.append(f"{name} {_version(name)}: {len(picked)} of {len(every)} files"
                    + (f" (every {stride}th, sorted by path)" if stride > 1 else ""))
    fixtures = _py_files(REPO / "rules")
    files += fixtures
    desc.append(f"repository fixtures (rules/): {len(fixtures)} files")
    return files, desc


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist.replace("_", "-"))
    except PackageNotFoundError:
        return "?"


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# ---------------------------------------------------------------- whole runs
def configurations(jobs: int) -> Dict[str, List[str]]:
    common = ["--isolated", "--exit-zero", f"--jobs={jobs}", "--format=quiet-nothing"]
    without = [sys.executable, str(WITHOUT)]
    out = {
        "plain": [*without, "TL,TOR", "--", *common],
        "torchlint": [*without, "TOR", "--", *common],
        "torchlint --select TL": [*without, "TOR", "--", *common, "--select=TL"],
        "torchlint check": [sys.executable, "-m", "torchlint", "check", "--no-progress", f"--jobs={jobs}",
                            "--format=json", "--output-file", os.devnull],
    }
    return out


def timed_run(cmd: List[str], files: List[Path]) -> Tuple[float, float, int]:
    """(wall seconds, CPU seconds, max RSS in KiB), CPU and RSS of the process and its
    reaped workers (``wait4``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd + [str(p) for p in files], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode not in (0, 1) or "Traceback" in err:
        raise SystemExit(f"benchmark run failed: {' '.join(cmd[:6])} ...\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def whole_runs(configs, files, rounds, total_lines, jobs):
    """Alternating rounds; returns (ratio, wall medians, CPU medians, max RSS)."""
    walls: Dict[str, List[float]] = {name: [] for name in configs}
    cpus: Dict[str, List[float]] = {name: [] for name in configs}
    rss: Dict[str, int] = {name: 0 for name in configs}
    for r in range(rounds):
        order = list(configs) if r % 2 == 0 else list(reversed(list(configs)))
        for name in order:
            wall, cpu, maxrss = timed_run(configs[name], files)
            walls[name].append(wall)
            cpus[name].append(cpu)
            rss[name] = max(rss[name], maxrss)
        print(f"round {r + 1}/{rounds}: " + ", ".join(
            f"{n} {walls[n][-1]:.1f}s wall / {cpus[n][-1]:.1f}s CPU" for n in configs), flush=True)
    med = {n: statistics.median(v) for n, v in walls.items()}
    cpu = {n: statistics.median(v) for n, v in cpus.items()}
    print(f"\n## whole runs (flake8 --jobs {jobs}, {rounds} alternating rounds, medians)\n")
    print("CPU = user+sys seconds of flake8 and its workers: the work done, steady when other")
    print("processes share the cores; wall = elapsed.\n")
    print("| configuration | CPU s | added CPU vs plain | wall s | lines/s (wall) | max RSS MiB |")
    print("|---|---|---|---|---|---|")
    for n in configs:
        added = "" if n == "plain" else f"{(cpu[n] - cpu['plain']) / cpu['plain']:+.1%}"
        print(f"| {n} | {cpu[n]:.2f} | {added} | {med[n]:.2f} | {total_lines / med[n]:,.0f} "
              f"| {rss[n] / 1024:.0f} |")
    ratio = (cpu["torchlint"] - cpu["plain"]) / cpu["plain"]
    return ratio, med, cpu, rss


def torchfix_peer(files: List[Path], jobs: int, rounds: int, max_lines: int = 6000) -> None:
    """TorchFix's flake8 plugin vs plain flake8 and torchlint, on a sample: TorchFix
    (libcst) is far slower than flake8, so the whole corpus would take too long."""
    step = 1
    lines = sum(p.read_text(errors="replace").count("\n") for p in files)
    while lines / step > max_lines:
        step += 1
    sample = files[::step]
    n = sum(p.read_text(errors="replace").count("\n") for p in sample)
    common = ["--isolated", "--exit-zero", f"--jobs={jobs}", "--format=quiet-nothing"]
    without = [sys.executable, str(WITHOUT)]
    runs = {"plain": "TL,TOR", "torchlint": "TOR", "TorchFix": "TL"}
    cpus: Dict[str, List[float]] = {name: [] for name in runs}
    tf_rss = 0
    for r in range(rounds):
        for name in (list(runs) if r % 2 == 0 else list(reversed(list(runs)))):
            _, cpu, maxrss = timed_run([*without, runs[name], "--", *common], sample)
            cpus[name].append(cpu)
            if name == "TorchFix":
                tf_rss = max(tf_rss, maxrss)
    plain, tl, tf = (statistics.median(cpus[name]) for name in runs)
    print(f"\n## peer: TorchFix {_version('torchfix')} (flake8 plugin), {rounds} alternating rounds on every "
          f"{step}th file ({len(sample)} files, {n:,} lines), medians\n")
    print("| configuration | CPU s | added CPU vs plain | lines/s (CPU) |")
    print("|---|---|---|---|")
    for name, cpu in (("plain", plain), ("torchlint", tl), ("TorchFix", tf)):
        added = "" if name == "plain" else f"{(cpu - plain) / plain:+.1%}"
        print(f"| {name} | {cpu:.2f} | {added} | {n / cpu:,.0f} |")
    print(f"\nTorchFix max RSS: {tf_rss / 1024:.0f} MiB")


def attributed(files: List[Path]) -> Tuple[float, float]:
    """One flake8 run in this process (``--jobs 1``, default selection) with
    torchlint's ``Plugin.run`` timed: (plugin CPU s, rest of flake8 CPU s). Both
    halves come from the same run, so drifting load cannot skew their ratio."""
    from flake8.main import cli

    from torchlint import plugin

    spent = [0.0]
    original = plugin.Plugin.run

    def timed(self):
        t0 = time.process_time()
        out = list(original(self))
        spent[0] += time.process_time() - t0
        return iter(out)

    sys.path.insert(0, str(HERE))
    from flake8_without import without

    plugin.Plugin.run = timed
    try:
        with without({"TOR"}):  # exactly the plain configuration plus torchlint
            t0 = time.process_time()
            cli.main(["--isolated", "--exit-zero", "--jobs=1", "--format=quiet-nothing", *map(str, files)])
            total = time.process_time() - t0
    finally:
        plugin.Plugin.run = original
    return spent[0], total - spent[0]


# ------------------------------------------------------------- plugin alone
def plugin_latency(files: List[Path]) -> dict:
    from torchlint.plugin import check_tree

    rows = []  # (seconds, lines, path, gated)
    for path in files:
        src = _read(path)
        if src is None:
            continue
        try:
            tree = ast.parse(src, str(path))
        except (SyntaxError, ValueError):
            continue
        lines = src.splitlines(True)
        t0 = time.process_time()  # CPU time: steady when other processes share the cores
        check_tree(tree, str(path), lines)
        rows.append((time.process_time() - t0, len(lines), str(path)))
    return {"rows": rows}


def _pct(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(q * (len(values) - 1)))))
    return values[k]


def plugin_peak_memory(files: List[Path]) -> Tuple[float, str, int]:
    """tracemalloc peak (MiB) of check_tree on the largest parseable file."""
    from torchlint.plugin import check_tree

    best = None
    for path in files:
        size = path.stat().st_size
        if best is None or size > best[0]:
            src = _read(path)
            if src is not None:
                try:
                    best = (size, path, ast.parse(src), src.splitlines(True))
                except (SyntaxError, ValueError):
                    pass
    if best is None:
        return 0.0, "", 0
    _, path, tree, lines = best
    tracemalloc.start()
    check_tree(tree, str(path), lines)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, str(path), len(lines)


def profile(files: List[Path], out_html: Optional[Path]) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "(pyinstrument is not installed: pip install pyinstrument)"
    from torchlint.plugin import check_tree

    parsed = []
    for path in files:
        src = _read(path)
        if src is None:
            continue
        try:
            parsed.append((ast.parse(src), str(path), src.splitlines(True)))
        except (SyntaxError, ValueError):
            pass
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for tree, name, lines in parsed:
        check_tree(tree, name, lines)
    profiler.stop()
    if out_html is not None:
        out_html.write_text(profiler.output_html())
    return profiler.output_text(unicode=False, color=False, show_all=False)


# -------------------------------------------------------------------- main
def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"flake8 {_version('flake8')}, {platform.system()}")


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, timeout=10).stdout.strip() or "?"
    except OSError:
        return "?"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small sample (under a minute)")
    parser.add_argument("--full", action="store_true", help="every file of torch (long)")
    parser.add_argument("--corpus", action="append", metavar="DIR", help="lint this tree instead")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 3, quick 2)")
    parser.add_argument("--jobs", type=int, default=2, help="flake8 --jobs for the whole runs (default 2)")
    parser.add_argument("--no-torchfix", action="store_true", help="leave TorchFix out even if installed")
    parser.add_argument("--plugin-only", action="store_true", help="skip the whole flake8 runs")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the plugin alone")
    parser.add_argument("--profile-html", type=Path, help="also write the profile as HTML here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 3)
    began = time.perf_counter()

    files, desc = corpus(args)
    texts = {p: _read(p) for p in files}
    files = [p for p in files if texts[p] is not None]
    total_lines = sum(t.count("\n") for t in texts.values() if t is not None)
    print(f"# torchlint benchmark (commit {commit()})\n")
    print(f"machine: {machine()}")
    print("corpus: " + "; ".join(desc))
    print(f"        {len(files)} files, {total_lines:,} lines\n")

    ratio = share = float("nan")
    med: Dict[str, float] = {}
    cpu_med: Dict[str, float] = {}
    rss: Dict[str, int] = {}
    if not args.plugin_only:
        configs = configurations(args.jobs)
        ratio, med, cpu_med, rss = whole_runs(configs, files, rounds, total_lines, args.jobs)
        inside, rest = attributed(files)
        share = inside / rest
        print(f"\ninside one flake8 run (--jobs 1, torchlint's Plugin.run timed): torchlint {inside:.2f}s "
              f"of CPU, the rest of flake8 {rest:.2f}s: torchlint adds {share:+.1%}")
        if not args.no_torchfix and find_spec("torchfix") is not None:
            torchfix_peer(files, args.jobs, rounds)
        elif not args.no_torchfix:
            print("\nTorchFix: not installed here (pip install torchfix), not compared")

    lat = plugin_latency(files)["rows"]
    small = [t for t, n, _ in lat if n <= 1000]
    every = [t for t, _, _ in lat]
    worst = max(lat) if lat else (0.0, 0, "")
    plugin_total = sum(every)
    print("\n## plugin alone (check_tree per file, trees already parsed: the editor case; CPU time)\n")
    print("| files | n | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    print(f"| up to 1,000 lines | {len(small)} | {_pct(small, .5) * 1e3:.2f} | {_pct(small, .95) * 1e3:.2f} "
          f"| {max(small) * 1e3 if small else 0:.2f} |")
    print(f"| all | {len(every)} | {_pct(every, .5) * 1e3:.2f} | {_pct(every, .95) * 1e3:.2f} "
          f"| {worst[0] * 1e3:.2f} |")
    print(f"\nslowest file: {worst[2]} ({worst[1]:,} lines, {worst[0] * 1e3:.1f} ms)")
    rate = total_lines / max(plugin_total, 1e-9)
    print(f"plugin alone, whole corpus: {plugin_total:.2f}s = {rate:,.0f} lines/s (one process)")
    peak_mib, peak_file, peak_lines = plugin_peak_memory(files)
    print(f"plugin peak allocation: {peak_mib:.1f} MiB on the largest file "
          f"({peak_file}, {peak_lines:,} lines)")

    p95 = _pct(small, .95)
    print("\n## targets\n")
    if not args.plugin_only:
        print(f"- added CPU time vs plain flake8, whole runs: {ratio:+.1%} (target < 15%): "
              f"{'met' if ratio < 0.15 else 'NOT met'}")
        print(f"- the same, timed inside one flake8 run: {share:+.1%} (target < 15%): "
              f"{'met' if share < 0.15 else 'NOT met'}")
    print(f"- per-file p95, files up to 1,000 lines: {p95 * 1e3:.2f} ms (target < 20 ms): "
          f"{'met' if p95 < 0.020 else 'NOT met'}")
    if args.profile or args.profile_html:
        print("\n## profile of the plugin alone (pyinstrument)\n")
        print(profile(files, args.profile_html))
    took = time.perf_counter() - began
    print(f"\nbenchmark took {took:.0f}s")
    if args.json:
        args.json.write_text(json.dumps({
            "commit": commit(), "machine": machine(), "corpus": desc, "files": len(files),
            "lines": total_lines, "jobs": args.jobs, "rounds": rounds,
            "wall_medians": med, "cpu_medians": cpu_med, "max_rss_kib": rss, "overhead_ratio": ratio,
            "overhead_inside_flake8": share,
            "plugin_ms": {"p50_le_1000": _pct(small, .5) * 1e3, "p95_le_1000": p95 * 1e3,
                          "max": worst[0] * 1e3, "slowest": worst[2]},
            "plugin_peak_mib": peak_mib, "seconds": took,
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
