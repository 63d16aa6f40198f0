"""The scheduler steps at the start of every epoch but the first: the optimizer has stepped by then."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
batches = [(torch.randn(8, 4), torch.randint(0, 2, (8,))) for _ in range(3)]

for epoch in range(3):
    if epoch > 0:
        scheduler.step()
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
