"""Unit tests of torchlint.facts.clearing: which optimizer steps of a training loop no
clearing reaches (TL101 with several optimizers)."""
from __future__ import annotations

import ast
import textwrap

import pytest

from torchlint.facts import clearing, loops
from torchlint.semantic import SemanticModel


def model_of(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


# --------------------------------------------------------------- per-optimizer clearing
def _uncleared(source: str):
    m = model_of(source)
    return [e.receiver for _lp, evs in loops.training_loops(m) for e in clearing.uncleared_steps(m, evs)]


GAN = """
import torch
from torch import nn
G = nn.Sequential(nn.Linear(4, 8), nn.ReLU()){g_to}
D = {d}
opt_g = torch.optim.Adam({g_params}, lr=1e-3)
opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)
for x in data:
    {clear}
    D(x).sum().backward()
    opt_d.step()
    D(G(x)).sum().backward()
    opt_g.step()
"""


@pytest.mark.parametrize("clear, d, g_params, g_to, uncleared", [
    ("opt_d.zero_grad()", "nn.Linear(8, 1)", "G.parameters()", "", ["opt_g"]),
    ("D.zero_grad()", "nn.Linear(8, 1)", "G.parameters()", ".to('cpu')", ["opt_g"]),
    ("opt_d.zero_grad()", "nn.Linear(8, 1)", "list(G.parameters())", "", ["opt_g"]),
    ("opt_g.zero_grad(); opt_d.zero_grad()", "nn.Linear(8, 1)", "G.parameters()", "", []),
    ("G.zero_grad(); opt_d.zero_grad()", "nn.Linear(8, 1)", "G.parameters()", "", []),
    ("opt_d.zero_grad()", "G", "G.parameters()", "", []),  # the same network
    ("opt_d.zero_grad()", "G.to('cpu')", "G.parameters()", "", []),  # .to() returns G
    ("opt_d.zero_grad()", "nn.Sequential(G, nn.Linear(8, 1))", "G.parameters()", "", []),  # holds G
    ("opt_d.zero_grad()", "nn.Linear(8, 1)", "params", "", []),  # parameters from elsewhere
    ("opt_d.zero_grad()", "nn.Linear(8, 1)", "G.head.parameters()", "", []),
    ("for p in G.parameters(): p.grad = None", "nn.Linear(8, 1)", "G.parameters()", "", []),
])
def test_clearing_one_optimizer_leaves_another_only_when_told_exactly(clear, d, g_params, g_to, uncleared):
    source = GAN.format(clear=clear.replace("; ", "\n    ").replace(": p.grad", ":\n        p.grad"),
                        d=d, g_params=g_params, g_to=g_to)
    assert _uncleared(source) == uncleared
