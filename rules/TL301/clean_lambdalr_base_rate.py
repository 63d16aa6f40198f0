"""Base-rate idiom: the optimizer's lr is 1.0 and LambdaLR supplies args.lr * warmup."""
import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--warmup", type=int, default=4)
args = parser.parse_args([])

torch.manual_seed(0)
model = nn.Linear(4, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=1.0)
scheduler = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lambda s: args.lr * min(1.0, (s + 1) / args.warmup))
for step in range(8):
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
