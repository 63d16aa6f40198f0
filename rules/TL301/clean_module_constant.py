"""A module-level UPPER_CASE constant names the learning rate in one place."""
import torch
from torch import nn

LEARNING_RATE = 0.05
STEPS = 3

torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
for _ in range(STEPS):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(torch.randn(8, 3)), torch.randn(8, 1))
    loss.backward()
    optimizer.step()
