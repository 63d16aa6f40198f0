"""Rotary position embedding: the inverse frequencies are a plain attribute made with
torch.arange in __init__ (not a buffer), so after model.to(device) forward() combines
device positions with a CPU table."""
import torch
from torch import nn


class RotaryAttention(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.qk = nn.Linear(width, 2 * width)
        self.inv_freq = 1.0 / (10000 ** (torch.arange(0, width, 2).float() / width))

    def rotate(self, x, pos):
        angles = pos[:, None] * self.inv_freq[None, :]  # expect: TL201
        cos, sin = angles.cos(), angles.sin()
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)

    def forward(self, x, pos):
        q, k = self.qk(x).chunk(2, dim=-1)
        q, k = self.rotate(q, pos), self.rotate(k, pos)
        return (q @ k.transpose(-1, -2)).softmax(-1) @ x


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = RotaryAttention().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):
        x = torch.randn(2, 6, 8, device=device)
        pos = torch.arange(6, device=device).float()
        loss = model(x, pos).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(float(loss))
