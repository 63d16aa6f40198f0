"""flagged_helper_train_one_epoch.py after `torchlint check --fix`: call optimizer.zero_grad()
first in each iteration."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import SGD as Optimizer


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        return self.fc(x)


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def train_one_epoch(model, optimizer, batches):
    total = 0.0
    for x, y in batches:
        total += train_step(model, optimizer, x, y)
    return total / len(batches)


def main():
    torch.manual_seed(0)
    model = Net()
    optimizer = Optimizer(model.parameters(), lr=0.05, momentum=0.9)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        print(epoch, train_one_epoch(model, optimizer, batches))


if __name__ == "__main__":
    main()
