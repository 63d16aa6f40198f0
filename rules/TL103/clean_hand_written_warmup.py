"""A hand-written warm-up object named `scheduler`, stepped first: it sets the lr itself."""
import torch
from torch import nn


class LinearWarmup:
    def __init__(self, optimizer, base_lr, steps):
        self.optimizer, self.base_lr, self.steps, self.count = optimizer, base_lr, steps, 0

    def step(self):
        self.count += 1
        for group in self.optimizer.param_groups:
            group["lr"] = self.base_lr * min(1.0, self.count / self.steps)


def train(model, optimizer, scheduler, batches):
    for x, y in batches:
        scheduler.step()
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]
    train(model, optimizer, LinearWarmup(optimizer, 0.1, 3), batches)
