# flake8: noqa
"""A loader factory builds a fresh DistributedSampler for each epoch and sets its epoch
before handing the loader out."""
import os

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def make_loader(dataset, batch_size, epoch):
    sampler = DistributedSampler(dataset)
    sampler.set_epoch(epoch)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)


def run(epochs=3):
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(30, 4), torch.randint(0, 3, (30,)))
    clf = torch.nn.Linear(4, 3)
    opt = torch.optim.Adam(clf.parameters(), lr=1e-2)
    for epoch in range(epochs):
        for x, y in make_loader(data, 5, epoch):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(clf(x), y).backward()
            opt.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    run()
