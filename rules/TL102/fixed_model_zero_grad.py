"""flagged_model_zero_grad.py after `torchlint check --fix`: move model.zero_grad() after
opt.step()."""
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


torch.manual_seed(0)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
batches = iter([(torch.randn(8, 10), torch.randint(0, 3, (8,))) for _ in range(6)])
while True:
    batch = next(batches, None)
    if batch is None:
        break
    x, y = batch
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    model.zero_grad()
