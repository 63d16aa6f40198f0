"""flagged_inference_script.py after `torchlint check --fix --unsafe-fixes`: wrap the loop in
`with torch.no_grad():`."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
model.train(False)

batches = [torch.randn(4, 8) for _ in range(3)]
outputs = []
with torch.no_grad():
    for x in batches:
        outputs.append(model(x))
print(torch.cat(outputs).argmax(1).tolist())
