"""TL5xx precision and recall on small sources: the data-pipeline facts of
``torchlint/data.py`` and the three rules that read them (near misses found in
real DDP code)."""
from __future__ import annotations

import textwrap

import pytest

from torchlint.checks import BY_CODE
from torchlint.plugin import check_source

HEAD = """
import os
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, Subset
"""

LOOP = """
model = DDP(nn.Linear(4, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    for x, y in loader:
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
"""


def lines(code: str, body: str) -> list:
    src = HEAD + textwrap.dedent(body)
    found = check_source(src, rules=[BY_CODE[code]])
    assert all(v.code == code for v in found), found
    return [src.splitlines()[v.line - 1].strip() for v in found]


@pytest.mark.parametrize("body", [
    # the distributed and the single-process loader feed the same loop
    "if dist.is_initialized():\n    loader = DataLoader(ds, sampler=DistributedSampler(ds))\n"
    "else:\n    loader = DataLoader(ds, shuffle=True)\n" + LOOP,
    # wrapped by a library that injects the sampler
    "loader = DataLoader(ds, shuffle=True)\nloader = accelerator.prepare(loader)\n" + LOOP,
    # a sampler nobody passes in this file, an imported sampler class
    "def make(ds, sampler):\n    return DataLoader(ds, sampler=sampler)\nloader = make(ds, s)\n" + LOOP,
    "from mylib import BucketSampler\nloader = DataLoader(ds, batch_sampler=BucketSampler(ds))\n" + LOOP,
    # the dataset is already the rank's shard
    "rank = dist.get_rank()\nloader = DataLoader(Subset(ds, range(rank, 64, 2)), shuffle=True)\n" + LOOP,
    "part = load_dataset('x').shard(num_shards=2, index=int(os.environ['RANK']))\n"
    "loader = DataLoader(part, batch_size=4)\n" + LOOP,
    # options spread from something unreadable
    "loader = DataLoader(ds, **vars(args))\n" + LOOP,
    # the loader only feeds evaluation
    "val = DataLoader(ds)\nloader = DataLoader(ds, sampler=DistributedSampler(ds))\n" + LOOP
    + "with torch.no_grad():\n    for x, y in val:\n        model(x)\n",
])
def test_tl501_near_misses(body):
    assert lines("TL501", body) == []


def test_tl501_reports_whole_dataset_loaders_at_the_call():
    body = textwrap.dedent("""
    sampler = RandomSampler(ds) if shuffle else None
    loader = DataLoader(ds, batch_size=4, sampler=sampler)
    """) + LOOP
    assert lines("TL501", body) == ["loader = DataLoader(ds, batch_size=4, sampler=sampler)"]
    # no DDP in the file: nothing to report
    assert lines("TL501", body.replace("DDP(nn.Linear(4, 1))", "nn.Linear(4, 1)")) == []


def test_tl501_while_loop_with_next():
    body = """
    loader = DataLoader(ds, batch_size=4, shuffle=True)
    model = DDP(nn.Linear(4, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    it = iter(loader)
    step = 0
    while step < 100:
        x, y = next(it)
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
        step += 1
    """
    assert lines("TL501", body) == ["loader = DataLoader(ds, batch_size=4, shuffle=True)"]


EPOCHS = """
model = nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
def train_epoch(loader):
    for x, y in loader:
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
"""


@pytest.mark.parametrize("body", [
    # set_epoch on something torchlint cannot follow may be this sampler
    EPOCHS + "s = DistributedSampler(ds)\nloader = DataLoader(ds, sampler=s)\n"
    "for epoch in range(3):\n    other.sampler.set_epoch(epoch)\n    train_epoch(loader)\n",
    # the loader escapes into code torchlint cannot see
    EPOCHS + "loader = DataLoader(ds, sampler=DistributedSampler(ds))\n"
    "for epoch in range(3):\n    engine.train_one_epoch(loader, epoch)\n    train_epoch(loader)\n",
    # rebuilt every epoch with a new seed; a subclass; a single pass
    EPOCHS + "for epoch in range(3):\n    s = DistributedSampler(ds, seed=epoch)\n"
    "    train_epoch(DataLoader(ds, sampler=s))\n",
    EPOCHS + "class MySampler(DistributedSampler):\n    pass\n"
    "loader = DataLoader(ds, sampler=MySampler(ds))\nfor epoch in range(3):\n    train_epoch(loader)\n",
    EPOCHS + "train_epoch(DataLoader(ds, sampler=DistributedSampler(ds)))\n",
    # only an evaluation loader has it
    EPOCHS + "val = DataLoader(ds, sampler=DistributedSampler(ds))\nfor epoch in range(3):\n"
    "    with torch.no_grad():\n        for x, y in val:\n            model(x)\n",
])
def test_tl502_near_misses(body):
    assert lines("TL502", body) == []


def test_tl502_reports_the_epoch_loop_around_a_helper():
    body = EPOCHS + textwrap.dedent("""
    s = DistributedSampler(ds)
    loader = DataLoader(ds, sampler=s)
    s.set_epoch(0)
    for ep in range(3):
        train_epoch(loader)
    """)
    assert lines("TL502", body) == ["for ep in range(3):"]


def test_tl502_sampler_seeded_in_a_loop_before_the_epoch_loop_is_not_reseeded():
    # built once per dataset phase, not once per epoch: seed=seed changes nothing
    built = "for phase in ('train', 'test'):\n    s = DistributedSampler(ds, seed=seed)\n"
    body = (EPOCHS + built + "loader = DataLoader(ds, sampler=s)\n"
            "for ep in range(3):\n    train_epoch(loader)\n")
    assert lines("TL502", body) == ["for ep in range(3):"]
    # built in a helper the epoch loop calls: rebuilt, and re-seeded, every epoch
    helper = ("def make(ep):\n    return DataLoader(ds, sampler=DistributedSampler(ds, seed=ep))\n"
              "for ep in range(3):\n    train_epoch(make(ep))\n")
    assert lines("TL502", EPOCHS + helper) == []


@pytest.mark.parametrize("body, expected", [
    ("DataLoader(ds, shuffle=True, sampler=DistributedSampler(ds))", 1),
    ("s = DistributedSampler(ds) if dist.is_initialized() else None\n"
     "DataLoader(ds, shuffle=True, sampler=s)", 1),
    ("DataLoader(ds, 8, True, [0, 1, 2])", 1),
    ("SHUFFLE = True\nDataLoader(ds, shuffle=SHUFFLE, batch_sampler=RandomSampler(ds))", 1),
    ("DataLoader(ds, shuffle=True, sampler=None)", 0),
    ("DataLoader(ds, shuffle=args.shuffle, sampler=DistributedSampler(ds))", 0),
    ("DataLoader(ds, shuffle=True, sampler=make_sampler(ds))", 0),
    ("kw = dict(shuffle=True)\nkw.update(extra)\nDataLoader(ds, sampler=DistributedSampler(ds), **kw)", 1),
    ("kw = {'shuffle': True}\nkw['shuffle'] = False\nDataLoader(ds, sampler=RandomSampler(ds), **kw)", 0),
])
def test_tl503_cases(body, expected):
    assert len(lines("TL503", body)) == expected
