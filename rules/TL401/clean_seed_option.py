"""Seeding through a registry of seeders torchlint cannot follow (a call through a
loop variable); the project names its helper in --torchlint-seed-functions."""
# torchlint-options: --torchlint-seed-functions=fix_rng
import random

import torch
import torch.nn.functional as F
from torch import nn

SEEDERS = (random.seed, torch.manual_seed)


def fix_rng(seed):
    for seeder in SEEDERS:
        seeder(seed)


def main():
    fix_rng(7)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        x, y = torch.randn(8, 4), torch.randn(8, 1)
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
