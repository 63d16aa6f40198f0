"""A trainer that calls model.train() once before the epoch loop; _validate() switches
to eval mode inside it and nothing switches back."""
import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 4))

    def forward(self, x):
        return self.net(x)


class Trainer:
    def __init__(self, model):
        self.model = model
        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)
        self.batches = [(torch.randn(8, 12), torch.randint(0, 4, (8,))) for _ in range(3)]

    def fit(self, epochs):
        self.model.train()
        for epoch in range(epochs):
            for x, y in self.batches:
                self.opt.zero_grad()
                F.cross_entropy(self.model(x), y).backward()
                self.opt.step()
            self._validate(epoch)  # expect: TL603

    def _validate(self, epoch):
        self.model.eval()
        with torch.no_grad():
            x, y = self.batches[0]
            print(epoch, F.cross_entropy(self.model(x), y).item())


if __name__ == "__main__":
    torch.manual_seed(0)
    Trainer(Classifier()).fit(3)
