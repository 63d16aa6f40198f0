"""torchrun-style DDP script whose DataLoader comes from the project's data.py: it
has no DistributedSampler, so both ranks train on the same samples. Reported at the
call that builds the loader: data.py alone has no DDP to judge it by.

Run: torchrun --nproc_per_node 2 train.py
"""
import os

import torch
import torch.distributed as dist
import torch.nn as nn

from data import build_dataset, build_loader


def main():
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    dataset = build_dataset()
    loader = build_loader(dataset, 8)  # expect: TL501
    model = nn.parallel.DistributedDataParallel(nn.Linear(8, 1))
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
