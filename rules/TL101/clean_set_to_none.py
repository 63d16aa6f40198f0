"""zero_grad(set_to_none=True) at the top of each iteration."""
import torch
from torch import nn, optim

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 2))
opt = optim.Adam(model.parameters(), lr=1e-3)
for step in range(6):
    x, y = torch.randn(10, 6), torch.randint(0, 2, (10,))
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
