"""Gradient accumulation: backward every batch, step and clear every `accum` batches."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
accum = 3
batches = [(torch.randn(4, 8), torch.randn(4, 1)) for _ in range(9)]

for i, (x, y) in enumerate(batches):
    loss = nn.functional.mse_loss(model(x), y) / accum
    loss.backward()
    if (i + 1) % accum == 0:
        optimizer.step()
        optimizer.zero_grad()
