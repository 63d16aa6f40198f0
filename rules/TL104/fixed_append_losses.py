"""flagged_append_losses.py after `torchlint check --fix`: accumulate loss.detach()."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(5, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
losses = []
for epoch in range(2):
    for _ in range(4):
        x, y = torch.randn(8, 5), torch.randint(0, 2, (8,))
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
print("mean loss", torch.stack(losses).mean())
