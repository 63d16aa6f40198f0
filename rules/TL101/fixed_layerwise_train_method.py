"""flagged_layerwise_train_method.py after `torchlint check --fix`: each layer's
train() method clears the gradients of the optimizer it steps before its backward."""
import torch
from torch import nn


class Layer(nn.Linear):
    def __init__(self, d_in, d_out, lr):
        super().__init__(d_in, d_out)
        self.opt = torch.optim.SGD(self.parameters(), lr=lr)

    def forward(self, x):
        return torch.relu(super().forward(x))

    def train(self, x):
        self.opt.zero_grad()
        loss = (self.forward(x).pow(2).mean() - 1.0).abs()
        loss.backward()
        self.opt.step()
        return self.forward(x).detach()


class LayerwiseNet:
    def __init__(self, dims, lr):
        self.layers = [Layer(dims[i], dims[i + 1], lr) for i in range(len(dims) - 1)]

    def fit(self, batches, epochs):
        for epoch in range(epochs):
            for x in batches:
                h = x
                for layer in self.layers:
                    h = layer.train(h)


def main(lr=0.03):
    torch.manual_seed(0)
    net = LayerwiseNet([4, 8, 8], lr)
    net.fit([torch.randn(16, 4) for _ in range(4)], epochs=3)


if __name__ == "__main__":
    main()
