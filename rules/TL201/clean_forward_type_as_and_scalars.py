"""CPU-made tensors converted with .type_as(x) / .to(x) / .to(x.device), and 0-dim CPU
scalars (which PyTorch lets meet a tensor on any device)."""
import torch
from torch import nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        steps = torch.arange(x.size(1)).type_as(x)
        window = torch.hann_window(x.size(1)).to(x)
        ramp = torch.linspace(0, 1, x.size(1)).to(x.device)
        temperature = torch.tensor(0.5)
        return self.fc(x * window + steps * ramp) / temperature


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Scaled().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(3):
        x = torch.randn(8, 4).to(device)
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
