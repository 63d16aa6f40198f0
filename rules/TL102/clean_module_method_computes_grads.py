"""A model method computes its own gradients; a probe is trained alongside."""
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 1)

    def forward(self, x):
        return self.fc(x)

    def compute_grads(self, x, y):
        loss = F.mse_loss(self(x), y)
        loss.backward()
        return loss.detach()


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
probe = nn.Linear(6, 1)
probe_opt = torch.optim.SGD(probe.parameters(), lr=0.05)
for step in range(8):
    x, y = torch.randn(16, 6), torch.randn(16, 1)
    probe_loss = F.mse_loss(probe(x), y)
    probe_loss.backward()
    probe_opt.step()
    probe_opt.zero_grad()
    optimizer.zero_grad()
    model.compute_grads(x, y)
    optimizer.step()
