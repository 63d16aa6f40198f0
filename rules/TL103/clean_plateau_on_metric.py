"""ReduceLROnPlateau stepped on the previous epoch's validation loss, before that epoch's training."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(5, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=1)
train = [(torch.randn(8, 5), torch.randn(8, 1)) for _ in range(4)]
val = [(torch.randn(8, 5), torch.randn(8, 1)) for _ in range(2)]
val_loss = float("inf")

for epoch in range(3):
    scheduler.step(val_loss)
    for x, y in train:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        val_loss = sum(nn.functional.mse_loss(model(x), y).item() for x, y in val)
