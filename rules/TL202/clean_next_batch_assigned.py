"""Batches drawn with next(iter(loader)); the converted input is assigned and used."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(64, 10, dtype=torch.float64), torch.randint(0, 3, (64,)))
loader = DataLoader(data, batch_size=16)
model = nn.Linear(10, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(4):
    inputs, labels = next(iter(loader))
    inputs = inputs.to(torch.float32)
    optimizer.zero_grad()
    F.cross_entropy(model(inputs), labels).backward()
    optimizer.step()
