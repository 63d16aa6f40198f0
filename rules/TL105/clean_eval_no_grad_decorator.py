"""Evaluation under @torch.no_grad(), training outside it."""
import torch
from torch import nn


@torch.no_grad()
def evaluate(model, batches):
    model.eval()
    return sum(nn.functional.mse_loss(model(x), y).item() for x, y in batches)


def train(model, optimizer, batches):
    model.train()
    for x, y in batches:
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    net = nn.Linear(3, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    data = [(torch.randn(8, 3), torch.randn(8, 1)) for _ in range(4)]
    for epoch in range(2):
        train(net, opt, data)
        print(evaluate(net, data))
