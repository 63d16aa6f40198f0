"""model.zero_grad() clears the same parameters the optimizer updates."""
import torch
import torch.nn as nn
import torch.optim as optim


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x):
        return self.body(x)


torch.manual_seed(0)
model = MLP()
optimizer = optim.RMSprop(model.parameters(), lr=1e-3)
for epoch in range(3):
    for _ in range(2):
        x, y = torch.randn(6, 4), torch.randn(6, 1)
        model.zero_grad()
        loss = nn.functional.l1_loss(model(x), y)
        loss.backward()
        optimizer.step()
