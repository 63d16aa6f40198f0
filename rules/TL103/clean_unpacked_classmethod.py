"""``model, optimizer, scheduler = Net.build(...)``; the per-batch scheduler steps after
the optimizer."""
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(x)

    @classmethod
    def build(cls, lr):
        model = cls()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        return model, optimizer, torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)


if __name__ == "__main__":
    torch.manual_seed(0)
    model, optimizer, scheduler = Net.build(lr=0.1)
    batches = [(torch.randn(16, 8), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        for x, y in batches:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            scheduler.step()
