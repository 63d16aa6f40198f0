"""A dataclass config object carries the learning rate; the optimizer reads it."""
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class TrainConfig:
    lr: float = 0.0123
    epochs: int = 2
    hidden: int = 8


def train(cfg: TrainConfig):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, cfg.hidden), nn.Linear(cfg.hidden, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for _ in range(cfg.epochs):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    train(TrainConfig())
