"""A same-file optimizer subclass (gradient clipping built in), constructed with a
literal learning rate in a torchrun-style script."""
import os

import torch
import torch.nn.functional as F
from torch import nn


class ClippedSGD(torch.optim.SGD):
    def __init__(self, params, lr, max_norm=1.0, **kwargs):
        super().__init__(params, lr=lr, **kwargs)
        self.max_norm = max_norm

    def step(self, closure=None):
        for group in self.param_groups:
            torch.nn.utils.clip_grad_norm_(group["params"], self.max_norm)
        return super().step(closure)


def main():
    rank = int(os.environ.get("RANK", "0"))
    torch.manual_seed(rank)
    model = nn.Linear(6, 3)
    optimizer = ClippedSGD(model.parameters(), 0.045, max_norm=0.5)  # expect: TL301
    for _ in range(3):
        x, y = torch.randn(16, 6), torch.randint(0, 3, (16,))
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
