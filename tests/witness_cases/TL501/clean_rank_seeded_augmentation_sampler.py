# flake8: noqa
"""Rank-seeded augmentation as in the flagged twin, but the loader shards with a
DistributedSampler: the ranks train on disjoint samples.

Run: torchrun --nproc_per_node 2 clean_rank_seeded_augmentation_sampler.py
"""
import os
import random

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler


class Jittered(Dataset):
    def __init__(self, images):
        self.images = images

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = self.images[i]
        if random.random() < 0.5:
            img = img.flip(-1)
        return img + 0.01 * torch.randn_like(img), i % 3


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    dist.init_process_group("gloo")
    torch.manual_seed(7)
    images = torch.rand(32, 1, 4, 4)
    rank = dist.get_rank()
    random.seed(100 + rank)
    torch.manual_seed(100 + rank)
    body = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    net = torch.nn.parallel.DistributedDataParallel(body)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    data = Jittered(images)
    sampler = DistributedSampler(data, shuffle=True, seed=3)
    for epoch in range(2):
        sampler.set_epoch(epoch)
        for x, y in DataLoader(data, batch_size=8, sampler=sampler):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
    dist.destroy_process_group()
