# flake8: noqa
"""The optimizer call reads the learning rate from an overrides mapping, with a fallback
written inside that lookup: a setting's default, not a hard-coded rate."""
import torch


def build(params, overrides):
    return torch.optim.Adagrad(params, lr=overrides.get("lr", 0.05))


torch.manual_seed(0)
lin = torch.nn.Linear(2, 2)
opt = build(lin.parameters(), overrides={"eps": 1e-8})
for _ in range(3):
    opt.zero_grad()
    lin(torch.randn(3, 2)).abs().sum().backward()
    opt.step()
