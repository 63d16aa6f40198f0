"""A notebook exported as a script defines ``Net`` twice. The evaluation cell after the
first definition runs that one (with dropout) in training mode; the later ``Net``
without dropout is not the one in force there."""
import torch
import torch.nn.functional as F
from torch import nn

# %% first attempt: an MLP with dropout
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 32)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.fc1(x))))


torch.manual_seed(0)
batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(3)]
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for x, y in batches:
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
with torch.no_grad():
    for x, y in batches:  # expect: TL601
        print((model(x).argmax(1) == y).float().mean().item())

# %% second attempt: a linear model
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        return self.fc(x)


model = Net()
with torch.no_grad():
    for x, y in batches:
        print((model(x).argmax(1) == y).float().mean().item())
