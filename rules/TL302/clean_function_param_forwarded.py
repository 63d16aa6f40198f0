"""train() takes the learning rate as a parameter and uses it; main passes --lr."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn


def train(model, epochs, lr=0.05):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        x, y = torch.randn(16, 6), torch.randint(0, 3, (16,))
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning-rate", type=float, default=0.05)
    args = parser.parse_args()
    torch.manual_seed(0)
    train(nn.Linear(6, 3), epochs=3, lr=args.learning_rate)
