"""One step function for training and validation: backward() only when train is True."""
import torch
import torch.nn.functional as F
from torch import nn


def run_step(model, optimizer, batch, train):
    x, y = batch
    loss = F.mse_loss(model(x), y)
    if train:
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def main():
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(4)]
    for epoch in range(2):
        for batch in batches[:3]:
            run_step(model, optimizer, batch, train=True)
        with torch.no_grad():
            val = sum(run_step(model, optimizer, b, False) for b in batches[3:])
            val += run_step(model, optimizer, batches[0], train=False)
        print(epoch, val)


if __name__ == "__main__":
    main()
