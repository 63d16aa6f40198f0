"""`for step, batch in enumerate(loader)` then `inputs, targets = batch`: the features were
meant to be squared in double precision, but the cast is a statement."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
loader = DataLoader(TensorDataset(torch.randn(24, 3), torch.randn(24, 1)), batch_size=6)
for step, batch in enumerate(loader):
    inputs, targets = batch
    inputs.to(torch.float64)  # expect: TL202
    optimizer.zero_grad()
    squared = inputs.pow(2).sum(dim=1, keepdim=True)
    loss = nn.functional.mse_loss(model(inputs) + squared.float(), targets)
    loss.backward()
    optimizer.step()
