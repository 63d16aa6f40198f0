"""A classifier assembled from a list of layers by a builder that ends it with nn.Softmax."""
import torch
from torch import nn


def build(sizes):
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers.append(nn.Linear(a, b))
        layers.append(nn.ReLU())
    layers.pop()
    layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


torch.manual_seed(0)
net = build([6, 24, 5])
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
x, y = torch.randn(32, 6), torch.randint(0, 5, (32,))
for epoch in range(15):
    optimizer.zero_grad()
    loss = loss_fn(net(x), y)  # expect: TL701
    loss.backward()
    optimizer.step()
