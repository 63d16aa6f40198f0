"""Validation losses summed as tensors under torch.no_grad(): no graph is recorded."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(6, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train = [(torch.randn(8, 6), torch.randint(0, 3, (8,))) for _ in range(5)]
val = [(torch.randn(8, 6), torch.randint(0, 3, (8,))) for _ in range(3)]

for epoch in range(2):
    seen = 0.0
    for x, y in train:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            seen += loss
    val_loss = torch.zeros(())
    with torch.no_grad():
        for x, y in val:
            val_loss += nn.functional.cross_entropy(model(x), y)
    print(epoch, float(seen), float(val_loss))
