"""Factories in forward() given device=, and like-style constructors."""
import torch
from torch import nn


class GatedNoise(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.width = width
        self.proj = nn.Linear(width, width)

    def forward(self, x):
        noise = torch.randn(x.shape, device=x.device) * 0.01
        gate = torch.ones(x.size(0), self.width, device=x.device, dtype=x.dtype)
        bias = torch.tensor([0.5] * self.width, device=x.device)
        offset = x.new_zeros(x.size(0), self.width) + torch.zeros_like(x)
        return self.proj(x + noise) * gate + bias + offset


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = GatedNoise(6).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        x, y = torch.randn(4, 6, device=device), torch.randn(4, 6, device=device)
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
