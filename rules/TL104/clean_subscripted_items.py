"""The same keyed and indexed accumulators, fed numbers and detached tensors."""
import torch
from torch import nn

EPOCHS = 2
torch.manual_seed(0)
model = nn.Linear(6, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
stats = {"loss": []}
epoch_loss = [0.0] * EPOCHS
totals = {"train": 0.0}
for epoch in range(EPOCHS):
    for _ in range(4):
        x, y = torch.randn(16, 6), torch.randn(16, 1)
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        stats["loss"].append(loss.item())
        epoch_loss[epoch] += loss.detach()
        totals["train"] = totals["train"] + loss.item()
print(len(stats["loss"]), [float(v) for v in epoch_loss], totals)
