"""A same-file step helper called inside a no_grad block: the report is at the call."""
import torch
from torch import nn


class Trainer:
    def __init__(self, model):
        self.model = model
        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(self, x):
        self.opt.zero_grad()
        loss = (self.model(x) - x).pow(2).mean()
        loss.backward()
        self.opt.step()

    def fit(self, data):
        for x in data:
            with torch.no_grad():
                self.step(x)  # expect: TL105


if __name__ == "__main__":
    torch.manual_seed(0)
    Trainer(nn.Linear(4, 4)).fit([torch.randn(8, 4) for _ in range(3)])
