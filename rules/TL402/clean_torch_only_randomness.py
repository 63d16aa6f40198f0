"""Only torch is seeded, and only torch's generator is used: the data order comes
from torch.randperm, not from random or NumPy."""
import torch
import torch.nn.functional as F
from torch import nn


def main():
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    for _ in range(2):
        for idx in torch.randperm(32).split(8):
            optimizer.zero_grad()
            F.mse_loss(model(x[idx]), y[idx]).backward()
            optimizer.step()


if __name__ == "__main__":
    main()
