# flake8: noqa
"""A dataclass holds learning_rate; the Adam recipe scales it by the square root of the
batch-size ratio before building the optimizer."""
import math
from dataclasses import dataclass, field

import torch


@dataclass
class Recipe:
    learning_rate: float = 2e-3
    batch: int = 32
    reference_batch: int = 128
    betas: tuple = field(default=(0.9, 0.98))


def fit(recipe: Recipe) -> None:
    torch.manual_seed(1)
    w = torch.nn.Parameter(torch.zeros(6, 1))
    lr = recipe.learning_rate * math.sqrt(recipe.batch / recipe.reference_batch)
    adam = torch.optim.Adam([w], lr=lr, betas=recipe.betas)
    for _ in range(3):
        x = torch.randn(recipe.batch, 6)
        adam.zero_grad()
        ((x @ w - x.sum(1, keepdim=True)) ** 2).mean().backward()
        adam.step()


fit(Recipe())
