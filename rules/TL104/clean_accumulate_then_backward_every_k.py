"""Accumulated across iterations on purpose: the accumulator itself is backward()ed every k steps."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
k = 2
acc_loss = 0.0
for step in range(8):
    x = torch.randn(8, 4)
    loss = model(x).pow(2).mean()
    acc_loss = acc_loss + loss / k
    if (step + 1) % k == 0:
        acc_loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        acc_loss = 0.0
