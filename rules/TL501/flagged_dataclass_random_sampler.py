"""A dataclass config and an explicit RandomSampler: a sampler is given, but it draws
from the whole dataset on every rank.

Run: torchrun --nproc_per_node 2 flagged_dataclass_random_sampler.py
"""
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, RandomSampler, TensorDataset


@dataclass
class Config:
    epochs: int = 2
    batch_size: int = 8
    lr: float = 0.05
    samples: int = 40


def train(cfg: Config) -> None:
    local_rank = int(os.environ["LOCAL_RANK"])
    dist.init_process_group(backend="gloo")
    torch.manual_seed(0)
    ds = TensorDataset(torch.randn(cfg.samples, 4), torch.randint(0, 3, (cfg.samples,)))
    sampler = RandomSampler(ds)
    train_loader = DataLoader(ds, batch_size=cfg.batch_size, sampler=sampler)  # expect: TL501
    net = DistributedDataParallel(nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)))
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(cfg.epochs):
        net.train()
        for step, (x, y) in enumerate(train_loader):
            opt.zero_grad(set_to_none=True)
            loss = criterion(net(x), y)
            loss.backward()
            opt.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    train(Config())
