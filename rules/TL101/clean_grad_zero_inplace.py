"""Clearing in place with p.grad.zero_() on every parameter that has a gradient."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(3, 3)
sgd = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(4):
    out = model(torch.randn(2, 3)).sum()
    out.backward()
    sgd.step()
    for p in model.parameters():
        if p.grad is not None:
            p.grad.detach_()
            p.grad.zero_()
