# flake8: noqa
"""To make epochs longer the dataset is repeated once per rank (ConcatDataset) and each
rank samples its own contiguous block of the repetition (SubsetRandomSampler): the
indices differ between ranks, but every block is the whole dataset, so both ranks
train on the same samples.

Run: torchrun --nproc_per_node 2 flagged_repeated_dataset_cut_in_blocks.py
"""
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import ConcatDataset, DataLoader, SubsetRandomSampler, TensorDataset


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    base = TensorDataset(torch.randn(24, 5), torch.randint(0, 2, (24,)))
    repeated = ConcatDataset([base] * world)
    block = len(base)
    mine = SubsetRandomSampler(range(rank * block, (rank + 1) * block))
    model = nn.parallel.DistributedDataParallel(nn.Linear(5, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        for x, y in DataLoader(repeated, batch_size=6, sampler=mine):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    main()
