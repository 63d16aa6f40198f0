"""Trains with engine.run_epoch, handing it an updater that clears after each step."""
import torch
from torch import nn

from engine import run_epoch


class ClearingUpdater:
    """Steps the optimizer and clears its gradients."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self):
        self.optimizer.step()
        self.optimizer.zero_grad()


def main():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    warmup = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 4))
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        print(epoch, run_epoch(net, batches, ClearingUpdater(optimizer), warmup))


if __name__ == "__main__":
    main()
