"""A no_grad block with an enable_grad() block inside for the training part."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(5, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

for step in range(4):
    x, y = torch.randn(8, 5), torch.randn(8, 1)
    with torch.no_grad():
        baseline = model(x).mean()
        with torch.enable_grad():
            loss = ((model(x) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
    optimizer.step()
    print(float(baseline), loss.item())
