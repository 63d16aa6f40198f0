"""A DistributedSampler built with shuffle=False: the order is meant to be fixed, so
there is nothing for set_epoch() to change.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(32, 5), torch.randn(32, 1))
sampler = DistributedSampler(data, num_replicas=2, rank=1, shuffle=False)
loader = DataLoader(data, batch_size=8, sampler=sampler)
model = nn.Linear(5, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(3):
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
