"""``optimizer = None`` first, built lazily on the first epoch as a wrapper that clears
after each step: nothing in the loop is left uncleared."""
import torch
import torch.nn.functional as F
from torch import nn


class ClearingWrapper:
    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self):
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = None
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        if optimizer is None:
            optimizer = ClearingWrapper(torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9))
        for x, y in batches:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
