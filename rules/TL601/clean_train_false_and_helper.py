"""Eval mode set with model.train(False), and by a helper (freeze_for_eval) before a
@torch.no_grad() validation function."""
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 20), nn.BatchNorm1d(20), nn.ReLU(), nn.Linear(20, 2))

    def forward(self, x):
        return self.net(x)


def freeze_for_eval(module):
    module.eval()
    return module


@torch.no_grad()
def validate(model, val_batches):
    return sum(F.cross_entropy(model(x), y).item() for x, y in val_batches)


@torch.no_grad()
def accuracy(model, val_batches):
    hits = 0
    for x, y in val_batches:
        hits += (model(x).argmax(1) == y).sum().item()
    return hits


def main():
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    train_batches = [(torch.randn(16, 6), torch.randint(0, 2, (16,))) for _ in range(3)]
    val_batches = [(torch.randn(8, 6), torch.randint(0, 2, (8,))) for _ in range(2)]
    for epoch in range(2):
        model.train(True)
        for x, y in train_batches:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        model.train(False)
        print(epoch, validate(model, val_batches), accuracy(model, val_batches))
    freeze_for_eval(model)
    with torch.no_grad():
        for x, y in val_batches:
            print(model(x).argmax(1).tolist())


if __name__ == "__main__":
    main()
