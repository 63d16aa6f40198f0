"""Modules move in place: model.to(...), criterion.to(...) and self.to(...) as statements."""
import torch
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def prepare(self, dtype):
        self.to(dtype)
        return self

    def forward(self, x):
        return self.fc(x)


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Head().prepare(torch.float64)
    model.to(device)
    criterion = nn.MSELoss()
    criterion.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        x = torch.randn(6, 4, dtype=torch.float64).to(device)
        y = torch.randn(6, 2, dtype=torch.float64).to(device)
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
