"""A spectral front end keeps its analysis window as a plain tensor attribute, built by an
__init__ helper with torch.from_numpy: model.to(device) moves parameters and buffers, not
this tensor, so forward() multiplies device frames by a CPU window."""
import numpy as np
import torch
from torch import nn


class FrameEncoder(nn.Module):
    def __init__(self, frame=16, width=8):
        super().__init__()
        self.frame = frame
        self.window = self.make_window()
        self.proj = nn.Linear(frame, width)

    def make_window(self):
        hann = np.hanning(self.frame).astype(np.float32)
        return torch.from_numpy(hann)

    def forward(self, frames):
        return self.proj(frames * self.window)  # expect: TL201


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
