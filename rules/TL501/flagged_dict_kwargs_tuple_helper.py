"""A dict of DataLoader options spread with ``**``, loaders returned as a tuple by a helper,
and the full ``torch.nn.parallel.DistributedDataParallel`` path: the training loader
still has no DistributedSampler.

Run: torchrun --nproc_per_node 2 flagged_dict_kwargs_tuple_helper.py
"""
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {"epochs": 2, "lr": 0.1, "train_size": 48, "val_size": 16}


def build_loaders(cfg):
    train_set = TensorDataset(torch.randn(cfg["train_size"], 6), torch.randn(cfg["train_size"], 1))
    val_set = TensorDataset(torch.randn(cfg["val_size"], 6), torch.randn(cfg["val_size"], 1))
    loader_kwargs = {"batch_size": 8, "num_workers": 0}
    loader_kwargs.update({"shuffle": True, "drop_last": False})
    train_loader = DataLoader(train_set, **loader_kwargs)  # expect: TL501
    val_loader = DataLoader(val_set, batch_size=8)
    return train_loader, val_loader


def train_one_epoch(model, loader, optimizer):
    model.train()
    for inputs, targets in loader:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(inputs), targets).backward()
        optimizer.step()


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    return sum(nn.functional.mse_loss(model(x), y).item() for x, y in loader)


def main():
    dist.init_process_group("gloo", init_method="env://")
    torch.manual_seed(1234)
    train_loader, val_loader = build_loaders(CONFIG)
    model = torch.nn.parallel.DistributedDataParallel(nn.Linear(6, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=CONFIG["lr"])
    for epoch in range(CONFIG["epochs"]):
        train_one_epoch(model, train_loader, optimizer)
        print(f"[rank {dist.get_rank()}] epoch {epoch} val {evaluate(model, val_loader):.3f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    main()
