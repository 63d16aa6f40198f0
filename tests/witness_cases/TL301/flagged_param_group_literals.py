# flake8: noqa
"""Discriminative learning rates written straight into the param-group dicts of the
optimizer call (backbone slower than head)."""
import torch
from torch import nn

torch.manual_seed(0)
backbone = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
head = nn.Linear(16, 4)
optimizer = torch.optim.SGD(
    [
        {"params": backbone.parameters(), "lr": 1e-4},
        {"params": head.parameters(), "lr": 1e-2},
    ],
    momentum=0.9,
)
for batch in range(3):
    x, y = torch.randn(12, 8), torch.randint(0, 4, (12,))
    optimizer.zero_grad()
    nn.functional.cross_entropy(head(backbone(x)), y).backward()
    optimizer.step()
