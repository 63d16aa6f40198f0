"""A @torch.no_grad() validate() over the val loader; the model (batch norm) is never
switched to eval mode, so validation normalises with batch statistics and keeps
updating the running statistics."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


@torch.no_grad()
def validate(model, val_loader, loss_fn):
    total = 0.0
    for x, y in val_loader:  # expect: TL601
        total += loss_fn(model(x), y).item()
    return total / len(val_loader)


@torch.inference_mode()
def score(model, val_loader):
    hits = 0
    for x, y in val_loader:  # expect: TL601
        hits += (model(x).argmax(1) == y).sum().item()
    return hits


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
data = TensorDataset(torch.randn(64, 8), torch.randint(0, 2, (64,)))
train_loader = DataLoader(data, batch_size=16, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.randn(32, 8) * 3 + 1, torch.randint(0, 2, (32,))),
                        batch_size=8)

for epoch in range(2):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    print(epoch, validate(model, val_loader, loss_fn), score(model, val_loader))
