"""flagged_configure_optimizers_factory.py after `torchlint check --fix`: call opt.zero_grad()
first in each iteration."""
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        return self.fc(x)

    def configure_optimizers(self, cfg):
        return torch.optim.SGD(self.parameters(), lr=cfg.lr, momentum=0.9)


if __name__ == "__main__":
    torch.manual_seed(0)
    cfg = SimpleNamespace(lr=0.05)
    model = Net()
    opt = model.configure_optimizers(cfg)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        for x, y in batches:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
