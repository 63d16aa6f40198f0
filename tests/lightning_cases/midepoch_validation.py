"""Validation every few optimizer steps, in the middle of an epoch, with a per-step
warm-up schedule and "save the best" checkpoints."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

EPOCHS = 3
EVAL_EVERY = 5
LR = 5e-3
torch.manual_seed(11)
device = "cuda" if torch.cuda.is_available() else "cpu"

w = torch.randn(8, 1, generator=torch.Generator().manual_seed(2))
x_train = torch.randn(160, 8, generator=torch.Generator().manual_seed(3))
x_val = torch.randn(40, 8, generator=torch.Generator().manual_seed(4))
train_loader = DataLoader(TensorDataset(x_train, x_train @ w), batch_size=16, shuffle=True)
val_loader = DataLoader(TensorDataset(x_val, x_val @ w), batch_size=20)

model = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 1)).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 10))


def evaluate():
    model.eval()
    total = 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            xb, yb = xb.to(device), yb.to(device)
            total += F.mse_loss(model(xb), yb, reduction="sum").item()
    model.train()
    return total / len(val_loader.dataset)


best = float("inf")
global_step = 0
for epoch in range(EPOCHS):
    model.train()
    for xb, yb in train_loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        scheduler.step()
        global_step += 1
        if global_step % EVAL_EVERY == 0:
            val = evaluate()
            print(f"step {global_step}: train {loss.item():.4f} val {val:.4f}")
            if val < best:
                best = val
                torch.save(model.state_dict(), "best.pt")
