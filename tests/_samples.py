"""Small training scripts for the integration tests: BAD has exactly one hazard
(TL101: gradients never cleared), GOOD is the same script fixed. Written to be
clean under every other rule (seeded, learning rate from the command line, one
device), so that tests of the plumbing do not depend on which rules exist."""
from __future__ import annotations

GOOD = '''\
"""Train a small regressor."""
import argparse

import torch
import torch.nn as nn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = nn.Linear(8, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    for _ in range(10):
        x, y = torch.randn(16, 8), torch.randn(16, 1)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
'''

BAD = GOOD.replace("        optimizer.zero_grad()\n", "")
STEP_LINE = BAD.splitlines().index("        optimizer.step()") + 1
STEP_COL = 9
MESSAGE = ("TL101 optimizer.step() in a loop that never clears gradients; "
           "call optimizer.zero_grad() each iteration")


def report(path: str) -> str:
    """The flake8 line for BAD saved at ``path``."""
    return f"{path}:{STEP_LINE}:{STEP_COL}: {MESSAGE}"
