# flake8: noqa
"""The --lr flag is a base learning rate scaled by the linear scaling rule
(lr * batch size / 256), as in large-batch ImageNet recipes: the optimizer never sees
the flag's value itself, but its learning rate follows it."""
import argparse

import torch
from torch import nn

cli = argparse.ArgumentParser(description="toy large-batch recipe")
cli.add_argument("--lr", type=float, default=0.1, help="base lr for a batch of 256")
cli.add_argument("--batch-size", type=int, default=64)
opts = cli.parse_args()

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 2))
scaled = opts.lr * opts.batch_size / 256
sgd = torch.optim.SGD(net.parameters(), lr=scaled, momentum=0.9, nesterov=True)
warmup = torch.optim.lr_scheduler.LinearLR(sgd, start_factor=0.1, total_iters=3)
for it in range(4):
    x, y = torch.randn(opts.batch_size, 10), torch.randint(0, 2, (opts.batch_size,))
    sgd.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    sgd.step()
    warmup.step()
