"""Clearing only on the AMP path: ``--amp`` is the same in every iteration, so a
run without it takes the ``else:`` branch every time, which never clears, and
``optimizer.step()`` there uses the sum of every iteration's gradients."""
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--amp", action="store_true")
args = parser.parse_args()

torch.manual_seed(0)
model = nn.Linear(16, 4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
scaler = torch.amp.GradScaler("cpu", enabled=args.amp)

for step in range(6):
    x, y = torch.randn(8, 16), torch.randn(8, 4)
    with torch.autocast("cpu", enabled=args.amp):
        loss = nn.functional.mse_loss(model(x), y)
    if args.amp:
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        optimizer.step()  # expect: TL101
