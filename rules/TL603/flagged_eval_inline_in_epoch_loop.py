"""The epoch loop validates inline after model.eval() and never calls model.train():
from the second epoch on, training runs with dropout switched off."""
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 32)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.fc1(x))))


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
train_batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(3)]
val_batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(2)]

for epoch in range(3):
    for x, y in train_batches:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()  # expect: TL603
    with torch.no_grad():
        val = sum(F.cross_entropy(model(x), y).item() for x, y in val_batches)
    print(epoch, val)
