"""Edge cases of the per-rule fixes (torchlint/fix/tlNNN.py) beyond the fixtures: where
a fix goes, when it is unsafe, and when it is withheld (with its reason)."""
from __future__ import annotations

import textwrap

import pytest

from torchlint.engine import check_source
from torchlint.fix import fix_source

HEAD = "import torch\nfrom torch import nn\n"


def _fix(body: str, code: str, unsafe: bool = True, name: str = "train.py"):
    return fix_source(HEAD + textwrap.dedent(body), name, unsafe=unsafe, rules=[code])


def _lines(result):
    return [ln.strip() for ln in result.new_source.splitlines()]


LOOP = """
model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for i in range(4):
    loss = model(torch.randn(3, 2)).sum()
    loss.backward()
{step}
"""


def test_tl101_conditional_step_is_cleared_after_the_step():
    result = _fix(LOOP.format(step="    if (i + 1) % 2 == 0:\n        opt.step()"), "TL101")
    assert result.new_source.endswith("        opt.step()\n        opt.zero_grad()\n")
    assert result.applied[0].safe


def test_tl101_step_helper_without_backward_is_cleared_after_the_step():
    src = """
    def update(opt):
        opt.step()

    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for i in range(4):
        model(torch.randn(3, 2)).sum().backward()
        update(opt)
    """
    result = _fix(src, "TL101")
    assert "def update(opt):\n    opt.step()\n    opt.zero_grad()\n" in result.new_source


def test_tl102_withheld_when_a_jump_could_skip_the_clearing():
    src = LOOP.format(step="    opt.zero_grad()\n    if i == 3:\n        continue\n    opt.step()")
    result = _fix(src, "TL102")
    assert not result.changed and "could skip the clearing" in result.skipped[0].reason


def test_tl104_unreduced_loss_is_detached_not_itemised():
    src = """
    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    crit = nn.MSELoss(reduction="none")
    total = 0.0
    for i in range(4):
        loss = crit(model(torch.randn(3, 2)), torch.randn(3, 1))
        opt.zero_grad()
        loss.mean().backward()
        opt.step()
        total += loss
    print(total)
    """
    assert "total += loss.detach()" in _lines(_fix(src, "TL104"))


def test_tl202_item_targets_are_unsafe_and_expressions_get_no_fix():
    src = """
    from torch.utils.data import DataLoader, TensorDataset
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    for batch in DataLoader(TensorDataset(torch.randn(4, 2), torch.randn(4, 1)), batch_size=2):
        batch[0].to(device)
        torch.ones(2).to(device)
    """
    result = _fix(src, "TL202", unsafe=False)
    assert sorted(s.reason for s in result.skipped) == [
        "the tensor is not a name, attribute or item: nothing to assign it to",
        "unsafe fix (assign it back: batch[0] = batch[0].to(...)): use --unsafe-fixes"]
    assert "batch[0] = batch[0].to(device)" in _lines(_fix(src, "TL202"))


def test_tl401_seeds_the_spawned_function_with_the_parsed_seed():
    src = """
    import argparse
    import torch.multiprocessing as mp

    def worker(rank, args):
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(2):
            opt.zero_grad()
            model(torch.randn(3, 2)).sum().backward()
            opt.step()

    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--seed", type=int)
        args = parser.parse_args()
        mp.spawn(worker, args=(args,), nprocs=2)
    """
    result = _fix(src, "TL401")
    assert "def worker(rank, args):\n    torch.manual_seed(args.seed if args.seed is not None else 0)\n" \
        in result.new_source
    assert not result.applied[0].safe


def test_tl401_seeds_random_and_numpy_too_so_no_tl402_is_left():
    src = """
    import random

    import numpy as np

    if __name__ == "__main__":
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(2):
            x = torch.randn(3, 2) * random.random() * np.random.rand()
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
    """
    result = _fix(src, "TL401")
    seeds = "    torch.manual_seed(0)\n    random.seed(0)\n    np.random.seed(0)\n"
    assert 'if __name__ == "__main__":\n' + seeds in result.new_source
    assert not [v for v in check_source(result.new_source, "train.py") if v.code in ("TL401", "TL402")]


def test_tl502_withheld_without_an_epoch_counter():
    src = """
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
    data = TensorDataset(torch.randn(8, 2))
    sampler = DistributedSampler(data, num_replicas=2, rank=0)
    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        for (x,) in DataLoader(data, sampler=sampler):
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
    """
    result = _fix(src, "TL502")
    assert not result.changed and "no epoch counter" in result.skipped[0].reason


def test_tl503_shared_dict_is_unsafe_and_distributed_sampler_shuffle_false_is_turned_on():
    src = """
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
    data = TensorDataset(torch.randn(8, 2))
    loader = DataLoader(data, shuffle=True, sampler=DistributedSampler(data, 2, 0, shuffle=False))
    """
    safe = _fix(src, "TL503", unsafe=False)
    assert not safe.changed and "--unsafe-fixes" in safe.skipped[0].reason
    fixed = _fix(src, "TL503")
    assert "loader = DataLoader(data, sampler=DistributedSampler(data, 2, 0, shuffle=True))" in _lines(fixed)


def test_tl602_loop_whose_outputs_outlive_it_is_unsafe():
    src = """
    model = nn.Linear(2, 1)
    model.eval()
    outs = []
    for x in [torch.randn(3, 2) for _ in range(2)]:
        outs.append(model(x))
    print(torch.cat(outs))
    """
    assert not _fix(src, "TL602", unsafe=False).changed
    assert _fix(src, "TL602").new_source.count("with torch.no_grad():") == 1


def test_tl701_softmax_imported_by_name_gets_no_nll_fix():
    src = """
    from torch.nn.functional import nll_loss, softmax
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        nll_loss(softmax(model(torch.randn(4, 2)), dim=1), torch.zeros(4, dtype=torch.long)).backward()
        opt.step()
    """
    result = _fix(src, "TL701")
    assert not result.changed and "imported by name" in result.skipped[0].reason


@pytest.mark.parametrize("used_again, safe", [(False, True), (True, False)])
def test_tl701_probabilities_used_elsewhere_make_the_fix_unsafe(used_again, safe):
    src = f"""
    import torch.nn.functional as F
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        probs = F.softmax(model(torch.randn(4, 2)), dim=1)
        F.cross_entropy(probs, torch.zeros(4, dtype=torch.long)).backward()
        opt.step()
        {"print(probs.max())" if used_again else "pass"}
    """
    result = _fix(src, "TL701")
    assert result.applied[0].safe is safe
    assert "probs = model(torch.randn(4, 2))" in _lines(result)


def test_tl602_call_in_a_loop_that_also_trains_wraps_its_statement():
    src = textwrap.dedent("""
        from steps import hidden_step

        model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.1))
        for epoch in range(3):
            model.train()
            hidden_step(model(torch.randn(2, 4)))
            model.eval()
            print(model(torch.randn(2, 4)).sum().item())
        """)
    result = _fix(src, "TL602", unsafe=False)
    assert result.changed
    wrapped = "    with torch.no_grad():\n        print(model(torch.randn(2, 4)).sum().item())"
    assert wrapped in result.new_source
    assert result.new_source.count("with torch.no_grad():") == 1
