"""A Trainer class; the optimizer class is imported under an alias and built with
a literal learning rate in __init__."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import Adam as Optimizer


class Trainer:
    def __init__(self, model, epochs=2):
        self.model = model
        self.epochs = epochs
        self.optimizer = Optimizer(model.parameters(), lr=0.0123)  # expect: TL301

    def fit(self, batches):
        for _ in range(self.epochs):
            for x, y in batches:
                self.optimizer.zero_grad()
                F.mse_loss(self.model(x), y).backward()
                self.optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    Trainer(nn.Linear(4, 1)).fit(batches)
