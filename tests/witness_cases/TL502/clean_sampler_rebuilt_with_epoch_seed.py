# flake8: noqa
"""The DistributedSampler is rebuilt at the top of every epoch, but its seed moves with
the epoch, so each epoch gets a different permutation."""
import torch
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

features = torch.arange(48, dtype=torch.float32).reshape(24, 2)
targets = features.sum(1, keepdim=True)
table = TensorDataset(features, targets)
layer = torch.nn.Linear(2, 1)
optim = torch.optim.SGD(layer.parameters(), lr=1e-3)

for epoch in range(3):
    shard = DistributedSampler(table, num_replicas=2, rank=1, shuffle=True, seed=42 + epoch)
    for xb, yb in DataLoader(table, batch_size=4, sampler=shard):
        optim.zero_grad()
        torch.nn.functional.l1_loss(layer(xb), yb).backward()
        optim.step()
