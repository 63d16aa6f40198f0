"""Weights updated by hand (``p.data.add_(p.grad, alpha=-lr)``) unless --use-optimizer:
the default run builds no torch.optim optimizer and never steps one."""
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--use-optimizer", action="store_true")
args = parser.parse_args()

torch.manual_seed(0)
x = torch.randn(400, 3, generator=torch.Generator().manual_seed(2))
y = x @ torch.tensor([[0.5], [-1.0], [2.0]])
loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
model = nn.Linear(3, 1)
if args.use_optimizer:
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

for epoch in range(args.epochs):
    for inputs, targets in loader:
        model.zero_grad()
        loss = nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        if args.use_optimizer:
            optimizer.step()
        else:
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(p.grad, alpha=-args.lr)
    print(f"epoch {epoch} loss {loss.item():.4f}")
