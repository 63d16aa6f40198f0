"""The model computes its gradients, then the loop clears them before the step."""
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
        torch.autograd.backward(loss)
        return loss.detach()


def train(model, optimizer, steps):
    for step in range(steps):
        x, y = torch.randn(16, 6), torch.randn(16, 1)
        model.compute_grads(x, y)
        optimizer.zero_grad()  # expect: TL102
        optimizer.step()


torch.manual_seed(0)
net = Net()
train(net, torch.optim.SGD(net.parameters(), lr=0.05), 8)
