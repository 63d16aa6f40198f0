"""A classifier keeps log-probabilities and turns them back into probabilities with
.exp() for the loss: CrossEntropyLoss then applies its own log_softmax on top."""
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
    probs = log_probs.exp()
    loss = criterion(probs, y)  # expect: TL701
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
