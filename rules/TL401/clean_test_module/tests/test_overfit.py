"""A test that trains a few steps (runnable directly too): tests are not training
runs, a fresh random start is what they should survive."""
import torch
import torch.nn.functional as F
from torch import nn


def test_overfits_one_batch():
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    first = None
    for _ in range(20):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
    assert loss.item() < first


if __name__ == "__main__":
    test_overfits_one_batch()
