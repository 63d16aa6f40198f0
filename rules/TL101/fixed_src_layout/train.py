"""flagged_src_layout after `torchlint check --fix`: call optimizer.zero_grad() first in each
iteration."""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
import mylib.optim_utils as U  # noqa: E402


def main():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    history = []
    for _ in range(4):
        optimizer.zero_grad()
        x, y = torch.randn(8, 4), torch.randn(8, 1)
        F.mse_loss(model(x), y).backward()
        U.log_lr(optimizer, history)
        optimizer.step()


if __name__ == "__main__":
    main()
