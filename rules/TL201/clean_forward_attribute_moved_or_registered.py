"""Tensors made at construction that do follow the model: a window registered as a buffer,
inverse frequencies as a frozen nn.Parameter, a table moved to the input's device where
forward() uses it, and a CPU lookup table read only for its size."""
import numpy as np
import torch
from torch import nn


class FrameEncoder(nn.Module):
    def __init__(self, frame=16, width=8):
        super().__init__()
        self.register_buffer("window", torch.from_numpy(np.hanning(frame).astype(np.float32)))
        self.inv_freq = nn.Parameter(1.0 / (10000 ** (torch.arange(0, width, 2).float() / width)),
                                     requires_grad=False)
        self.bias_table = torch.linspace(-1.0, 1.0, width)
        self.steps = torch.arange(frame)
        self.proj = nn.Linear(frame, width)

    def forward(self, frames):
        h = self.proj(frames * self.window)
        angles = h[:, : self.inv_freq.numel()] * self.inv_freq
        h = h + self.bias_table.to(frames.device)
        return h * (1 + angles.cos().mean()) / self.steps.numel()


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = FrameEncoder().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        frames = torch.randn(5, 16, device=device)
        loss = model(frames).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(float(loss))
