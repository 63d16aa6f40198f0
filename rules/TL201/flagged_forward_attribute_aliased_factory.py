"""ALiBi-style attention bias: the slopes are a plain attribute made in __init__ with
torch.linspace imported under another name (`from torch import linspace as span`), not a
buffer, so after model.to(device) forward() scales device scores by a CPU tensor."""
import torch
from torch import linspace as span
from torch import nn


class BiasedAttention(nn.Module):
    def __init__(self, heads=2, width=8):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.slopes = span(0.5, 0.125, heads)

    def forward(self, x):
        b, t, w = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, w // self.heads).unbind(2)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k)
        distance = torch.arange(t, device=x.device)[None, :] - torch.arange(t, device=x.device)[:, None]
        scores = scores - self.slopes[None, :, None, None] * distance.abs()  # expect: TL201
        return torch.einsum("bhqk,bkhd->bqhd", scores.softmax(-1), v).reshape(b, t, w)


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = BiasedAttention().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):
        x = torch.randn(2, 5, 8, device=device)
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(loss.item())
