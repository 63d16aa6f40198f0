"""The project's epoch: it reshuffles the loader's sampler, then makes one pass."""
import torch.nn.functional as F


def train_one_epoch(model, loader, optimizer, epoch):
    loader.sampler.set_epoch(epoch)
    for x, y in loader:
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
