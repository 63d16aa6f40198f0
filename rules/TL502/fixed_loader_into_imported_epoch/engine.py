"""The project's epoch: one pass over the loader it is given."""
import torch.nn.functional as F


def train_one_epoch(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
