"""shuffle=True with an explicit ``sampler=None`` (the default): nothing conflicts."""
import torch
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(20, 2), torch.randn(20, 1))
loader = DataLoader(data, batch_size=4, shuffle=True, sampler=None)
model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()
