"""flagged_self_attributes.py after `torchlint check --fix`: call self.optim.zero_grad() first
in each iteration."""
import torch
from torch import nn


class Trainer:
    def __init__(self, model, lr):
        self.model = model
        self.optim = torch.optim.SGD(model.parameters(), lr=lr)
        self.loss_fn = nn.MSELoss()

    def fit(self, batches, epochs=2):
        for _ in range(epochs):
            for x, y in batches:
                self.optim.zero_grad()
                self.loss_fn(self.model(x), y).backward()
                self.optim.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
    Trainer(nn.Linear(3, 1), lr=0.1).fit(data)
