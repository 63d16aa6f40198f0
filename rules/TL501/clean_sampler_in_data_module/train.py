"""torchrun-style DDP script whose DataLoader comes from the project's data.py, which
gives it a DistributedSampler: the ranks train on disjoint samples.

Run: torchrun --nproc_per_node 2 train.py
"""
import os

import torch
import torch.distributed as dist
import torch.nn as nn

import data


def main():
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    loader = data.build_loader(data.build_dataset(), batch_size=8)
    model = nn.parallel.DistributedDataParallel(nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for epoch in range(2):
        loader.sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    main()
