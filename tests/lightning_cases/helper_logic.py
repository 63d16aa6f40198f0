"""A plain loop whose helpers do more than the step: an early stop under --dry-run,
progress prints, and the first validation batch's outputs kept aside each epoch."""
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train(args, model, loader, optimizer, epoch):
    model.train()
    for i, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        if i % args.log_interval == 0:
            print(f"epoch {epoch} batch {i} loss {loss.item():.4f}")
            if args.dry_run:
                break


def evaluate(model, loader, kept):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i, (x, y) in enumerate(loader):
            out = model(x)
            total += nn.functional.mse_loss(out, y, reduction="sum").item()
            if i == 0:
                kept.append(out[:2].clone())
    print(f"validation loss {total / len(loader.dataset):.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--log-interval", type=int, default=4)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(0)
    train_data = TensorDataset(torch.randn(64, 4), torch.randn(64, 1))
    val_data = TensorDataset(torch.randn(16, 4), torch.randn(16, 1))
    loader = DataLoader(train_data, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_data, batch_size=8)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    kept = []
    for epoch in range(args.epochs):
        train(args, model, loader, optimizer, epoch)
        evaluate(model, val_loader, kept)
        if args.dry_run:
            break


if __name__ == "__main__":
    main()
