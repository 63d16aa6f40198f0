"""Eval mode plus @torch.inference_mode() / with torch.no_grad(): no graphs."""
import torch
from torch import nn


@torch.inference_mode()
def predict(model, batches):
    model.eval()
    out = []
    for x in batches:
        out.append(model(x).argmax(1))
    return torch.cat(out)


def embed(model, batches):
    model.eval()
    with torch.no_grad():
        return [model(x) for x in batches]


torch.manual_seed(0)
net = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
data = [torch.randn(4, 8) for _ in range(3)]
print(predict(net, data).tolist(), len(embed(net, data)))
net.eval()
with torch.no_grad():
    for x in data:
        print(net(x).sum().item())
