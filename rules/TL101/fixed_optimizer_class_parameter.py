"""flagged_optimizer_class_parameter.py after `torchlint check --fix`: call
self.optimizer.zero_grad() first in each iteration."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import SGD


class Trainer:
    def __init__(self, model, optimizer_klass=SGD, lr=0.05):
        self.model = model
        self.optimizer = optimizer_klass(model.parameters(), lr=lr)

    def fit(self, batches, epochs=2):
        for epoch in range(epochs):
            for x, y in batches:
                self.optimizer.zero_grad()
                loss = F.cross_entropy(self.model(x), y)
                loss.backward()
                self.optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    Trainer(model, lr=0.05).fit(batches)
