"""Losses summed over micro-batches, then the sum is backward()ed: accumulation by design."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(6, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
batches = [torch.randn(12, 6) for _ in range(6)]

for batch in batches:
    optimizer.zero_grad()
    total_loss = 0
    for micro in batch.chunk(3):
        loss = model(micro).pow(2).mean()
        total_loss = total_loss + loss / 3
    total_loss.backward()
    optimizer.step()
