"""An IterableDataset that shards its stream by rank itself (DistributedSampler cannot be
used with an IterableDataset; the dataset reads get_rank() and keeps every world-th item).

Run: torchrun --nproc_per_node 2 clean_iterable_dataset_shards_by_rank.py
"""
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, IterableDataset


class ShardedStream(IterableDataset):
    def __init__(self, features, targets):
        self.features = features
        self.targets = targets

    def __iter__(self):
        rank, world = dist.get_rank(), dist.get_world_size()
        for i in range(rank, len(self.features), world):
            yield self.features[i], self.targets[i]


def main():
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    stream = ShardedStream(torch.randn(64, 8), torch.randn(64, 1))
    loader = DataLoader(stream, batch_size=8)
    model = DDP(nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for epoch in range(2):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    main()
