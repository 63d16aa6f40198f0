"""An inference script: model.eval() once before the loop, then batches under no_grad."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2),
                      nn.Linear(16, 3))
model.eval()

batches = [torch.randn(4, 8) for _ in range(3)]
predictions = []
with torch.no_grad():
    for x in batches:
        predictions.append(model(x).argmax(1))
print(torch.cat(predictions).tolist())
