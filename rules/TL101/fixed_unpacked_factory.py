"""flagged_unpacked_factory.py after `torchlint check --fix`: call opt.zero_grad() first in
each iteration."""
import torch
import torch.nn.functional as F
from torch import nn


def build(lr):
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    return model, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def prepare(model, optimizer):
    model.train()
    return model, optimizer


def main(lr=0.05):
    torch.manual_seed(0)
    model, opt = build(lr)
    model, opt = prepare(model, opt)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        for x, y in batches:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()


if __name__ == "__main__":
    main()
