"""flagged_next_batch_dtype.py after `torchlint check --fix --unsafe-fixes`: assign it back: inputs = inputs.to(...)."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(64, 10, dtype=torch.float64), torch.randint(0, 3, (64,)))
loader = DataLoader(data, batch_size=16)
model = nn.Linear(10, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
batches = iter(loader)
for step in range(4):
    inputs, labels = next(batches)
    inputs = inputs.to(torch.float32)
    optimizer.zero_grad()
    F.cross_entropy(model(inputs.float()), labels).backward()
    optimizer.step()
