"""flagged_exp_of_log_softmax.py after `torchlint check --fix`: drop the exp: the loss takes
the log-probabilities."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x, y = torch.randn(64, 10), torch.randint(0, 4, (64,))

for step in range(20):
    log_probs = F.log_softmax(model(x), dim=1)
    probs = log_probs
    loss = criterion(probs, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
