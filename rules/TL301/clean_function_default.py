"""The learning rate is a parameter (with a default) of the function that builds
the optimizer: callers set it, the literal is only the default."""
import torch
import torch.nn.functional as F
from torch import nn


def build_optimizer(params, lr=0.045, momentum=0.9):
    return torch.optim.SGD(params, lr=lr, momentum=momentum)


def main():
    torch.manual_seed(0)
    model = nn.Linear(6, 3)
    optimizer = build_optimizer(model.parameters())
    for _ in range(3):
        x, y = torch.randn(16, 6), torch.randint(0, 3, (16,))
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
