"""nn.Sequential ending in nn.Softmax fed to NLLLoss, which expects log-probabilities."""
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(6, 24), nn.Tanh(), nn.Linear(24, 5), nn.Softmax(dim=1))
loss_fn = nn.NLLLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
x, y = torch.randn(32, 6), torch.randint(0, 5, (32,))

for epoch in range(15):
    optimizer.zero_grad()
    loss = loss_fn(net(x), y)  # expect: TL701
    loss.backward()
    optimizer.step()
