"""An engine base class sets ``self.optimizers`` in its ``__init__``; the subclass's loop
steps each of them and never clears."""
import torch
import torch.nn.functional as F
from torch import nn


class BaseEngine:
    def __init__(self, model, lr):
        self.model = model
        self.optimizers = [torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)]


class ClassifierEngine(BaseEngine):
    def train_epoch(self, batches):
        for x, y in batches:
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            for optimizer in self.optimizers:
                optimizer.step()  # expect: TL101


if __name__ == "__main__":
    torch.manual_seed(0)
    engine = ClassifierEngine(nn.Linear(10, 3), lr=0.05)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        engine.train_epoch(batches)
