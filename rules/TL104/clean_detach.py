"""Accumulating loss.detach() keeps a tensor on the device without its graph."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(5, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
total = torch.zeros(())
history = []
for step in range(8):
    x, y = torch.randn(8, 5), torch.randint(0, 2, (8,))
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    total = total + loss.detach()
    history.append(loss.detach().cpu())
print(float(total / 8), len(history))
