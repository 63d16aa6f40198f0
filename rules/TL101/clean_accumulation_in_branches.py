"""Two-batch accumulation written as branches: the test changes every iteration, so
the clearing of an even iteration runs before the step of the next odd one."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(16, 4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
batches = [(torch.randn(8, 16), torch.randn(8, 4)) for _ in range(8)]

for i, (x, y) in enumerate(batches):
    loss = nn.functional.mse_loss(model(x), y) / 2
    if i % 2 == 0:
        optimizer.zero_grad()
        loss.backward()
    else:
        loss.backward()
        optimizer.step()
