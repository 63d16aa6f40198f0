"""Gradient accumulation: step and clear every `accum` micro-batches (conditional clearing counts)."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
accum = 4
batches = [(torch.randn(4, 8), torch.randn(4, 1)) for _ in range(12)]

optimizer.zero_grad()
for i, (x, y) in enumerate(batches):
    loss = nn.functional.mse_loss(model(x), y) / accum
    loss.backward()
    if (i + 1) % accum == 0:
        optimizer.step()
        optimizer.zero_grad()
