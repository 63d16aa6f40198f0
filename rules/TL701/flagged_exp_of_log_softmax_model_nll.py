"""The model ends in nn.LogSoftmax; the loop exponentiates its output back into
probabilities and gives those to F.nll_loss, which expects the log-probabilities."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4), nn.LogSoftmax(dim=1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x, y = torch.randn(64, 10), torch.randint(0, 4, (64,))

for step in range(20):
    probs = torch.exp(model(x))
    loss = F.nll_loss(probs, y)  # expect: TL701
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(float(loss))
