"""A helper seeds random, NumPy and torch; the run draws from all three."""
import random

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def main():
    seed_all(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [(torch.randn(4, 4), torch.randn(4, 1)) for _ in range(6)]
    for _ in range(2):
        random.shuffle(data)
        for x, y in data:
            x = x + torch.from_numpy(np.random.normal(0, 0.01, x.shape)).float()
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()


if __name__ == "__main__":
    main()
