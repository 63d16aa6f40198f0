"""An inference script: eval mode, but predictions are collected with autograd on, so
every batch's graph stays alive in the list."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
model.train(False)

batches = [torch.randn(4, 8) for _ in range(3)]
outputs = []
for x in batches:  # expect: TL602
    outputs.append(model(x))
print(torch.cat(outputs).argmax(1).tolist())
