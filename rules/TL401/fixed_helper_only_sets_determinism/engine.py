"""The training loop lives in the project's engine module."""
import torch.nn.functional as F


def fit(model, optimizer, batches, epochs):
    for _ in range(epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
