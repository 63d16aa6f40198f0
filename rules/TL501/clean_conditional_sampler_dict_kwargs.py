"""pytorch/examples style: the sampler is a DistributedSampler when distributed and None
otherwise, passed through a dict of loader options; the validation loader has no sampler,
but it only feeds an evaluation loop (not training, so TL501 leaves it alone).

Run: torchrun --nproc_per_node 2 clean_conditional_sampler_dict_kwargs.py
"""
import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def train(model, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        loss = F.nll_loss(F.log_softmax(model(data), dim=1), target)
        loss.backward()
        optimizer.step()


def validate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            correct += (model(data).argmax(dim=1) == target).sum().item()
    return correct


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("gloo")
    torch.manual_seed(0)
    train_set = TensorDataset(torch.randn(48, 10), torch.randint(0, 4, (48,)))
    val_set = TensorDataset(torch.randn(16, 10), torch.randint(0, 4, (16,)))
    train_sampler = DistributedSampler(train_set) if distributed else None
    train_kwargs = {"batch_size": args.batch_size, "sampler": train_sampler}
    train_kwargs.update({"shuffle": train_sampler is None, "num_workers": 0})
    train_loader = DataLoader(train_set, **train_kwargs)
    val_loader = DataLoader(val_set, batch_size=args.batch_size, shuffle=False)
    model = nn.Linear(10, 4)
    if distributed:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(args.epochs):
        if train_sampler is not None:
            train_sampler.set_epoch(epoch)
        train(model, train_loader, optimizer, epoch)
        validate(model, val_loader)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    main()
