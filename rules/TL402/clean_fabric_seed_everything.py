"""seed_everything (lightning_fabric) seeds random, NumPy and torch at once; the
run shuffles with random."""
import random

import torch
import torch.nn.functional as F
from lightning_fabric.utilities.seed import seed_everything
from torch import nn

if __name__ == "__main__":
    seed_everything(0, verbose=False)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [(torch.randn(4, 4), torch.randn(4, 1)) for _ in range(6)]
    random.shuffle(data)
    for x, y in data:
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
