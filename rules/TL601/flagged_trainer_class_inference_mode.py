"""A trainer class: fit() puts the model in training mode for each epoch and then
evaluates under torch.inference_mode() without switching to eval mode."""
import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self, width=32, p=0.3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(12, width), nn.ReLU(), nn.Dropout(p))
        self.head = nn.Linear(width, 4)

    def forward(self, x):
        return self.head(self.body(x))


class Trainer:
    def __init__(self, model, lr=0.1):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        self.train_batches = [(torch.randn(8, 12), torch.randint(0, 4, (8,))) for _ in range(3)]
        self.val_batches = [(torch.randn(8, 12), torch.randint(0, 4, (8,))) for _ in range(2)]

    def fit(self, epochs):
        for epoch in range(epochs):
            self.model.train()
            for x, y in self.train_batches:
                self.optimizer.zero_grad()
                F.cross_entropy(self.model(x), y).backward()
                self.optimizer.step()
            print(epoch, self.evaluate())

    def evaluate(self):
        losses = []
        with torch.inference_mode():
            for x, y in self.val_batches:  # expect: TL601
                losses.append(F.cross_entropy(self.model(x), y).item())
        return sum(losses) / len(losses)


if __name__ == "__main__":
    torch.manual_seed(0)
    Trainer(Classifier()).fit(2)
