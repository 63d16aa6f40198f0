"""A sampler with an explicit shuffle=False (the ddp-tutorial-series style), and a
shuffling loader for another dataset in the same file."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, SubsetRandomSampler, TensorDataset

torch.manual_seed(0)
full = TensorDataset(torch.randn(40, 3), torch.randint(0, 2, (40,)))
train_ids = list(range(0, 32))
train_loader = DataLoader(full, batch_size=8, shuffle=False, sampler=SubsetRandomSampler(train_ids))
extra_loader = DataLoader(TensorDataset(torch.randn(8, 3), torch.randint(0, 2, (8,))), shuffle=True)
model = nn.Linear(3, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for loader in (train_loader, extra_loader):
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
