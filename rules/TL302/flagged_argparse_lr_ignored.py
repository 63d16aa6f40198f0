"""The script declares --lr, but the optimizer is built with a literal: whatever the
user passes on the command line has no effect."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn, optim


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = nn.Linear(8, 2)
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)  # expect: TL302
    x, y = torch.randn(32, 8), torch.randint(0, 2, (32,))
    for _ in range(args.epochs):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
