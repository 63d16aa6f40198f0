"""The mode is set by the project's set_mode() helper (utils.py), which branches on a
phase name: set_mode(model, "train") before training, set_mode(model, "eval") before
the validation loop."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from utils import set_mode


def main():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 24), nn.BatchNorm1d(24), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(24, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    ds = TensorDataset(torch.randn(48, 6), torch.randint(0, 2, (48,)))
    train_loader = DataLoader(ds, batch_size=16, shuffle=True)
    val_loader = DataLoader(ds, batch_size=24)
    for epoch in range(3):
        set_mode(model, "train")
        for x, y in train_loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        set_mode(model, "eval")
        correct = 0
        with torch.no_grad():
            for x, y in val_loader:
                correct += (model(x).argmax(1) == y).sum().item()
        print(epoch, correct)


if __name__ == "__main__":
    main()
