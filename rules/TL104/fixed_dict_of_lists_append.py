"""flagged_dict_of_lists_append.py after `torchlint check --fix`: accumulate loss.detach()."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
stats = {"loss": [], "acc": []}
for epoch in range(2):
    for _ in range(4):
        x, y = torch.randn(8, 5), torch.randint(0, 2, (8,))
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        stats["loss"].append(loss.detach())
        stats["acc"].append((logits.argmax(1) == y).float().mean().item())
print(len(stats["loss"]), sum(stats["acc"]) / len(stats["acc"]))
