"""The project's data module: the training loader draws from a shuffling DistributedSampler."""
import torch
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def build_dataset():
    return TensorDataset(torch.randn(32, 8), torch.randn(32, 1))


def build_loader(dataset, batch_size):
    sampler = DistributedSampler(dataset, shuffle=True)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)
