"""flagged_epoch_slot_sum.py after `torchlint check --fix`: accumulate loss.detach()."""
import torch
from torch import nn

EPOCHS = 3
torch.manual_seed(0)
model = nn.Linear(6, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
epoch_loss = [0.0] * EPOCHS
for epoch in range(EPOCHS):
    for _ in range(4):
        x, y = torch.randn(16, 6), torch.randn(16, 1)
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss[epoch] += loss.detach()
print([float(v) / 4 for v in epoch_loss])
