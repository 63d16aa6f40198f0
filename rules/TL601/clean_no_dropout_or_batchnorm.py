"""An evaluation loop without model.eval(), but the model has no dropout and no batch
norm: training and eval mode compute the same thing (not flagged; see spec)."""
import torch
import torch.nn.functional as F
from torch import nn


class Linear2(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


torch.manual_seed(0)
model = Linear2()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
train_batches = [(torch.randn(8, 5), torch.randint(0, 2, (8,))) for _ in range(3)]
val_batches = [(torch.randn(8, 5), torch.randint(0, 2, (8,))) for _ in range(2)]
for epoch in range(2):
    for x, y in train_batches:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    with torch.no_grad():
        for x, y in val_batches:
            print(epoch, F.cross_entropy(model(x), y).item())
