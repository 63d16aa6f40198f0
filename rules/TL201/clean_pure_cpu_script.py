"""A pure CPU script: no device is ever chosen, so the CPU tensor made in forward() is fine."""
import torch
from torch import nn


class Residual(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        shift = torch.full((x.size(0), x.size(1)), 0.1)
        return self.fc(x) + shift


if __name__ == "__main__":
    torch.manual_seed(0)
    model = Residual(5)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        x = torch.randn(4, 5)
        opt.zero_grad()
        (model(x) - x).pow(2).mean().backward()
        opt.step()
