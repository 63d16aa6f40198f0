"""A torchrun-style AMP script configured through the environment; the learning
rate read from LEARNING_RATE is the one the optimizer gets."""
import os

import torch
from torch import nn


def main():
    rank = int(os.environ.get("RANK", "0"))
    lr = float(os.environ.get("LEARNING_RATE", "3e-4"))
    torch.manual_seed(rank)
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    optimizer = torch.optim.AdamW(model.parameters(), lr)
    scaler = torch.amp.GradScaler("cpu")
    for _ in range(3):
        x, y = torch.randn(8, 16), torch.randn(8, 1)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = nn.functional.mse_loss(model(x).float(), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()


if __name__ == "__main__":
    main()
