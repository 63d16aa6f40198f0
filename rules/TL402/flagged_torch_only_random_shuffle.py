"""torch is seeded, but the data order comes from random.shuffle, which is not:
every run sees the batches in a different order."""
import random

import torch
import torch.nn.functional as F
from torch import nn


def main():
    torch.manual_seed(0)  # expect: TL402
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [(torch.full((4, 4), float(i)), torch.full((4, 1), float(i % 3))) for i in range(8)]
    for _ in range(2):
        random.shuffle(data)
        for x, y in data:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()


if __name__ == "__main__":
    main()
