"""Builds what the Trainer in trainer.py needs and runs it."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from trainer import Trainer


def main():
    torch.manual_seed(3)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x = torch.randn(128, 6, generator=torch.Generator().manual_seed(0))
    y = x.sum(dim=1, keepdim=True).sin()
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    model = nn.Sequential(nn.Linear(6, 24), nn.Tanh(), nn.Linear(24, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    Trainer(model, optimizer, loader, device).fit(epochs=4)


if __name__ == "__main__":
    main()
