"""The whole iteration was wrapped in torch.no_grad() (copied from an evaluation loop)."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
batches = [(torch.randn(16, 8), torch.randn(16, 1)) for _ in range(4)]

for x, y in batches:
    with torch.no_grad():
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()  # expect: TL105
        optimizer.step()
