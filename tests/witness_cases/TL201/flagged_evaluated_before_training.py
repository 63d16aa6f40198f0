# flake8: noqa
"""The model is scored once before training (eval mode, no_grad) to log a baseline;
only its training path makes a noise tensor, and that one has no device=."""
import torch
from torch import nn


class Denoiser(nn.Module):
    def __init__(self, width=12):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(width, width), nn.Tanh(), nn.Linear(width, width))

    def forward(self, x):
        if self.training:
            x = x + 0.05 * torch.randn(x.shape)
        return self.net(x)


def score(model, x):
    model.eval()
    with torch.no_grad():
        return nn.functional.mse_loss(model(x), x).item()


if __name__ == "__main__":
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    model = Denoiser().to(device)
    clean = torch.randn(32, 12, device=device)
    print("baseline", score(model, clean))
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.mse_loss(model(clean), clean).backward()
        opt.step()
    print("after", score(model, clean))
