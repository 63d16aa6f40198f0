"""The layers are written as a list ending in nn.Softmax and unpacked into nn.Sequential."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
layers = [nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4), nn.Softmax(dim=1)]
model = nn.Sequential(*layers)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
data = [(torch.randn(16, 10), torch.randint(0, 4, (16,))) for _ in range(6)]
for x, y in data:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)  # expect: TL701
    loss.backward()
    optimizer.step()
