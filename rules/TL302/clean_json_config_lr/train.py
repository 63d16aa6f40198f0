"""Defaults in a dict, overridden from config.json; the optimizer reads config["lr"]."""
import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

DEFAULTS = {"lr": 0.1, "epochs": 3, "hidden": 4}


def load_config():
    path = Path(__file__).with_name("config.json")
    return {**DEFAULTS, **json.loads(path.read_text())}


def main():
    config = load_config()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, config["hidden"]), nn.Linear(config["hidden"], 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"])
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for _ in range(config["epochs"]):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
