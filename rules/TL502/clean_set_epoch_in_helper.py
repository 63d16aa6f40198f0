"""FSDP-example style: the sampler is handed to a per-epoch train() helper, which calls
``sampler.set_epoch(epoch)`` before iterating the loader.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def train(model, loader, optimizer, epoch, sampler=None):
    model.train()
    if sampler:
        sampler.set_epoch(epoch)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def main(num_replicas=2, rank=0, epochs=3):
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(40, 3), torch.randint(0, 2, (40,)))
    sampler1 = DistributedSampler(data, rank=rank, num_replicas=num_replicas, shuffle=True)
    train_kwargs = {"batch_size": 4, "sampler": sampler1}
    loader = DataLoader(data, **train_kwargs)
    model = nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(1, epochs + 1):
        train(model, loader, opt, epoch, sampler=sampler1)


if __name__ == "__main__":
    main()
