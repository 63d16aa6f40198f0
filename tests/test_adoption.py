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
    assert "TL901 loop does 3 of Lightning's jobs by hand (step, devices, checkpoints)" in out
    assert "try: torchlint lightning rules/TL901/clean_checkpoint_and_device.py (LightningModule)" in out


# ------------------------------------------------------------------ the way in
def _reasons(src: str):
    m = model(src)
    (loop, evs), = adoption.primary_training_loops(m)
    return adoption.fabric_reasons(m, loop, evs)


PLAIN = """
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, 1)
    loader = DataLoader(TensorDataset(torch.randn(8, 2), torch.randn(8, 1)), batch_size=4)
    for epoch in range(3):
        for x, y in loader:
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        sched.step()
"""


def test_a_plain_loop_has_no_reason_for_fabric():
    assert _reasons(PLAIN) == []


def test_each_shape_names_its_reason_for_fabric():
    two_optimizers = PLAIN.replace("opt.step()", "opt.step()\n            opt2.step()").replace(
        "sched = ", "opt2 = torch.optim.SGD(model.parameters(), lr=0.1)\n    sched = ")
    assert _reasons(two_optimizers) == ["steps 2 optimizers (opt, opt2)"]
    ranged = PLAIN.replace("for x, y in loader:",
                           "for i in range(4):\n            x, y = torch.randn(4, 2), torch.randn(4, 1)")
    assert _reasons(ranged) == ["makes its own batches (range(4), line 9)"]
    by_hand = PLAIN.replace("sched.step()", "for g in opt.param_groups:\n            g['lr'] *= 0.5")
    assert _reasons(by_hand) == ["sets the lr by hand"]
    carried = PLAIN.replace("torch.nn.functional.mse_loss(model(x), y).backward()",
                            "out, h = rnn(x, h)\n            out.sum().backward()").replace(
        "for epoch", "rnn = torch.nn.RNN(2, 2)\n    h = None\n    for epoch")
    assert "carries h across batches" in _reasons(carried)


def test_micro_steps_and_validation_inside_the_batch_loop():
    micro = """
        import torch
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        while True:
            for micro in range(4):
                model(torch.randn(1, 2)).sum().backward()
            opt.step()
            opt.zero_grad()
    """
    reasons = _reasons(micro)
    assert "accumulates over micro-steps (line 6)" in reasons
    assert "makes its own batches (a while loop, line 5)" in reasons
    m = model(micro)
    (loop, evs), = adoption.primary_training_loops(m)
    assert adoption.batch_loop(m, loop, evs).node.lineno == 5  # the step loop, not the micro-steps
    evaluating = PLAIN.replace("opt.step()", "opt.step()\n            evaluate()").replace(
        "    for epoch", "    def evaluate():\n        with torch.no_grad():\n"
        "            for x, y in val_loader:\n                model(x)\n    for epoch")
    assert _reasons(evaluating) == ["validates inside the batch loop (line 17)"]


def test_a_trainer_class_and_a_rollout():
    trainer = """
        import torch
        class Trainer:
            def __init__(self, model, opt, loader):
                self.model, self.opt, self.loader = model, opt, loader
            def fit(self):
                for x, y in self.loader:
                    self.model(x).sum().backward()
                    self.opt.step()
    """
    assert _reasons(trainer) == ["runs in class Trainer"]
    rollout = """
        import torch
        policy = torch.nn.Linear(4, 2)
        opt = torch.optim.Adam(policy.parameters())
        for episode in range(10):
            obs = env.reset()
            for t in range(20):
                obs, reward, done = env.step(policy(obs).argmax())
            opt.zero_grad()
            policy(obs).sum().backward()
            opt.step()
    """
    assert "rolls out env.step()" in _reasons(rollout)


def test_carried_names():
    body = ast.parse(textwrap.dedent("""
        x, y = get()
        hidden = detach(hidden)
        out, hidden = model(x, hidden)
        step += 1
        fresh = 1
        print(fresh)
    """)).body
    assert adoption.carried_names(body) == ["hidden", "step"]


def test_tl901_names_the_path():
    from torchlint import engine
    from torchlint.checks.tl901_loop_reimplements_trainer import LoopReimplementsTrainer
    from torchlint.config import Config

    def message(src):
        found = engine.check_source(textwrap.dedent(src), "train.py", Config({"lightning-threshold": 1}),
                                    rules=[LoopReimplementsTrainer])
        return [v.message for v in found]

    assert message(PLAIN) == ["loop does 1 of Lightning's jobs by hand (step); "
                              "try: torchlint lightning train.py (LightningModule)"]
    gan = PLAIN.replace("opt.step()", "opt.step()\n            opt2.step()").replace(
        "sched = ", "opt2 = torch.optim.SGD(model.parameters(), lr=0.1)\n    sched = ")
    assert message(gan)[0].endswith("try: torchlint lightning train.py (Fabric)")
