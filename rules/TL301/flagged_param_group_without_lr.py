"""Two parameter groups, one with its own lr: the other runs at the positional literal."""
import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--head-lr", type=float, default=0.01)
args = parser.parse_args([])

torch.manual_seed(0)
backbone, head = nn.Linear(4, 8), nn.Linear(8, 1)
param_groups = [{"params": backbone.parameters()}]
param_groups.append({"params": head.parameters(), "lr": args.head_lr})
optimizer = torch.optim.SGD(param_groups, 0.001, momentum=0.9)  # expect: TL301
for step in range(8):
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    loss = nn.functional.mse_loss(head(torch.relu(backbone(x))), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
