"""A step-based loop that validates every few steps in eval mode and carries on
training in eval mode (batch norm frozen, dropout off)."""
import itertools

import torch
import torch.nn.functional as F
from torch import nn


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.drop = nn.Dropout2d(0.25)
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x):
        x = self.drop(F.relu(self.bn(self.conv(x))))
        return self.fc(x.flatten(1))


torch.manual_seed(0)
net = ConvNet()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
data = itertools.cycle([(torch.randn(8, 1, 8, 8), torch.randint(0, 5, (8,))) for _ in range(4)])
held_out = (torch.randn(8, 1, 8, 8), torch.randint(0, 5, (8,)))

for step in range(8):
    x, y = next(data)
    opt.zero_grad()
    F.cross_entropy(net(x), y).backward()
    opt.step()
    if step % 3 == 2:
        net.eval()  # expect: TL603
        with torch.no_grad():
            print(step, F.cross_entropy(net(held_out[0]), held_out[1]).item())
