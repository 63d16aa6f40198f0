"""Greedy layer-wise training: LayerwiseNet.fit trains each layer in turn through
`for layer in self.layers: h = layer.train(h)`, where train() is the layer's own
training loop (it overrides nn.Module.train). Nothing seeds the run: initial
weights and data differ on every run."""
import torch
from torch import nn


class Layer(nn.Linear):
    def __init__(self, d_in, d_out, lr):
        super().__init__(d_in, d_out)
        self.opt = torch.optim.SGD(self.parameters(), lr=lr)

    def forward(self, x):
        return torch.relu(super().forward(x))

    def train(self, x, steps=5):
        for _ in range(steps):
            self.opt.zero_grad()
            (self.forward(x).pow(2).mean() - 1.0).abs().backward()
            self.opt.step()
        return self.forward(x).detach()


class LayerwiseNet:
    def __init__(self, dims, lr):
        self.layers = [Layer(dims[i], dims[i + 1], lr) for i in range(len(dims) - 1)]

    def fit(self, x):
        h = x
        for layer in self.layers:
            h = layer.train(h)
        return h


if __name__ == "__main__":  # expect: TL401
    net = LayerwiseNet([4, 8, 8], lr=0.03)
    net.fit(torch.randn(16, 4))
