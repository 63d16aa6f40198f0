"""flagged_dict_kwargs.py after `torchlint check --fix --unsafe-fixes`: drop shuffle=True (from
the dict spread into it)."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

CUDA_KWARGS = {"num_workers": 0, "pin_memory": False}


def main(rank=0, world_size=2):
    torch.manual_seed(0)
    train_set = TensorDataset(torch.randn(48, 6), torch.randint(0, 3, (48,)))
    train_kwargs = {"batch_size": 8}
    train_kwargs.update(CUDA_KWARGS)
    train_kwargs["sampler"] = DistributedSampler(train_set, num_replicas=world_size, rank=rank)
    train_loader = DataLoader(train_set, **train_kwargs)
    model = nn.Linear(6, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for data, target in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(data), target).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
