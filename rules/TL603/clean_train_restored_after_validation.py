"""Periodic validation inside the step loop, followed by model.train(); and a helper
(back_to_training) that restores training mode after the epoch's evaluation."""
import torch
import torch.nn.functional as F
from torch import nn


def back_to_training(module):
    module.train()


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 24), nn.BatchNorm1d(24), nn.ReLU(), nn.Dropout(0.3),
                      nn.Linear(24, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
batches = [(torch.randn(16, 6), torch.randint(0, 2, (16,))) for _ in range(4)]

for epoch in range(2):
    for step, (x, y) in enumerate(batches):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        if step == 1:
            model.eval()
            with torch.no_grad():
                print("mid-epoch", F.cross_entropy(model(x), y).item())
            model.train()
    model.eval()
    with torch.no_grad():
        print(epoch, sum(F.cross_entropy(model(x), y).item() for x, y in batches))
    back_to_training(model)
