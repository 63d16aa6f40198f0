"""flagged_trainer_class.py after `torchlint check --fix --unsafe-fixes`: seed the run:
torch.manual_seed(args.seed)."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn


class Trainer:
    def __init__(self, model, lr):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def fit(self, epochs):
        for _ in range(epochs):
            x, y = torch.randn(16, 4), torch.randn(16, 1)
            self.optimizer.zero_grad()
            F.mse_loss(self.model(x), y).backward()
            self.optimizer.step()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-2)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    trainer = Trainer(nn.Linear(4, 1), args.lr)
    trainer.fit(epochs=3)


if __name__ == "__main__":
    main()
