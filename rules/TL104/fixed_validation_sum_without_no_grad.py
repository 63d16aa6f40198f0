"""flagged_validation_sum_without_no_grad.py after `torchlint check --fix`: accumulate
vloss.item()."""
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
    running_vloss += vloss.item()
print("valid loss", float(running_vloss / (i + 1)))
