"""running_loss += loss.item(): a Python float, no graph kept."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
batches = [(torch.randn(16, 8), torch.randn(16, 1)) for _ in range(8)]

running_loss = 0.0
for inputs, targets in batches:
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(inputs), targets)
    loss.backward()
    optimizer.step()
    running_loss += loss.item() * inputs.size(0)
print(running_loss / 128)
