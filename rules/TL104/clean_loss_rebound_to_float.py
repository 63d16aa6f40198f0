"""The loss name is rebound to a float after backward(); what is summed is that float."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(6, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
total = 0.0
for step in range(8):
    x, y = torch.randn(8, 6), torch.randn(8, 1)
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    loss = loss.item()
    total += loss
print(total / 8)
