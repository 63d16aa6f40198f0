"""flagged_module_attribute_tensor.py after `torchlint check --fix --unsafe-fixes`: assign it
back: self.mean = self.mean.to(...); assign it back: self.std = self.std.to(...)."""
import torch
from torch import nn


class Standardise(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = torch.tensor(mean)
        self.std = torch.tensor(std)
        self.fc = nn.Linear(len(mean), 1)

    def use_double(self):
        self.double()
        self.mean = self.mean.to(torch.float64)
        self.std = self.std.to(torch.float64)

    def forward(self, x):
        return self.fc((x - self.mean) / self.std)


if __name__ == "__main__":
    torch.manual_seed(0)
    model = Standardise([0.5, 1.0], [2.0, 3.0])
    model.use_double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        x, y = torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 1, dtype=torch.float64)
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
