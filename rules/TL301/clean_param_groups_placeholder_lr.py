"""Per-parameter-group learning rates; the positional lr is a placeholder."""
import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
args = parser.parse_args([])

torch.manual_seed(0)
backbone, head = nn.Linear(4, 8), nn.Linear(8, 1)
param_groups = [{"params": backbone.parameters(), "lr": args.lr * 0.1}]
param_groups.append({"params": head.parameters(), "lr": args.lr})
optimizer = torch.optim.SGD(param_groups, 0, momentum=0.9)
for step in range(8):
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    loss = nn.functional.mse_loss(head(torch.relu(backbone(x))), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
