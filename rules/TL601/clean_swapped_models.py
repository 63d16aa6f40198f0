"""``probe, net = net, probe`` swaps the two models: after it ``net`` is the linear probe,
which has no dropout or batch norm, so evaluating it in training mode changes nothing."""
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


if __name__ == "__main__":
    torch.manual_seed(0)
    net = Net()
    probe = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(3)]
    for x, y in batches:
        optimizer.zero_grad()
        F.cross_entropy(net(x), y).backward()
        optimizer.step()
    probe, net = net, probe
    correct = 0
    with torch.no_grad():
        for x, y in batches:
            correct += (net(x).argmax(1) == y).sum().item()
    print(correct)
