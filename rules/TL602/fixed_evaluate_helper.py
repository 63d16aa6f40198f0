"""flagged_evaluate_helper.py after `torchlint check --fix`: wrap the loop in `with
torch.no_grad():`."""
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


def train(model, optimizer, batches):
    model.train()
    for x, y in batches:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def evaluate(model, val_batches):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in val_batches:
            total += F.cross_entropy(model(x), y).item()
    return total / len(val_batches)


def main():
    torch.manual_seed(0)
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    train_batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(3)]
    val_batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(2)]
    for epoch in range(2):
        train(model, optimizer, train_batches)
        print(epoch, evaluate(model, val_batches))


if __name__ == "__main__":
    main()
