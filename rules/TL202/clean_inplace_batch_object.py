"""A batch object whose .to() converts its tensors in place and returns itself (like
transformers' BatchEncoding): calling it as a statement is right."""
import torch
from torch import nn


class Batch:
    def __init__(self, features, target):
        self.features = features
        self.target = target

    def to(self, *args, **kwargs):
        self.features = self.features.to(*args, **kwargs)
        self.target = self.target.to(*args, **kwargs)
        return self


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Linear(3, 1).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = [Batch(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
    for batch in batches:
        batch.to(torch.float64)
        optimizer.zero_grad()
        nn.functional.mse_loss(model(batch.features), batch.target).backward()
        optimizer.step()
