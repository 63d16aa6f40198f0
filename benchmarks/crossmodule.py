"""What cross-module facts (torchlint/project.py) cost on multi-file projects.

    python benchmarks/crossmodule.py              # real examples + a synthetic project
    python benchmarks/crossmodule.py --rounds 9 --jobs 1
    python benchmarks/crossmodule.py --corpus DIR [--corpus DIR2]

Three configurations, whole flake8 runs alternated round by round (A B C A B C
...) so drifting load hits each alike; medians reported:

- ``plain``: flake8 without torchlint (``flake8_without.py`` drops its entry
  point from flake8's plugin discovery: ``--select`` alone would still run it);
- ``per-file``: flake8 with torchlint, cross-module facts switched off
  (``torchlint.project.ENABLED = False`` before flake8 starts);
- ``cross-module``: flake8 with torchlint as installed.

Corpora: multi-file projects of pytorch/examples and Lightning's examples under
``/work/corpus`` (when present), and a generated project (``--synthetic N``
training scripts, each importing a seeding helper, a gradient-clearing helper,
a loader builder and a training step from sibling modules and from a package
through relative imports): the worst case, every linted script asks
cross-module questions.

Also reported: the import time of ``torchlint.plugin`` and whether it imports
anything heavy (torch, astroid: modules are located by torchlint's own finder
in ``torchlint/project.py``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
WITHOUT = HERE / "flake8_without.py"
DEFAULT_CORPORA = ("/work/corpus/examples", "/work/corpus/pytorch-lightning/examples")


# ---------------------------------------------------------- synthetic project
ENGINE = '''
import torch.nn.functional as F

from mypkg.hooks import reset


def train_step(model, optimizer, x, y):
    reset(optimizer)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def evaluate(model, batches):
    return sum(F.mse_loss(model(x), y).item() for x, y in batches)
'''
UTILS = '''
import random

import numpy as np
import torch


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
'''
DATA = '''
import torch
from torch.utils.data import DataLoader, TensorDataset


def build_loader(n, batch_size):
    ds = TensorDataset(torch.randn(n, 4), torch.randn(n, 1))
    return DataLoader(ds, batch_size=batch_size, shuffle=True)
'''
PKG_INIT = "from .hooks import reset\nfrom .models import Net\n"
PKG_HOOKS = "def reset(optimizer):\n    optimizer.zero_grad(set_to_none=True)\n"
PKG_MODELS = '''
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(x)
'''
TRAIN = '''
import torch

from data import build_loader
from engine import evaluate, train_step
from mypkg import Net, reset
from utils import set_seed


def main(epochs={i}):
    set_seed({i})
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loader = build_loader(64, 8)
    for epoch in range(epochs):
        for x, y in loader:
            train_step(model, optimizer, x, y)
        for x, y in loader:
            reset(optimizer)
            model(x).sum().backward()
            optimizer.step()
        print(epoch, evaluate(model, loader))


if __name__ == "__main__":
    main()
'''


def synthetic(root: Path, scripts: int) -> Path:
    """A project (``setup.cfg`` root) of ``scripts`` subprojects, each a folder with
    train.py, engine.py, utils.py, data.py and a package ``mypkg``."""
    (root / "setup.cfg").write_text("[metadata]\nname = synthetic\n")
    for i in range(scripts):
        d = root / f"exp{i:03d}"
        (d / "mypkg").mkdir(parents=True)
        for name, text in (("engine.py", ENGINE), ("utils.py", UTILS), ("data.py", DATA),
                           ("mypkg/__init__.py", PKG_INIT), ("mypkg/hooks.py", PKG_HOOKS),
                           ("mypkg/models.py", PKG_MODELS), ("train.py", TRAIN.format(i=i))):
            (d / name).write_text(textwrap.dedent(text).lstrip())
    return root


# ---------------------------------------------------------------- whole runs
def configurations(jobs: int) -> Dict[str, List[str]]:
    common = ["--isolated", "--exit-zero", f"--jobs={jobs}", "--format=quiet-nothing"]
    return {
        "plain": [sys.executable, str(WITHOUT), "TL,TOR", "--", *common],
        "per-file": [sys.executable, __file__, "--run-flake8", "off", "--", *common],
        "cross-module": [sys.executable, __file__, "--run-flake8", "on", "--", *common],
    }


def bytecode_env(pyc_dir: str) -> Dict[str, str]:
    """The environment with bytecode caching on (in ``pyc_dir``), as an installed
    package runs: with PYTHONDONTWRITEBYTECODE every process would compile torchlint."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=pyc_dir)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: List[str], paths: List[str], env: Dict[str, str]) -> Tuple[float, float]:
    """(wall seconds, CPU seconds) of one run; CPU (user + system, of flake8 and the
    workers it reaped, from ``wait4``) is what to compare on a busy machine."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd + paths, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1) or "Traceback" in err:
        raise SystemExit(f"run failed: {' '.join(cmd[:5])}\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def bench(name: str, paths: List[str], rounds: int, jobs: int) -> None:
    configs = configurations(jobs)
    runs: Dict[str, List[Tuple[float, float]]] = {k: [] for k in configs}
    with tempfile.TemporaryDirectory(prefix="torchlint-pyc-") as pyc:
        env = bytecode_env(pyc)
        for k, cmd in configs.items():  # warm-up: page cache, bytecode
            timed(cmd, paths, env)
        for _ in range(rounds):
            for k, cmd in configs.items():
                runs[k].append(timed(cmd, paths, env))
    files = sum(1 for p in paths for _ in Path(p).rglob("*.py")) if paths else 0
    print(f"\n{name}: {files} files, jobs={jobs}, {rounds} rounds, medians")
    for what, index in (("wall", 0), ("CPU", 1)):
        med = {k: statistics.median(r[index] for r in v) for k, v in runs.items()}
        for k, v in med.items():
            values = [r[index] for r in runs[k]]
            print(f"  {what:4s} {k:13s} {v:7.3f} s  [{min(values):.3f} .. {max(values):.3f}]")
        plain = med["plain"]
        print(f"  {what:4s} ratio per-file / plain = {med['per-file'] / plain:.3f}, cross-module / plain = "
              f"{med['cross-module'] / plain:.3f}, cross-module / per-file = "
              f"{med['cross-module'] / med['per-file']:.3f}")


def plugin_times(name: str, paths: List[str], rounds: int) -> None:
    """The plugin alone, in this process, on already-parsed trees: per-file vs
    cross-module, alternated; the module cache is cleared before every run (each
    run pays every cross-module parse once, as a fresh flake8 process does)."""
    import ast

    from torchlint import plugin, project

    trees = []
    for p in sorted(f for d in paths for f in Path(d).rglob("*.py")):
        try:
            source = p.read_text(encoding="utf-8")
            trees.append((str(p), ast.parse(source), source.splitlines(True)))
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            continue
    times: Dict[bool, List[float]] = {False: [], True: []}
    parsed = 0
    for _ in range(rounds):
        for enabled in (False, True):
            project.ENABLED = enabled
            project.clear_cache()
            before = project.STATS["parsed"]
            start = time.process_time()  # CPU time of this process: robust to a busy machine
            for filename, tree, lines in trees:
                plugin.check_tree(tree, filename, lines)
            times[enabled].append(time.process_time() - start)
            parsed = project.STATS["parsed"] - before if enabled else parsed
    project.ENABLED = True
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print(f"  plugin alone (in-process CPU, {len(trees)} files): per-file {off:.3f} s, cross-module "
          f"{on:.3f} s, ratio {on / off:.3f}; project modules parsed per run: {parsed}")


def import_times() -> None:
    """CPU time of ``import torchlint.plugin`` in a fresh interpreter; the best of 9
    (import time is not a throughput number: the least disturbed run is the honest
    one on a busy machine). Also checks that it imports neither torch nor astroid."""
    code = ("import sys, time; t0 = time.process_time(); import torchlint.plugin; "
            "t1 = time.process_time(); "
            "print(t1 - t0, not {'torch', 'astroid'} & set(sys.modules))")
    runs = []
    with tempfile.TemporaryDirectory(prefix="torchlint-pyc-") as pyc:
        env = bytecode_env(pyc)
        for i in range(10):  # the first run writes the bytecode
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True, env=env)
            plugin_s, light = out.stdout.split()
            if i:
                runs.append((float(plugin_s), light))
    print("\nimport CPU time (best of 9 fresh interpreters, from bytecode)")
    print(f"  import torchlint.plugin {min(r[0] for r in runs) * 1000:6.1f} ms "
          f"(neither torch nor astroid imported: {all(r[1] == 'True' for r in runs)})")


def run_flake8(mode: str, args: List[str]) -> int:
    """Internal: flake8 with cross-module facts on or off."""
    import torchlint.project

    torchlint.project.ENABLED = mode == "on"
    from flake8.main import cli

    return cli.main(args)


def main(argv: List[str]) -> int:
    if argv[:1] == ["--run-flake8"]:
        return run_flake8(argv[1], argv[argv.index("--") + 1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", help="folders to lint (default: /work/corpus examples)")
    parser.add_argument("--synthetic", type=int, default=40, help="generated training scripts (0: none)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    import_times()
    corpora = args.corpus or [d for d in DEFAULT_CORPORA if Path(d).is_dir()]
    if corpora:
        bench("real multi-file examples " + ", ".join(corpora), corpora, args.rounds, args.jobs)
        plugin_times("real", corpora, args.rounds)
    if args.synthetic:
        with tempfile.TemporaryDirectory(prefix="torchlint-crossmodule-") as tmp:
            root = synthetic(Path(tmp), args.synthetic)
            bench(f"synthetic project ({args.synthetic} scripts x 7 modules)", [str(root)], args.rounds,
                  args.jobs)
            plugin_times("synthetic", [str(root)], args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
