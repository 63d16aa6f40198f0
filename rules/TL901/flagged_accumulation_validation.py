"""Command-line settings, gradient accumulation, clipping by value, a per-step
scheduler, a validation pass each epoch and "save the best" checkpointing."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset


class Regressor(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, width), nn.Tanh(), nn.Linear(width, 1))

    def forward(self, x):
        return self.body(x)


def evaluate(model, loader, device):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            total += F.mse_loss(model(x), y, reduction="sum").item()
    model.train()
    return total / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--accumulate", type=int, default=2)
    parser.add_argument("--clip", type=float, default=0.5)
    args = parser.parse_args()

    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_data = TensorDataset(torch.randn(64, 6), torch.randn(64, 1))
    val_data = TensorDataset(torch.randn(32, 6), torch.randn(32, 1))
    train_loader = DataLoader(train_data, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_data, batch_size=args.batch_size)
    model = Regressor(args.width).to(device)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)

    best = float("inf")
    for epoch in range(args.epochs):  # expect: TL901
        for i, (x, y) in enumerate(train_loader):
            x, y = x.to(device), y.to(device)
            loss = F.mse_loss(model(x), y) / args.accumulate
            loss.backward()
            if (i + 1) % args.accumulate == 0:
                nn.utils.clip_grad_value_(model.parameters(), args.clip)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
        val_loss = evaluate(model, val_loader, device)
        print(f"epoch {epoch}: val_loss {val_loss:.4f}")
        if val_loss < best:
            best = val_loss
            torch.save(model.state_dict(), "best.pt")


if __name__ == "__main__":
    main()
