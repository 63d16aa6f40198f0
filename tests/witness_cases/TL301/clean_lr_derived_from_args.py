# flake8: noqa
"""The learning rate is computed from the command line (linear scaling by batch size)."""
import argparse

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--base-lr", type=float, default=0.1)
parser.add_argument("--batch-size", type=int, default=32)
args = parser.parse_args()

torch.manual_seed(0)
model = torch.nn.Linear(4, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=args.base_lr * args.batch_size / 256)
for _ in range(3):
    x, y = torch.randn(args.batch_size, 4), torch.randint(0, 3, (args.batch_size,))
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
