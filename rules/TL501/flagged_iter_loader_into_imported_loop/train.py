"""torchrun-style DDP script that hands ``iter(loader)`` to the project's training loop
(engine.py): the loader has no DistributedSampler, so both ranks train on the same
samples. Reported at the DataLoader: engine.py alone has no DDP to judge it by.

Run: torchrun --nproc_per_node 2 train.py
"""
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from engine import train


def main():
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    dataset = TensorDataset(torch.randn(64, 8), torch.randn(64, 1))
    loader = DataLoader(dataset, batch_size=8, shuffle=True)  # expect: TL501
    model = nn.parallel.DistributedDataParallel(nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    train(model, iter(loader), optimizer, steps=6)
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    main()
