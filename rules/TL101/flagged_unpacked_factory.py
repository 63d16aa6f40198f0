"""The model and its optimizer come out of a factory as a tuple, then pass through a
local set-up helper that hands them back; the loop never clears."""
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
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()  # expect: TL101


if __name__ == "__main__":
    main()
