"""The project's step-counted training loop: it draws batches with ``next``."""
import torch.nn.functional as F


def train(model, batches, optimizer, steps):
    for _ in range(steps):
        x, y = next(batches)
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
