"""torchlint's benchmark: what torchlint adds to flake8, tier by tier, as ratios in one run.

    python benchmarks/run.py --scripts DIR --zoo DIR      # the tiers below
    python benchmarks/run.py --quick                      # fewer rounds, smaller library sample
    python benchmarks/run.py --profile                    # plus a pyinstrument profile of the plugin

Tiers (each reported on its own; the worst decides):

(a) training scripts: the repository's rule fixtures (``rules/``) and every
    ``--scripts DIR`` (e.g. a checkout of pytorch/examples or Lightning's examples);
(b) a model zoo: every ``--zoo DIR`` (a checkout of timm, or torchvision's models);
(c) library sources: a deterministic sample of the installed torch (every 12th
    file) and all of pytorch_lightning - few training loops;
(d) the editor path: whole-process ``flake8 FILE`` and ``flake8 -`` (stdin, with
    ``--stdin-display-name``) on a generated 1,000-line training script that
    imports four local modules - what an editor pays on every save.

For (a)-(c), whole ``flake8 --jobs 1`` runs with and without torchlint are
alternated round by round (A B A B ...), so drifting load hits both alike; the
figure is the median of the per-round CPU ratios (user+sys of the process, from
``wait4``; the lowest and highest round beside it, to show the noise), and the ratio
of the peak RSS. "Without" drops torchlint's entry point
from flake8's plugin discovery (``flake8_without.py``); everything else is the same
flake8. torchlint's bytecode is compiled first (an install does that; a checkout
run with PYTHONDONTWRITEBYTECODE would pay for compiling on every run).
Targets (DESIGN.md): CPU <= 1.15x and peak RSS <= 1.30x for (a) and (b); <= 1.25x
CPU for (d). Never use these figures as assertions in tests.
"""
from __future__ import annotations

import argparse
import ast
import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WITHOUT = HERE / "flake8_without.py"
TARGETS = {"scripts": (1.15, 1.30), "zoo": (1.15, 1.30), "library": (1.15, 1.30), "editor": (1.25, 1.30)}
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


# ------------------------------------------------------------------- corpora
def _py_files(root: Path) -> List[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts and p.is_file())


def _package_dir(name: str) -> Optional[Path]:
    spec = find_spec(name)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _describe(root: Path) -> str:
    """A tree and, when it is a git checkout, its commit."""
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
    except OSError:
        rev = ""
    return f"{root}" + (f" @ {rev}" if rev else "")


def library_sample(stride: int) -> Tuple[List[Path], str]:
    files, desc = [], []
    for name, step in (("torch", stride), ("pytorch_lightning", 1)):
        root = _package_dir(name)
        if root is None:
            continue
        every = _py_files(root)
        files += every[::step]
        desc.append(f"{name}: {len(every[::step])} of {len(every)} files")
    return files, "; ".join(desc)


# ---------------------------------------------------------------- whole runs
def _run(cmd: Sequence[str], cwd: Optional[Path] = None, stdin: Optional[bytes] = None) -> Tuple[float, int]:
    """(CPU seconds, max RSS KiB) of one process (``wait4``)."""
    proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            cwd=cwd, env=ENV)
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1) or "Traceback" in err:
        raise SystemExit(f"benchmark run failed: {' '.join(cmd[:8])} ...\n{err[-2000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def paired(with_tl: List[str], without: List[str], rounds: int, **kw) -> Dict[str, float]:
    """Alternate the two commands; the median of the per-round CPU ratios, the peak RSS ratio."""
    ratios, a_cpu, b_cpu, a_rss, b_rss = [], [], [], 0, 0
    for r in range(rounds):
        pair = [(True, with_tl), (False, without)]
        for is_tl, cmd in (pair if r % 2 == 0 else pair[::-1]):
            cpu, rss = _run(cmd, **kw)
            if is_tl:
                a_cpu.append(cpu)
                a_rss = max(a_rss, rss)
            else:
                b_cpu.append(cpu)
                b_rss = max(b_rss, rss)
        ratios.append(a_cpu[-1] / b_cpu[-1])
    return {"cpu_ratio": statistics.median(ratios), "round_min": min(ratios), "round_max": max(ratios),
            "cpu_with": statistics.median(a_cpu),
            "cpu_without": statistics.median(b_cpu), "rss_ratio": a_rss / b_rss,
            "rss_with_mib": a_rss / 1024, "rss_without_mib": b_rss / 1024}


def tree_tier(paths: List[Path], rounds: int) -> Dict[str, float]:
    common = ["--isolated", "--exit-zero", "--jobs=1", "--format=quiet-nothing"]
    listed = [str(p) for p in paths]
    with_tl = [sys.executable, str(WITHOUT), "TOR", "--", *common, *listed]
    without = [sys.executable, str(WITHOUT), "TL,TOR", "--", *common, *listed]
    return paired(with_tl, without, rounds)


# ------------------------------------------------------------- editor path
EDITOR_HELPERS = {
    "utils.py": "import random\nimport torch\n\n\ndef set_seed(seed):\n    random.seed(seed)\n"
                "    torch.manual_seed(seed)\n",
    "engine.py": "def train_step(model, optimizer, loss_fn, x, y):\n    optimizer.zero_grad()\n"
                 "    loss = loss_fn(model(x), y)\n    loss.backward()\n    optimizer.step()\n"
                 "    return loss.item()\n",
    "data.py": "import torch\nfrom torch.utils.data import DataLoader, TensorDataset\n\n\n"
               "def build_loader(n, batch_size):\n"
               "    ds = TensorDataset(torch.randn(n, 8), torch.randn(n, 1))\n"
               "    return DataLoader(ds, batch_size=batch_size, shuffle=True)\n",
    "models.py": "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                 "        super().__init__()\n        self.fc = nn.Linear(8, 1)\n\n"
                 "    def forward(self, x):\n        return self.fc(x)\n",
}


def editor_script(lines: int = 1000) -> str:
    """A realistic 1,000-line training script (the shape of pytorch/examples' imagenet
    main.py, grown): settings, model classes, a dataset, meters and checkpoint helpers,
    one training and one evaluation loop, a main; helpers imported from local modules."""
    parts = [textwrap.dedent("""\
        import argparse
        import math
        import os
        import time

        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader, Dataset

        from data import build_loader
        from engine import train_step
        from models import Net
        from utils import set_seed


        def parse():
            p = argparse.ArgumentParser(description="train a classifier")
        """)]
    for k in range(30):
        parts.append(f"    p.add_argument(\"--option-{k}\", type=float, default={k}.0, "
                     f"help=\"setting {k}\")\n")
    parts.append("    p.add_argument(\"--lr\", type=float, default=0.1)\n"
                 "    p.add_argument(\"--epochs\", type=int, default=2)\n    return p.parse_args()\n")
    k = 0
    while sum(x.count("\n") for x in parts) < lines - 100:
        parts.append(textwrap.dedent(f"""


            class Block{k}(nn.Module):
                \"\"\"A residual block, variant {k}.\"\"\"

                def __init__(self, channels, hidden):
                    super().__init__()
                    self.conv1 = nn.Conv2d(channels, hidden, 3, padding=1)
                    self.bn1 = nn.BatchNorm2d(hidden)
                    self.conv2 = nn.Conv2d(hidden, channels, 3, padding=1)
                    self.bn2 = nn.BatchNorm2d(channels)
                    self.drop = nn.Dropout(0.1)

                def forward(self, x):
                    y = F.relu(self.bn1(self.conv1(x)))
                    y = self.drop(y)
                    y = self.bn2(self.conv2(y))
                    scale = math.sqrt(2.0) / (1 + {k})
                    return F.relu(x + y * scale)
            """))
        k += 1
    parts.append(textwrap.dedent("""


        class Meter:
            def __init__(self):
                self.total, self.count = 0.0, 0

            def update(self, value, n=1):
                self.total += value * n
                self.count += n

            @property
            def mean(self):
                return self.total / max(self.count, 1)


        class Images(Dataset):
            def __init__(self, n):
                self.x = torch.randn(n, 3, 8, 8)
                self.y = torch.randint(0, 10, (n,))

            def __len__(self):
                return len(self.y)

            def __getitem__(self, i):
                return self.x[i], self.y[i]


        def accuracy(logits, target):
            return (logits.argmax(1) == target).float().mean().item()


        def save_checkpoint(model, optimizer, epoch, folder):
            os.makedirs(folder, exist_ok=True)
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "epoch": epoch}, os.path.join(folder, "last.pt"))


        def train_one_epoch(model, loader, optimizer, device):
            model.train()
            meter = Meter()
            start = time.time()
            for images, target in loader:
                images, target = images.to(device), target.to(device)
                optimizer.zero_grad()
                loss = F.cross_entropy(model(images), target)
                loss.backward()
                optimizer.step()
                meter.update(loss.item(), images.size(0))
            return meter.mean, time.time() - start


        def evaluate(model, loader, device):
            model.eval()
            meter = Meter()
            with torch.no_grad():
                for images, target in loader:
                    images, target = images.to(device), target.to(device)
                    meter.update(accuracy(model(images), target), images.size(0))
            return meter.mean


        def main():
            args = parse()
            set_seed(0)
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), Block0(16, 32), Block1(16, 32),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)).to(device)
            optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1)
            train = DataLoader(Images(64), batch_size=8, shuffle=True)
            val = DataLoader(Images(32), batch_size=8)
            for epoch in range(args.epochs):
                loss, took = train_one_epoch(model, train, optimizer, device)
                scheduler.step()
                print(epoch, loss, took, evaluate(model, val, device))
                save_checkpoint(model, optimizer, epoch, "checkpoints")
            extra = Net().to(device)
            for x, y in build_loader(16, 4):
                train_step(extra, torch.optim.SGD(extra.parameters(), lr=args.lr), nn.MSELoss(),
                           x.to(device), y.to(device))


        if __name__ == "__main__":
            main()
        """))
    return "".join(parts)


def editor_tier(rounds: int) -> Tuple[Dict[str, float], Dict[str, float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "setup.cfg").write_text("")
        for name, text in EDITOR_HELPERS.items():
            (root / name).write_text(text)
        source = editor_script()
        (root / "train.py").write_text(source)
        common = ["--isolated", "--exit-zero", "--format=quiet-nothing"]
        tl, plain = [sys.executable, str(WITHOUT), "TOR", "--", *common], \
            [sys.executable, str(WITHOUT), "TL,TOR", "--", *common]
        files = paired(tl + ["train.py"], plain + ["train.py"], rounds, cwd=root)
        stdin = ["--stdin-display-name=train.py", "-"]
        piped = paired(tl + stdin, plain + stdin, rounds, cwd=root, stdin=source.encode())
        return files, piped, source.count("\n")


# ------------------------------------------------------------- plugin alone
def plugin_latency(files: List[Path]) -> Tuple[float, float, float, str]:
    """check_tree (default rules) per file on parsed trees (CPU): p50, p95 (files <= 1,000 lines), max."""
    from torchlint.checks import RULES
    from torchlint.engine import check_tree

    rules = [r for r in RULES if r.default_enabled]  # what flake8 runs by default
    small, worst = [], (0.0, "")
    for path in files:
        try:
            src = path.read_text(encoding="utf-8")
            tree = ast.parse(src, str(path))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        lines = src.splitlines(True)
        t0 = time.process_time()
        check_tree(tree, str(path), lines, None, rules)
        spent = time.process_time() - t0
        if len(lines) <= 1000:
            small.append(spent)
        worst = max(worst, (spent, str(path)))
    small.sort()
    pick = lambda q: small[min(len(small) - 1, int(q * (len(small) - 1)))] if small else 0.0  # noqa: E731
    return pick(0.5), pick(0.95), worst[0], worst[1]


def profile(files: List[Path]) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "(pyinstrument is not installed: pip install pyinstrument)"
    from torchlint.engine import check_tree

    parsed = []
    for path in files:
        try:
            src = path.read_text(encoding="utf-8")
            parsed.append((ast.parse(src), str(path), src.splitlines(True)))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            pass
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for tree, name, lines in parsed:
        check_tree(tree, name, lines)
    profiler.stop()
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
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, timeout=10).stdout.strip() or "?"
    except OSError:
        return "?"


def _row(name: str, what: str, r: Dict[str, float]) -> str:
    cpu_t, rss_t = TARGETS[name]
    ok = r["cpu_ratio"] <= cpu_t and r["rss_ratio"] <= rss_t
    return (f"| {name} | {what} | {r['cpu_without']:.2f} | {r['cpu_with']:.2f} | {r['cpu_ratio']:.3f}x "
            f"(<= {cpu_t}; rounds {r['round_min']:.3f}-{r['round_max']:.3f}) | "
            f"{r['rss_without_mib']:.0f} / {r['rss_with_mib']:.0f} MiB = "
            f"{r['rss_ratio']:.2f}x | {'met' if ok else 'NOT met'} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scripts", action="append", default=[], metavar="DIR",
                        help="training-script trees for tier (a), besides rules/")
    parser.add_argument("--zoo", action="append", default=[], metavar="DIR", help="model-zoo trees (b)")
    parser.add_argument("--no-library", action="store_true", help="leave tier (c) out")
    parser.add_argument("--no-fixtures", action="store_true", help="tier (a) without rules/")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 5, quick 3)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, a smaller library sample")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the plugin alone")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 5)
    began = time.perf_counter()
    compileall.compile_dir(str(REPO / "torchlint"), quiet=1)  # as an install would have

    print(f"# torchlint benchmark (commit {commit()})\n\nmachine: {machine()}; rounds: {rounds}\n")
    tiers: List[Tuple[str, str, Dict[str, float]]] = []
    scripts = ([] if args.no_fixtures else _py_files(REPO / "rules")) + [
        p for d in args.scripts for p in _py_files(Path(d))]
    what = "; ".join(([] if args.no_fixtures else ["rules/ fixtures"])
                     + [_describe(Path(d)) for d in args.scripts])
    tiers.append(("scripts", f"{what} ({len(scripts)} files)", tree_tier(scripts, rounds)))
    for d in args.zoo:
        files = _py_files(Path(d))
        tiers.append(("zoo", f"{_describe(Path(d))} ({len(files)} files)", tree_tier(files, rounds)))
    if not args.no_library:
        files, desc = library_sample(36 if args.quick else 12)
        if files:
            tiers.append(("library", desc, tree_tier(files, rounds)))
    files_run, stdin_run, n = editor_tier(rounds * 2)
    tiers.append(("editor", f"flake8 train.py ({n} lines, 4 local imports)", files_run))
    tiers.append(("editor", "the same through stdin (--stdin-display-name)", stdin_run))

    print("| tier | corpus | CPU s without | CPU s with | ratio | peak RSS without / with | target |")
    print("|---|---|---|---|---|---|---|")
    for name, desc, r in tiers:
        print(_row(name, desc, r))
    worst = max(tiers, key=lambda t: t[2]["cpu_ratio"] / TARGETS[t[0]][0])
    print(f"\nworst tier: {worst[0]} ({worst[1]}): {worst[2]['cpu_ratio']:.3f}x CPU, "
          f"{worst[2]['rss_ratio']:.2f}x peak RSS")
    p50, p95, top, slowest = plugin_latency(scripts)
    print(f"\nplugin alone on tier (a), per file (parsed trees, CPU): p50 {p50 * 1e3:.2f} ms, "
          f"p95 {p95 * 1e3:.2f} ms (files up to 1,000 lines), max {top * 1e3:.1f} ms ({slowest})")
    if args.profile:
        print("\n## profile of the plugin alone (pyinstrument)\n")
        print(profile(scripts))
    print(f"\nbenchmark took {time.perf_counter() - began:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
