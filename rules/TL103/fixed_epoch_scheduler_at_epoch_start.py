"""flagged_epoch_scheduler_at_epoch_start.py after `torchlint check --fix`: move
scheduler.step() after train_epoch(model, optimizer, batches)."""
import torch
from torch import nn, optim


def train_epoch(model, optimizer, batches):
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def main():
    torch.manual_seed(0)
    model = nn.Linear(6, 3)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1, 2], gamma=0.1)
    batches = [(torch.randn(8, 6), torch.randint(0, 3, (8,))) for _ in range(3)]
    for epoch in range(3):
        train_epoch(model, optimizer, batches)
        scheduler.step()


if __name__ == "__main__":
    main()
