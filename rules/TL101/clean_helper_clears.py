"""Clearing is done by a same-file helper called in the loop."""
import torch
import torch.nn as nn


def reset_gradients(optimizer):
    optimizer.zero_grad(set_to_none=True)


def train(model, optimizer, batches):
    for x, y in batches:
        reset_gradients(optimizer)
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    train(model, optimizer, [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(5)])
