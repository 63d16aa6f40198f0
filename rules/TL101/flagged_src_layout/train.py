"""``mylib`` lives in ``src/``. The loop hands the optimizer to ``U.log_lr``; read
alone it could be clearing there, the project shows it only logs."""
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
        x, y = torch.randn(8, 4), torch.randn(8, 1)
        F.mse_loss(model(x), y).backward()
        U.log_lr(optimizer, history)
        optimizer.step()  # expect: TL101


if __name__ == "__main__":
    main()
