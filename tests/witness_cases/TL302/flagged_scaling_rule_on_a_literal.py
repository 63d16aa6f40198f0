# flake8: noqa
"""The scaling rule is applied, but to a literal base learning rate: the --lr flag is
parsed and printed, and has no effect on training."""
import argparse

import torch
from torch import nn

cli = argparse.ArgumentParser(description="toy large-batch recipe")
cli.add_argument("--lr", type=float, default=0.1, help="base lr for a batch of 256")
cli.add_argument("--batch-size", type=int, default=64)
opts = cli.parse_args()
print(f"base lr {opts.lr}")

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 2))
scaled = 0.1 * opts.batch_size / 256
sgd = torch.optim.SGD(net.parameters(), lr=scaled, momentum=0.9, nesterov=True)
for it in range(4):
    x, y = torch.randn(opts.batch_size, 10), torch.randint(0, 2, (opts.batch_size,))
    sgd.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    sgd.step()
