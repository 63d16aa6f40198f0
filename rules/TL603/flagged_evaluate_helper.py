"""evaluate() switches to eval mode; train_one_epoch() never switches back."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train_one_epoch(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct / len(loader.dataset)


def main():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 24), nn.BatchNorm1d(24), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(24, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    ds = TensorDataset(torch.randn(48, 6), torch.randint(0, 2, (48,)))
    train_loader = DataLoader(ds, batch_size=16, shuffle=True)
    val_loader = DataLoader(ds, batch_size=24)
    for epoch in range(3):
        train_one_epoch(model, train_loader, optimizer)
        acc = evaluate(model, val_loader)  # expect: TL603
        print(epoch, acc)


if __name__ == "__main__":
    main()
