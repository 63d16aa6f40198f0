"""flagged_while_next.py after `torchlint check --fix`: call opt.zero_grad() first in each
iteration."""
import torch
from torch import nn, optim

torch.manual_seed(0)
model = nn.Linear(4, 2)
opt = optim.Adam(model.parameters(), lr=1e-3)
batches = iter([(torch.randn(8, 4), torch.randint(0, 2, (8,))) for _ in range(6)])
criterion = nn.CrossEntropyLoss()

opt.zero_grad()
step = 0
while True:
    opt.zero_grad()
    try:
        x, y = next(batches)
    except StopIteration:
        break
    criterion(model(x), y).backward()
    opt.step()
    step += 1
print("steps:", step)
