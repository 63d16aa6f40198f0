"""flagged_batch_sampler.py after `torchlint check --fix`: drop shuffle=True."""
import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(20, 2), torch.randn(20, 1))
batches = BatchSampler(RandomSampler(data), batch_size=4, drop_last=True)
loader = DataLoader(data, batch_sampler=batches)
model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()
