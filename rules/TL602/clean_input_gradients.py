"""Eval mode with autograd on on purpose: the loop computes input gradients (saliency),
so the graphs are used by backward()."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
model.eval()

saliency = []
for x in [torch.randn(4, 8) for _ in range(3)]:
    x.requires_grad_()
    score = model(x).max(dim=1).values.sum()
    score.backward()
    saliency.append(x.grad.abs().mean(0))
print(torch.stack(saliency).shape)
