"""Batches moved with non_blocking=True; a DataParallel model, which scatters its CPU inputs
to its GPUs itself."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train(model, loader, optimizer, device):
    for batch in loader:
        inputs, targets = batch
        inputs = inputs.to(device, non_blocking=True)
        targets = targets.to(device, non_blocking=True)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        optimizer.step()


def main():
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    loader = DataLoader(TensorDataset(torch.randn(32, 4), torch.randn(32, 2)), batch_size=8)
    plain = nn.Linear(4, 2).to(device)
    train(plain, loader, torch.optim.SGD(plain.parameters(), lr=0.1), device)
    wrapped = nn.DataParallel(nn.Linear(4, 2)).to(device)
    optimizer = torch.optim.SGD(wrapped.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.mse_loss(wrapped(x), y.to(device)).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
