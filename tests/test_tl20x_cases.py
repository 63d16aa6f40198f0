"""TL201/TL202 on small sources: near misses that must stay quiet, and the forms reported.
Markers as in the fixtures: ``# expect: TL201`` on every reported line."""
from __future__ import annotations

import re
import textwrap

import pytest

from torchlint.checks import BY_CODE
from torchlint.plugin import check_source

FORWARD = """
import torch
from torch import nn
import torch.nn.functional as F


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.register_buffer("pe", torch.zeros(10, 4))

    def forward(self, x, labels, lengths, T: int, scale=2.0, mask=None):
        h0 = torch.zeros(x.size(0), 4)
        h0 = h0.to(x.device)
        y = x + h0
        noise = torch.randn(x.size())
        if x.is_cuda:
            noise = noise.cuda()
        y = y + noise
        y = y[torch.arange(x.size(0))]
        y = y[torch.randperm(x.size(0)), :]
        steps = torch.arange(T) * scale
        z = torch.zeros(x.size(0), 4).type_as(x)
        w = torch.cat([x, torch.zeros(x.size(0), 1)], dim=1)  # expect: TL201
        onehot = torch.zeros(x.size(0), 4).scatter_(1, labels.unsqueeze(1), 1)  # expect: TL201
        valid = torch.arange(T)[None, :] < lengths[:, None]  # expect: TL201
        if mask is None:
            mask = torch.ones(x.size(0), 4)  # expect: TL201
        y = y * mask
        k = torch.tensor([1.0, 2.0, 3.0, 4.0]).to(x)
        q = x * torch.tensor(0.5)
        s = torch.full((x.size(0), 4), 1.0, device=x.device) + x
        t = x.new_ones(3) + torch.ones_like(x)
        return (self.fc(y + z + k + q) + self.pe[:1] + w.sum() + onehot.sum() + valid.sum()
                + steps.sum() + s + t)


if __name__ == "__main__":
    M().to("cuda")
"""

MOVES = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
loader = DataLoader(TensorDataset(torch.randn(8, 3), torch.randn(8, 1)), batch_size=4)
back = nn.Linear(3, 1).to(device).cpu()
moved = nn.Linear(3, 1).to(device).train()
toggled = nn.Linear(3, 1)
toggled.to(device)
toggled.cpu()
converted = nn.Linear(3, 1).to(device).to(torch.float64)
dtype_only = nn.Linear(3, 1).to(torch.float64)
for x, y in loader:
    back(x)
    moved(x)  # expect: TL201
    toggled(x)
    converted(x)  # expect: TL201
    dtype_only(x)
    moved(x, y.to(device))
for x, y in loader:
    x.to(device)  # expect: TL202
    moved(x)
"""

HARDCODED = """
import torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
gpu = torch.device("cuda")
x = torch.zeros(2).cuda()  # expect: TL201
y = torch.zeros(2).cuda(0)  # expect: TL201
z = torch.ones(2, device="cuda:0")  # expect: TL201
w = torch.ones(2).to("cuda")  # expect: TL201
ok = torch.zeros(2).cuda(device) if torch.cuda.is_available() else torch.zeros(2)
with torch.autocast(device_type="cuda"):
    pass


def to_gpu(t):
    return t.cuda()  # expect: TL201
"""

OUT_OF_REACH = """
import torch


def to_gpu(t):
    return t.cuda()


def train(model, loader, device):
    for x in loader:
        model(x.cuda())  # expect: TL201


def main():
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.zeros(3).cuda(), dev  # expect: TL201
"""

PURE_CPU = """
import torch
from torch import nn


class M(nn.Module):
    def forward(self, x):
        return x + torch.ones(x.size(0), 1)


if __name__ == "__main__":
    print(M()(torch.zeros(3, 1)))
"""

LIBRARY = PURE_CPU.split("if __name__")[0].replace(
    "return x + torch.ones(x.size(0), 1)", "return x + torch.ones(x.size(0), 1)  # expect: TL201")

DISCARDED = """
import torch
from torch import nn
from torch.utils.data import DataLoader


class Batch:
    def to(self, device):
        return self


def run(model: nn.Module, t: torch.Tensor, device):
    model.to(device)
    t.to(device)  # expect: TL202
    t.cpu()  # expect: TL202
    t = t.to(device)
    Batch().to(device)
    for batch in DataLoader(ds):
        batch.to(device)
    for i, (a, b) in enumerate(DataLoader(ds)):
        b.cuda()  # expect: TL202
    out = model(t)
    out.cpu()
"""


def expected(src: str, code: str):
    return {i for i, line in enumerate(src.splitlines(), 1) if re.search(rf"# expect: {code}", line)}


@pytest.mark.parametrize("name, src, code", [
    ("forward", FORWARD, "TL201"), ("moves", MOVES, "TL201"), ("moves", MOVES, "TL202"),
    ("hardcoded", HARDCODED, "TL201"), ("reach", OUT_OF_REACH, "TL201"),
    ("pure_cpu", PURE_CPU, "TL201"),
    ("library", LIBRARY, "TL201"), ("discarded", DISCARDED, "TL202"),
])
def test_reports_equal_markers(name, src, code):
    src = textwrap.dedent(src)
    got = {v.line for v in check_source(src, rules=[BY_CODE[code]])}
    assert got == expected(src, code)
