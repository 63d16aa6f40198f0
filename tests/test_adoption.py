"""TL901's facts (torchlint/adoption.py) and its option, on small sources."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

from torchlint.facts import adoption
from torchlint.semantic import SemanticModel

REPO = Path(__file__).resolve().parent.parent


def model(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


HELPER_LOOP = """
    import torch
    from torch.nn.parallel import DistributedDataParallel as DDP

    def train_one_epoch(model, loader, opt):
        for x, y in loader:
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

    def main(loader):
        model = DDP(torch.nn.Linear(2, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(3):
            train_one_epoch(model, loader, opt)
            torch.save(model.state_dict(), "m.pt")
"""


def test_the_epoch_loop_stands_for_the_batch_loop_in_its_helper():
    m = model(HELPER_LOOP)
    primary = adoption.primary_training_loops(m)
    assert [lp.node.lineno for lp, _ in primary] == [15]
    loop, evs = primary[0]
    assert list(adoption.concerns(m, loop, evs)) == ["step", "ddp", "checkpoint", "clipping"]


def test_nested_loops_report_the_outer_one():
    m = model("""
        import torch
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(2):
            for i in range(4):
                model(torch.randn(1, 2)).sum().backward()
                if (i + 1) % 2 == 0:
                    opt.step()
                    opt.zero_grad()
    """)
    (loop, evs), = adoption.primary_training_loops(m)
    assert loop.node.lineno == 5
    assert "accumulation" in adoption.concerns(m, loop, evs)


def test_device_values():
    m = model("""
        import torch
        device = torch.device("cuda")
        a = x.to(device)
        b = x.to("cuda:1")
        c = x.to(torch.float16)
        d = x.cuda()
        e = x.to(args.local_rank, non_blocking=True)
        f = torch.cuda.empty_cache()
    """)
    moves = [adoption.is_device_move(m, s.node, s.scope) for s in m.sites
             if isinstance(s.node.func, ast.Attribute) and s.node.func.attr in ("to", "cuda")]
    assert moves == [True, True, False, True, True]


def test_files_using_fabric_or_accelerate_are_not_suggested():
    m = model("""
        import torch
        from accelerate import Accelerator
        accelerator = Accelerator()
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            accelerator.backward(model(torch.randn(1, 2)).sum())
            opt.step()
    """)
    assert adoption.primary_training_loops(m) == []


def _flake8(*args):
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=120)


def test_threshold_option_and_default_off():
    fixture = "rules/TL901/clean_checkpoint_and_device.py"  # 3 concerns
    assert ": TL901 " not in _flake8("--extend-select", "TL9", fixture).stdout
    # off by default: not reported, even at a threshold it meets, unless TL9 is selected
    assert ": TL901 " not in _flake8("--torchlint-lightning-threshold", "3", fixture).stdout
    out = _flake8("--extend-select", "TL9", "--torchlint-lightning-threshold", "3", fixture).stdout
    assert "TL901 training loop hand-codes 3 things" in out
    assert "try: torchlint lightning rules/TL901/clean_checkpoint_and_device.py" in out
