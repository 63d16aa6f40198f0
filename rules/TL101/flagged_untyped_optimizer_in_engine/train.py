"""Trains with engine.run_epoch; the missing zero_grad() belongs in engine.py."""
import torch
from torch import nn

from engine import run_epoch


def main():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    optimiser = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        print(epoch, run_epoch(net, batches, optimiser))


if __name__ == "__main__":
    main()
