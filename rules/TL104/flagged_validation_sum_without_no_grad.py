"""A validation loop without no_grad sums the loss tensors: every batch's full graph is kept."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
loss_fn = nn.CrossEntropyLoss()
validation = [(torch.randn(16, 10), torch.randint(0, 4, (16,))) for _ in range(8)]

model.train(False)
running_vloss = 0.0
for i, (vinputs, vlabels) in enumerate(validation):
    voutputs = model(vinputs)
    vloss = loss_fn(voutputs, vlabels)
    running_vloss += vloss  # expect: TL104
print("valid loss", float(running_vloss / (i + 1)))
