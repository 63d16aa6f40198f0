"""Masking part of a gradient between backward and step (padding row of an embedding) is deliberate."""
import torch
from torch import nn

torch.manual_seed(0)
emb = nn.Embedding(10, 4)
head = nn.Linear(4, 1)
params = list(emb.parameters()) + list(head.parameters())
optimizer = torch.optim.SGD(params, lr=0.1)

for step in range(5):
    tokens = torch.randint(0, 10, (8,))
    loss = head(emb(tokens)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    emb.weight.grad[0].zero_()
    optimizer.step()
