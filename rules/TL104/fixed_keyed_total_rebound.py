"""flagged_keyed_total_rebound.py after `torchlint check --fix`: accumulate loss.detach()."""
import torch
from torch import nn


def train(model, optimizer, steps):
    totals = {"train": 0.0}
    for _ in range(steps):
        x, y = torch.randn(16, 6), torch.randn(16, 1)
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        totals["train"] = totals["train"] + loss.detach()
    return totals


torch.manual_seed(0)
net = nn.Linear(6, 1)
print(train(net, torch.optim.SGD(net.parameters(), lr=0.05), 8))
