"""Log-probabilities go to NLLLoss, as it expects; their exp() is used only for an
entropy figure and the accuracy."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x, y = torch.randn(64, 10), torch.randint(0, 4, (64,))

for step in range(20):
    log_probs = F.log_softmax(model(x), dim=1)
    probs = log_probs.exp()
    loss = criterion(log_probs, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    entropy = -(probs * log_probs).sum(1).mean()
    accuracy = (probs.argmax(1) == y).float().mean()
print(float(entropy), float(accuracy))
