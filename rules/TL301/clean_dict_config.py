"""A nested config dict at module level holds the learning rate; a Trainer class
reads it from there."""
import torch
import torch.nn.functional as F
from torch import nn

CONFIG = {"optimizer": {"name": "adamw", "lr": 0.0031, "weight_decay": 0.0}, "epochs": 2}


class Trainer:
    def __init__(self, model, config):
        self.model = model
        self.config = config
        opt = config["optimizer"]
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=opt["lr"],
                                           weight_decay=opt["weight_decay"])

    def fit(self, x, y):
        for _ in range(self.config["epochs"]):
            self.optimizer.zero_grad()
            F.mse_loss(self.model(x), y).backward()
            self.optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    Trainer(nn.Linear(5, 1), CONFIG).fit(torch.randn(8, 5), torch.randn(8, 1))
