"""argparse script: noise made in forward() with torch.randn(x.shape) stays on the CPU."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class NoisyMLP(nn.Module):
    def __init__(self, sigma):
        super().__init__()
        self.sigma = sigma
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        if self.training:
            x = x + torch.randn(x.shape) * self.sigma  # expect: TL201
        return self.body(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--sigma", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    device = torch.device(args.device)
    model = NoisyMLP(args.sigma).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    data = TensorDataset(torch.randn(64, 8), torch.randn(64, 1))
    for _ in range(args.epochs):
        for x, y in DataLoader(data, batch_size=16):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()


if __name__ == "__main__":
    main()
