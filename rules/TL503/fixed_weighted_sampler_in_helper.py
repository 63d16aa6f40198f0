"""flagged_weighted_sampler_in_helper.py after `torchlint check --fix`: drop shuffle=True."""
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler


def build_loader(dataset, labels, batch_size):
    counts = torch.bincount(labels)
    weights = (1.0 / counts.float())[labels]
    sampler = WeightedRandomSampler(weights, num_samples=len(labels), replacement=True)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    torch.manual_seed(0)
    labels = torch.tensor([0] * 28 + [1] * 4)
    dataset = TensorDataset(torch.randn(32, 3), labels)
    loader = build_loader(dataset, labels, args.batch_size)
    model = nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


if __name__ == "__main__":
    main()
