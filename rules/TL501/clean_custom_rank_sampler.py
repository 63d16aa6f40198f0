"""A custom sampler class defined in the file splits the indices by rank itself
(strided shards); the DataLoader gets it as ``sampler=``.

Run: torchrun --nproc_per_node 2 clean_custom_rank_sampler.py
"""
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Sampler, TensorDataset


class StridedShardSampler(Sampler):
    """Rank r takes indices r, r + world, r + 2 * world, ... in a per-epoch shuffle."""

    def __init__(self, data_source, num_replicas, rank, seed=0):
        self.n = len(data_source)
        self.num_replicas = num_replicas
        self.rank = rank
        self.seed = seed
        self.epoch = 0

    def __iter__(self):
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(self.n, generator=g).tolist()
        self.epoch += 1
        return iter(order[self.rank::self.num_replicas])

    def __len__(self):
        return len(range(self.rank, self.n, self.num_replicas))


@dataclass
class Config:
    epochs: int = 2
    batch_size: int = 8
    lr: float = 0.05
    samples: int = 40


def train(cfg: Config) -> None:
    dist.init_process_group(backend="gloo")
    torch.manual_seed(0)
    ds = TensorDataset(torch.randn(cfg.samples, 4), torch.randint(0, 3, (cfg.samples,)))
    sampler = StridedShardSampler(ds, dist.get_world_size(), dist.get_rank())
    train_loader = DataLoader(ds, batch_size=cfg.batch_size, sampler=sampler)
    net = DistributedDataParallel(nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)))
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(cfg.epochs):
        for x, y in train_loader:
            opt.zero_grad(set_to_none=True)
            loss = criterion(net(x), y)
            loss.backward()
            opt.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    train(Config())
