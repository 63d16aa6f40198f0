"""flagged_helper_returns_loss.py after `torchlint check --fix`: accumulate train_step(model,
optimizer, x, y).item()."""
import torch
from torch import nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 1))

    def forward(self, x):
        return self.body(x)


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = (model(x) - y).pow(2).mean()
    loss.backward()
    optimizer.step()
    return loss


def main():
    torch.manual_seed(0)
    model = Regressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    total = 0.0
    step = 0
    while step < 8:
        x, y = torch.randn(16, 6), torch.randn(16, 1)
        total += train_step(model, optimizer, x, y).item()
        step += 1
    print("average", total / step)


if __name__ == "__main__":
    main()
