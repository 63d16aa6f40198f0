"""Linted on its own, the loop's clearing resolves through ``from .hooks import``."""
import torch.nn.functional as F

from .hooks import reset_grads


def fit(model, optimizer, batches, epochs=1):
    for _ in range(epochs):
        for x, y in batches:
            reset_grads(model)
            F.mse_loss(model(x), y).backward()
            optimizer.step()
