"""A warm-up loop steps the bare optimizer and never clears; only after it is the
optimizer replaced by a wrapper that clears (the second loop is fine)."""
import torch
import torch.nn.functional as F
from torch import nn


class ClearingWrapper:
    def __init__(self, optimizer):
        self.optimizer = optimizer
        optimizer.zero_grad(set_to_none=True)

    def step(self):
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for x, y in batches:  # warm-up
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()  # expect: TL101
    opt = ClearingWrapper(opt)
    for epoch in range(2):
        for x, y in batches:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
