"""A device variable, with .cuda() only under `if use_cuda:` (the same device it selects)."""
import torch
from torch import nn

use_cuda = torch.cuda.is_available()
device = torch.device("cuda" if use_cuda else "cpu")

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
if use_cuda:
    model.cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range(4):
    x, y = torch.randn(6, 3), torch.randn(6, 1)
    x = x.cuda() if use_cuda else x
    y = y.to(device)
    optimizer.zero_grad()
    with torch.autocast(device_type=device.type, enabled=use_cuda):
        loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
