"""Probabilities turned into log-probabilities before nll_loss (correct, if less stable)."""
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.fc(x))


torch.manual_seed(0)
net = Net()
optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
for step in range(10):
    optimizer.zero_grad()
    probs = net(x)
    loss = F.nll_loss(torch.log(probs + 1e-8), y)
    loss.backward()
    optimizer.step()
