"""flagged_helper_update.py after `torchlint check --fix`: move
optimizer.zero_grad(set_to_none=True) after optimizer.step()."""
import torch
from torch import nn


def apply_update(optimizer):
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def train(model, optimizer, batches):
    for x, y in batches:
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        apply_update(optimizer)


if __name__ == "__main__":
    torch.manual_seed(0)
    net = nn.Linear(4, 1)
    train(net, torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9),
          [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)])
