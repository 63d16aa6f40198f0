"""Each epoch runs a "fit" and a "holdout" phase; an if/else picks model.train() or
model.eval() for the phase, and only the fit phase steps the optimizer."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(5, 20), nn.ReLU(), nn.Dropout(0.4), nn.Linear(20, 3))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
splits = {
    "fit": [(torch.randn(8, 5), torch.randint(0, 3, (8,))) for _ in range(3)],
    "holdout": [(torch.randn(8, 5), torch.randint(0, 3, (8,))) for _ in range(2)],
}

for epoch in range(3):
    for phase in ("fit", "holdout"):
        if phase == "fit":
            net.train()
        else:
            net.eval()
        total = 0.0
        for x, y in splits[phase]:
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            if phase == "fit":
                loss.backward()
                opt.step()
            total += loss.item()
        print(epoch, phase, round(total, 3))
