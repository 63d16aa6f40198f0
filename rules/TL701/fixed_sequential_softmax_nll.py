"""flagged_sequential_softmax_nll.py after `torchlint check --fix --unsafe-fixes`: use
log_softmax: NLL takes log-probabilities."""
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(6, 24), nn.Tanh(), nn.Linear(24, 5), nn.LogSoftmax(dim=1))
loss_fn = nn.NLLLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
x, y = torch.randn(32, 6), torch.randint(0, 5, (32,))

for epoch in range(15):
    optimizer.zero_grad()
    loss = loss_fn(net(x), y)
    loss.backward()
    optimizer.step()
